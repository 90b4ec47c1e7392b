using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Milter.Host.Logging;
using NUnit.Framework;

namespace Milter.Host.Tests.Logging;

/// <summary>The syslog format of <see cref="MilterLoggerProvider"/>: datagrams on a unix socket bound in a temp dir stand in for /dev/log.</summary>
public partial class SyslogLoggerProviderTests
{
    private string _dir = string.Empty;
    private string _path = string.Empty;
    private Socket _syslog = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("milter-syslog-test").FullName;
        _path = Path.Combine(_dir, "log");
        _syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _syslog.Bind(new UnixDomainSocketEndPoint(_path));
    }

    [TearDown]
    public void TearDown()
    {
        _syslog.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Information_IsOneDatagram_FacilityMailSeverityInfo_TaggedWithThePid(CancellationToken cancellationToken)
    {
        using var provider = Syslog(new LoggingSettings { SyslogSocket = _path });
        Log.Decision(provider.CreateLogger("Milter.Decisions"), "4AB12", "continue");

        string line = await ReceiveAsync(cancellationToken);
        line.Should().MatchRegex($@"^<22>[A-Z][a-z][a-z] [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] milter\[{Environment.ProcessId}\]: decision qid=4AB12 verdict=continue$");
    }

    [TestCase(LogLevel.Debug, "mail", 23)]
    [TestCase(LogLevel.Warning, "mail", 20)]
    [TestCase(LogLevel.Error, "mail", 19)]
    [TestCase(LogLevel.Critical, "mail", 18)]
    [TestCase(LogLevel.Information, "local3", 158)]
    [TestCase(LogLevel.Information, "daemon", 30)]
    [CancelAfter(10_000)]
    public async Task Priority_IsFacilityTimesEightPlusSeverity(LogLevel level, string facility, int priority, CancellationToken cancellationToken)
    {
        using var provider = Syslog(new LoggingSettings { SyslogSocket = _path, SyslogFacility = facility });
        provider.CreateLogger("x").Log(level, "hello");

        (await ReceiveAsync(cancellationToken)).Should().StartWith($"<{priority}>");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task MultiLineMessageAndException_StayOneLine(CancellationToken cancellationToken)
    {
        using var provider = Syslog(new LoggingSettings { SyslogSocket = _path });
        provider.CreateLogger("x").LogError(new IOException("disk gone"), "first\nsecond");

        (await ReceiveAsync(cancellationToken)).Should().EndWith("]: first second (IOException: disk gone)");
    }

    [Test]
    public void NoSyslogSocket_TheLineGoesToTheFallbackInTheSameFormat()
    {
        var stderr = new StringWriter();
        using (MilterLoggerProvider provider = Syslog(new LoggingSettings { SyslogSocket = Path.Combine(_dir, "missing") }, stderr))
        {
            provider.CreateLogger("x").LogWarning("no syslog here");
        } // the stop writes what is queued

        stderr.ToString().Should().MatchRegex(@"^<20>.* milter\[\d+\]: no syslog here\r?\n$");
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task SyslogRestarted_TheNextLineReachesTheNewSocket(CancellationToken cancellationToken)
    {
        using var provider = Syslog(new LoggingSettings { SyslogSocket = _path });
        ILogger logger = provider.CreateLogger("x");
        logger.LogInformation("before");
        (await ReceiveAsync(cancellationToken)).Should().EndWith("before");

        _syslog.Dispose();
        File.Delete(_path);
        _syslog = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        _syslog.Bind(new UnixDomainSocketEndPoint(_path));
        logger.LogInformation("after");

        (await ReceiveAsync(cancellationToken)).Should().EndWith("after");
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task MilterRun_WithFormatSyslog_SendsTheDecisionLineToTheSocket(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            ["Milter__Logging__Format"] = "syslog",
            ["Milter__Logging__SyslogSocket"] = _path,
        };
        await using RunningMilter milter = await RunningMilter.StartWithAsync(environment, _dir);
        await using (var client = await Milter.Protocol.Client.MilterClient.ConnectAsync(milter.Spec, null, cancellationToken))
        {
            await client.NegotiateAsync(cancellationToken);
            await client.ConnectAsync("client.test", System.Net.IPAddress.Parse("192.0.2.66"), 40000, cancellationToken: cancellationToken);
            await client.HeloAsync("client.test", cancellationToken: cancellationToken); // the example rules' Connect:192.0.2.66 REJECT, delivered here
        }

        string line;
        do
        {
            line = await ReceiveAsync(cancellationToken);
        }
        while (!line.Contains("decision ", StringComparison.Ordinal));

        line.Should().MatchRegex($@"^<22>.* milter\[{milter.ProcessId}\]: decision qid=- client=192\.0\.2\.66 stage=Helo verdict=""550 5\.7\.1 Access denied"" rule=access:\d+$");
        milter.Output.Should().NotContain("decision qid=", "with syslog there is no console output");
    }

    private static MilterLoggerProvider Syslog(LoggingSettings settings, TextWriter? fallback = null) =>
        new(settings, LogFormat.Syslog, fallback: fallback, batchDelay: TimeSpan.Zero);

    private async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[65536];
        int length = await _syslog.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "decision qid={QueueId} verdict={Verdict}")]
        public static partial void Decision(ILogger logger, string queueId, string verdict);
    }
}
