using FluentAssertions;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>When the readiness thread serves every ready socket itself instead of handing them to the thread pool.</summary>
public class ReadinessMonitorTests
{
    [TestCase(1, null, true, TestName = "One processor: every ready socket inline (a pool hop buys no parallelism)")]
    [TestCase(2, null, false, TestName = "Two processors: several ready sockets go to the pool")]
    [TestCase(64, "0", false, TestName = "Many processors, inline completions off: the pool")]
    [TestCase(2, "1", true, TestName = "Inline completions asked of the runtime: inline here too")]
    public void ServesEveryTargetInline_FollowsTheProcessorCountAndTheRuntimeSetting(int processors, string? inlineCompletions, bool inline)
    {
        ReadinessMonitor.ServesEveryTargetInline(processors, inlineCompletions).Should().Be(inline);
    }
}
