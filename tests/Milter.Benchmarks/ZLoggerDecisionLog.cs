using Microsoft.Extensions.Logging;
using ZLogger;

namespace Milter.Benchmarks;

/// <summary>The decision line as a ZLogger source-generated method (for <see cref="LoggingBenchmarks"/>); without the quotes around the verdict: ZLogger 2.6.2's generator emits code that does not compile for a \" in the template.</summary>
internal static partial class ZLoggerDecisionLog
{
    [ZLoggerMessage(3000, LogLevel.Information, "decision qid={queueId} client={client} stage={stage} from={sender} rcpt={recipient} verdict={verdict} rule={rule}")]
    public static partial void Decision(ILogger logger, string queueId, string client, string stage, string sender, string recipient, string verdict, string rule);
}
