using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests.Logging;

/// <summary>The log queue is written out when <c>milter run</c> stops: SIGTERM right after a burst of decisions loses none.</summary>
public class LogShutdownTests
{
    [Test]
    [CancelAfter(180_000)]
    public async Task Sigterm_RightAfterABurstOfRefusals_EveryDecisionLineIsWritten(CancellationToken cancellationToken)
    {
        const int Sessions = 300;
        string dir = Directory.CreateTempSubdirectory("milter-log-stop").FullName;
        try
        {
            // Limits off: 300 sessions from one client would otherwise meet its connection rate. Batches of a minute:
            // every line is still queued at SIGTERM, so only the stop's flush can write it.
            var environment = new Dictionary<string, string> { ["Milter__Limits__Enabled"] = "false", ["Milter__Logging__BatchMilliseconds"] = "60000" };
            await using RunningMilter milter = await RunningMilter.StartWithAsync(environment, dir);
            var refused = new List<string>();
            for (int batch = 0; batch < Sessions / 10; batch++)
            {
                refused.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => RefusedAtHeloAsync(milter.Spec, cancellationToken))));
            }

            refused.Should().OnlyContain(r => r == "550 5.7.1 Access denied");
            (await milter.TerminateAsync()).Should().Be(0);

            milter.Output.Split('\n').Count(l => l.Contains("decision qid=- client=192.0.2.66 stage=Helo ", StringComparison.Ordinal))
                .Should().Be(Sessions, "the lines still queued at SIGTERM are written before the process exits");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The example rules' <c>Connect:192.0.2.66 REJECT</c>, delivered at HELO: one refusal line.</summary>
    private static async Task<string> RefusedAtHeloAsync(string spec, CancellationToken cancellationToken)
    {
        await using MilterClient client = await MilterClient.ConnectAsync(spec, null, cancellationToken);
        await client.NegotiateAsync(cancellationToken);
        await client.ConnectAsync("client.test", IPAddress.Parse("192.0.2.66"), 40000, cancellationToken: cancellationToken);
        MilterReply reply = await client.HeloAsync("client.test", cancellationToken: cancellationToken);
        await client.QuitAsync(cancellationToken);
        return reply.Text ?? reply.ToString();
    }
}
