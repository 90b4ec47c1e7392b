using Microsoft.Extensions.Logging;
using Milter.Policy.Model;

namespace Milter.Host;

// Limits: every exceeded limit, the shared Redis counter store. Event ids 3200–3299; the table of every area is in
// Log.cs.
internal static partial class Log
{
    [LoggerMessage(3200, LogLevel.Warning, "limit exceeded limit={Limit} stage={Stage} key={Key} count={Count} max={Max} period={PeriodSeconds}s client={Client} action={Action}")]
    public static partial void Exceeded(ILogger logger, string limit, PolicyStage stage, string key, long count, long max, double periodSeconds, string client, string action);

    [LoggerMessage(3201, LogLevel.Error, "limit store redis={Server} unavailable, {Mode} until it answers: {Error}: {Message}")]
    public static partial void LimitStoreDown(ILogger logger, string server, string mode, string error, string message);

    [LoggerMessage(3202, LogLevel.Information, "limit store redis={Server} answers again after {Seconds:0.0} s")]
    public static partial void LimitStoreUp(ILogger logger, string server, double seconds);
}
