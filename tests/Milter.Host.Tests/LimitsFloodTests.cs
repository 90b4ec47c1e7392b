using System.Net;
using FluentAssertions;
using Milter.Protocol;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>Flood limits of <c>milter run</c> over a real socket, driven by MilterClient as Sendmail would.</summary>
[Category("Sockets")]
[NonParallelizable]
public class LimitsFloodTests
{
    /// <summary>The <c>Limits</c> section: every limit that is on by default turned off, then <paramref name="on"/> ("Name": { ... }).</summary>
    internal static string Limits(params (string Name, string Json)[] on)
    {
        var sections = new Dictionary<string, string>
        {
            ["ClientConnections"] = """{ "Max": 0 }""",
            ["ClientConnectionRate"] = """{ "Count": 0 }""",
            ["ClientMessageRate"] = """{ "Count": 0 }""",
            ["ClientRecipientRate"] = """{ "Count": 0 }""",
            ["UserMessageRate"] = """{ "Count": 0 }""",
            ["UserRecipientRate"] = """{ "Count": 0 }""",
            ["MailBomb"] = """{ "Count": 0 }""",
            ["RecipientsPerMessage"] = """{ "Max": 0 }""",
        };
        foreach ((string name, string json) in on)
        {
            sections[name] = json;
        }

        return "{ \"Limits\": { " + string.Join(", ", sections.Select(p => $"\"{p.Key}\": {p.Value}")) + " } }";
    }

    internal static async Task<(MilterClient Client, MilterReply Reply)> ConnectAsync(string spec, string ip)
    {
        MilterClient client = await MilterClient.ConnectAsync(spec, null, default);
        await client.NegotiateAsync(default);
        return (client, await client.ConnectAsync("client.test", IPAddress.Parse(ip), 40000));
    }

    /// <summary>One whole session; returns the connect reply text, or "continue".</summary>
    internal static async Task<string> SessionAsync(string spec, string ip)
    {
        (MilterClient client, MilterReply reply) = await ConnectAsync(spec, ip);
        await using (client)
        {
            if (!reply.IsContinue)
            {
                return reply.Text ?? reply.Code.ToString();
            }

            MilterReply helo = await client.HeloAsync("client.test");
            if (!helo.IsContinue)
            {
                return helo.Text ?? helo.Code.ToString(); // a connect refusal the policy delivers at HELO (ClientRate:, Connect:)
            }

            (await client.MailAsync("<someone@example.org>")).IsContinue.Should().BeTrue();
            (await client.RcptAsync("<postmaster@localhost>")).IsContinue.Should().BeTrue();
            await client.QuitAsync();
            return "continue";
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Flood_FromSeveralClients_TempfailsExactlyTheSessionsOverTheirConnectionRate()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync(
            Limits(("ClientConnectionRate", """{ "Count": 3, "PeriodSeconds": 3600, "Exempt": "ConnectOk" }""")), access: "Connect:10.9.9.9\tRELAY\nClientRate:127.0.0.5\t1\n");
        string[] clients = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "10.9.9.9"];

        // Each client floods with 6 sessions, one after another; the clients run at the same time.
        string[][] outcomes = await Task.WhenAll(clients.Select(async ip =>
        {
            var replies = new string[6];
            for (int i = 0; i < replies.Length; i++)
            {
                replies[i] = await SessionAsync(milter.Spec, ip);
            }

            return replies;
        }));

        const string Refused = "421 4.7.0 Connection rate limit exceeded, try again later";
        for (int c = 0; c < 3; c++)
        {
            outcomes[c].Should().Equal(["continue", "continue", "continue", Refused, Refused, Refused], clients[c]);
        }

        const string RateControl = "452 4.3.2 Connection rate limit exceeded.";
        outcomes[3].Should().Equal(["continue", RateControl, RateControl, RateControl, RateControl, RateControl],
            "ClientRate:127.0.0.5 1 replaces the limit with Sendmail's ratecontrol (reply at HELO)");
        outcomes[4].Should().AllBe("continue", "Connect: RELAY clients are exempt");
        const string Logged = "limit exceeded limit=ClientConnectionRate stage=Connect key=127.0.0.2 count=4 max=3 period=3600s client=127.0.0.2 action=refused";
        (await milter.OutputOnceItContainsAsync(Logged, TimeSpan.FromSeconds(10))).Should().Contain(Logged);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task OpenConnections_SlotIsGivenBackAtQuit_AtHangUp_AndAtQuitNc()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync(Limits(("ClientConnections", """{ "Max": 2, "Exempt": "None" }""")));
        const string Ip = "127.0.0.9";
        (MilterClient a, MilterReply ra) = await ConnectAsync(milter.Spec, Ip);
        (MilterClient b, MilterReply rb) = await ConnectAsync(milter.Spec, Ip);
        (MilterClient c, MilterReply rc) = await ConnectAsync(milter.Spec, Ip);
        ra.IsContinue.Should().BeTrue();
        rb.IsContinue.Should().BeTrue();
        rc.Text.Should().Be("421 4.7.0 Too many open connections from your host, try again later");
        await c.DisposeAsync();

        await a.QuitAsync(); // QUIT
        await a.DisposeAsync();
        MilterClient d = await ConnectWhenFreeAsync(milter.Spec, Ip);
        await b.DisposeAsync(); // the MTA hangs up without QUIT
        MilterClient e = await ConnectWhenFreeAsync(milter.Spec, Ip);
        (MilterClient f, MilterReply rf) = await ConnectAsync(milter.Spec, Ip);
        rf.IsContinue.Should().BeFalse("d and e hold both slots");
        await f.DisposeAsync();

        // QUIT_NC then a new SMTP session on the same milter connection: still one slot.
        await d.QuitNewConnectionAsync();
        (await d.ConnectAsync("client.test", IPAddress.Parse(Ip), 40001)).IsContinue.Should().BeTrue();
        (MilterClient g, MilterReply rg) = await ConnectAsync(milter.Spec, Ip);
        rg.IsContinue.Should().BeFalse();
        await g.DisposeAsync();
        await d.DisposeAsync();
        await e.DisposeAsync();
    }

