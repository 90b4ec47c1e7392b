using Microsoft.Extensions.Logging;

namespace Milter.Host;

// Metrics: the Prometheus exporter. Event ids 3400–3499; the table of every area is in Log.cs.
internal static partial class Log
{
    [LoggerMessage(3400, LogLevel.Information, "metrics at http://{Host}:{Port}/metrics")]
    public static partial void Serving(ILogger logger, string host, int port);
}
