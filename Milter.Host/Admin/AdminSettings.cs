using System.ComponentModel.DataAnnotations;
using Milter.Host.Listening;

namespace Milter.Host.Admin;

/// <summary>Settings under <c>Milter:Admin</c>: the admin socket STATE/admin.sock.</summary>
public sealed class AdminSettings
{
    public const string Section = "Milter:Admin";

    /// <summary>A group whose members may use the admin socket too (mode 0660 instead of 0600).</summary>
    [Length(1, 32)]
    public string? Group { get; set; }

    /// <summary>Most connections at once to the admin socket.</summary>
    [Range(1, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnections { get; set; } = 32;

    /// <summary>Most connections at once from one user other than root and the milter's own user (0 = no such cap).</summary>
    [Range(0, LocalListenerLimits.MaxConnectionsBound)]
    public int MaxConnectionsPerUser { get; set; } = 8;

    /// <summary>Seconds a connection may stay silent between requests before it is closed.</summary>
    [Range(0.1, 86_400)]
    public double IdleTimeoutSeconds { get; set; } = 30;

    /// <summary>Seconds a request line may take from its first byte to its newline, and an answer to be taken by the peer.</summary>
    [Range(0.1, 3600)]
    public double RequestTimeoutSeconds { get; set; } = 10;

    internal LocalListenerLimits Limits => new(MaxConnections, MaxConnectionsPerUser, IdleTimeoutSeconds, RequestTimeoutSeconds);

    internal IEnumerable<string> Validate()
    {
        // useradd's rule for names (and what getgrnam can hold): no ':' or white space or control characters.
        if (Group is not null && Group.Any(c => c is ':' or ',' or '/' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            yield return $"{Section}:Group: '{Group}' is not a group name";
        }
    }
}