    /// <summary>Connects until a slot is free (the milter sees the previous close asynchronously); fails after 5 s.</summary>
    private static async Task<MilterClient> ConnectWhenFreeAsync(string spec, string ip)
    {
        MilterClient? admitted = null;
        await Eventually.TrueAsync(
            async () =>
            {
                (MilterClient client, MilterReply reply) = await ConnectAsync(spec, ip);
                if (reply.IsContinue)
                {
                    admitted = client;
                    return true;
                }

                await client.DisposeAsync();
                return false;
            },
            TimeSpan.FromSeconds(5),
            "the connection slot is given back");
        return admitted!;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task RecipientsPerMessage_AndMailBomb_AreRefusedWithTheirCodes()
    {
        await using RunningMilter milter = await RunningMilter.StartAsync(Limits(
            ("RecipientsPerMessage", """{ "Max": 2 }"""),
            ("MailBomb", """{ "Count": 1, "PeriodSeconds": 3600, "Exempt": "None" }""")));
        (MilterClient client, _) = await ConnectAsync(milter.Spec, "127.0.0.20");
        await using (client)
        {
            await client.HeloAsync("client.test");
            await client.MailAsync("<a@example.org>");
            (await client.RcptAsync("<postmaster@example.net>")).IsContinue.Should().BeTrue();
            (await client.RcptAsync("<abuse@example.net>")).IsContinue.Should().BeTrue();
            (await client.RcptAsync("<hostmaster@example.net>")).Text.Should().Be("452 4.5.3 Too many recipients");
            await client.AbortAsync();
            await client.MailAsync("<A+x@Example.org>");
            (await client.RcptAsync("<postmaster@example.net>")).Text.Should().Be("451 4.7.1 Rate limit exceeded, try again later");
        }
    }

    [Test]
    public async Task InvalidLimitSetting_IsRefusedAtStartNamingTheSetting()
    {
        string dir = Directory.CreateTempSubdirectory("milter-limits-test").FullName;
        try
        {
            string config = Path.Combine(dir, "milter.json");
            await File.WriteAllTextAsync(config, """{ "Milter": { "Limits": { "MailBomb": { "Count": -1, "Exempt": "Friends" }, "Store": "Disk" } } }""");
            (int exit, _, string err) = await MilterProgram.RunAsync("run", "--config", config, "--state-dir", dir, "--listen", $"inet:{FreePort.Next()}@127.0.0.1");
            exit.Should().Be(2);
            err.Should().Contain("Milter:Limits:Store: 'Disk' is not Memory or Redis")
                .And.Contain("Milter:Limits:MailBomb:Count: must be between 0 and 1000000000, not -1")
                .And.Contain("Milter:Limits:MailBomb:Exempt: 'Friends'");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
