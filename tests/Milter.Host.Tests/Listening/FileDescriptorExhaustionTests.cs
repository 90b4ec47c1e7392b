using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Listening;

/// <summary>
/// <c>milter run</c> with more idle connections than file descriptors (RLIMIT_NOFILE set with prlimit). Before the
/// shared listener, ~1,100 idle connections under <c>ulimit -n 1024</c> made the accept loop spin at 100 % CPU, log a
/// stack trace per failed accept (~100 MB a minute) and abort (the runtime itself out of descriptors). Now CPU and
/// log stay bounded, the process keeps its own headroom, and once the connections close a normal session is served.
/// </summary>
[Category("Sockets")]
[NonParallelizable]
[CancelAfter(180_000)]
public sealed partial class FileDescriptorExhaustionTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(4);
    private string _dir = null!;
    private readonly List<Socket> _idle = [];

    [SetUp]
    public void Setup()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("RLIMIT_NOFILE and /proc are Linux's");
        }

        _dir = Directory.CreateTempSubdirectory("milter-fd-test").FullName;
    }

    [TearDown]
    public void Cleanup()
    {
        CloseIdle();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public async Task StartedUnderALowLimit_FitsItsCapUnderIt_AndRefusesTheRestCheaply(CancellationToken cancellationToken)
    {
        await using RunningMilter milter = await RunningMilter.StartUnderAsync(["prlimit", "--nofile=400:400"], _dir, "--leases", "memory");
        Match clamped = ClampedLine().Match(milter.Output);
        clamped.Success.Should().BeTrue(milter.Output);
        int cap = int.Parse(clamped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        cap.Should().BeInRange(1, 400 - 32 - 32, "under the limit, less the admin socket's cap and the headroom");

        await OpenIdleAsync(milter.Spec, cap + 150, cancellationToken);
        (TimeSpan cpu, int logged) = await MeasureWhileHeldAsync(milter, cancellationToken);

        cpu.Should().BeLessThan(TimeSpan.FromSeconds(1.5), "refusing a connection over the cap is an accept and a close, not a spin");
        logged.Should().BeLessThan(4096, "one line for the refusals, not one per connection");
        milter.Output.Should().Contain("connections open, the limit");
        await ServesAgainAsync(milter);
        milter.Output.Should().MatchRegex(@"Milter: \d+ connections refused in [0-9.]+ s at the limit of " + cap);
    }

    /// <summary>
    /// The limit lowered under a running milter (prlimit --pid): connections stop short of the process's last
    /// descriptors (the runtime aborts without them), the rest are refused at accept without a spin or a log line each.
    /// </summary>
    [Test]
    public async Task LimitLoweredWhileRunning_ConnectionsLeaveTheProcessItsHeadroom_AndItRecovers(CancellationToken cancellationToken)
    {
        await using RunningMilter milter = await RunningMilter.StartInAsync(_dir, "--leases", "memory");
        int open = Directory.GetFiles($"/proc/{milter.ProcessId}/fd").Length;
        int limit = open + 60;
        using (Process lower = Process.Start("prlimit", ["--pid", milter.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), $"--nofile={limit}:{limit}"]))
        {
            await lower.WaitForExitAsync(cancellationToken);
            lower.ExitCode.Should().Be(0);
        }

        await OpenIdleAsync(milter.Spec, 400, cancellationToken);
        await Eventually.TrueAsync(() => milter.Output.Contains("within 32 of RLIMIT_NOFILE " + limit), TimeSpan.FromSeconds(30), "the milter logs that it stops short of the limit", () => milter.Output, cancellationToken);
        (TimeSpan cpu, int logged) = await MeasureWhileHeldAsync(milter, cancellationToken);

        cpu.Should().BeLessThan(TimeSpan.FromSeconds(1.5), "a refusal is an accept and a close, not a spin");
        logged.Should().BeLessThan(4096, "one line when the episode began, not one per refused connection");
        Regex.Matches(milter.Output, "within 32 of RLIMIT_NOFILE").Should().ContainSingle();
        Directory.GetFiles($"/proc/{milter.ProcessId}/fd").Length.Should().BeLessThanOrEqualTo(limit - 32 + 1);
        await ServesAgainAsync(milter);
        milter.Output.Should().MatchRegex(@"\d+ connections refused in [0-9.]+ s near the file descriptor limit");
    }

    /// <summary>Opens <paramref name="count"/> plain TCP connections and leaves them silent (an MTA that connected and said nothing).</summary>
    private async Task OpenIdleAsync(string spec, int count, CancellationToken cancellationToken)
    {
        var endPoint = (IPEndPoint)await Milter.Protocol.Transport.MilterSocketSpec.Parse(spec).ResolveAsync(cancellationToken);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _idle.Add(socket);
            await socket.ConnectAsync(endPoint, cancellationToken); // completes from the backlog even when the milter cannot accept
        }
    }

    /// <summary>The milter's CPU time and log growth while the idle connections are held.</summary>
    private static async Task<(TimeSpan Cpu, int Logged)> MeasureWhileHeldAsync(RunningMilter milter, CancellationToken cancellationToken)
    {
        // Kept: a settling time before the measurement (the accept loop meets the limit; nothing signals that it has
        // settled), and the hold is the observation window of the measurement itself.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // let the accept loop meet the limit
        TimeSpan cpu = milter.CpuTime;
        int logged = milter.Output.Length;
        await Task.Delay(Hold, cancellationToken);
        return (milter.CpuTime - cpu, milter.Output.Length - logged);
    }

    private async Task ServesAgainAsync(RunningMilter milter)
    {
        CloseIdle();
        string relay = await Eventually.ValueAsync(
            async () =>
            {
                try
                {
                    return await LeaseProcessTests.RelayAsync(milter.Spec, "127.0.0.1");
                }
                catch (Exception ex) when (ex is SocketException or IOException or Milter.Protocol.MilterProtocolException)
                {
                    return ex.Message;
                }
            },
            answer => answer == "continue",
            TimeSpan.FromSeconds(30),
            "a session is served again",
            () => milter.Output);

        relay.Should().Be("continue", "a normal session succeeds once the idle connections are gone");
    }

    private void CloseIdle()
    {
        _idle.ForEach(s => s.Dispose());
        _idle.Clear();
    }

    [GeneratedRegex(@"RLIMIT_NOFILE is 400 \(hard limit 400\): serving at most (\d+) milter connections")]
    private static partial Regex ClampedLine();
}
