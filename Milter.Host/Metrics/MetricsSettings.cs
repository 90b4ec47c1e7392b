using System.Net;

namespace Milter.Host.Metrics;

/// <summary>Settings under <c>Milter:Metrics</c>.</summary>
public sealed class MetricsSettings
{
    public const string Section = "Milter:Metrics";

    /// <summary><c>ADDRESS:PORT</c> of the Prometheus endpoint (<c>http://ADDRESS:PORT/metrics</c>); empty = off.</summary>
    public string? Listen { get; set; }

    internal IPEndPoint? Endpoint => string.IsNullOrEmpty(Listen) ? null : IPEndPoint.TryParse(Listen, out IPEndPoint? endpoint) ? endpoint : null;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrEmpty(Listen))
        {
            yield break;
        }

        if (!IPEndPoint.TryParse(Listen, out IPEndPoint? endpoint) || endpoint.Port == 0 || !Listen.Contains(':', StringComparison.Ordinal))
        {
            yield return $"{Section}:Listen: '{Listen}' is not ADDRESS:PORT (e.g. 127.0.0.1:9469 or [::1]:9469)";
        }
    }
}
