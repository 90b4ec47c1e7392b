namespace Milter.Interop.Tests;

/// <summary>A configured multi-line refusal, as an admin writes it in the JSON configuration (lines separated by \n).</summary>
internal static class MultiLineReplies
{
    public const string FirstLine = "Relaying denied. Proper authentication required.";

    public const string LastLine = "See https://policy.test.example/relay for how to send through this server.";

    /// <summary>The milter's environment: <c>Milter:Policy:Replies:RelayDeniedAuthRequired</c> with two lines.</summary>
    public static Dictionary<string, string> Settings => new()
    {
        ["Milter__Policy__Replies__RelayDeniedAuthRequired"] = $"550 5.7.1 {FirstLine}\n{LastLine}",
    };
}
