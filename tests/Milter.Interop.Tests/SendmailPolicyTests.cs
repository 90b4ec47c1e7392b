using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The deployment end to end: a real Sendmail 8.17 configured from the shipped <c>sendmail-mc-snippets/</c>
/// (<see cref="RepoLayout.AuthoritativeDeployment"/>: the files concatenated unchanged into a minimal private base that
/// only points the milter socket at the test's port), our program (<c>milter run</c>) with rule files written here, and
/// swaks connecting from several 127.0.0.x addresses. The tests assert the SMTP replies the client sees and what
/// Sendmail queued. Rules: <see cref="PolicyStack.BaseAccess"/>, relay-domains <c>relayed.example</c>, local-host-names
/// <c>local.test.example</c>; the rig's /etc/hosts names 127.0.0.5 <c>client.test.example</c> and 127.0.0.6
/// <c>reject.example</c>, 127.0.0.7, 127.0.0.8, 127.0.0.10, 127.0.0.11 and 127.0.0.13 have no name. Limits for this fixture: a mail
/// bomb after <see cref="MailBombCount"/> messages, and a per-user message rate of 1 in audit mode (it refuses nothing,
/// it only logs the user's name from the second message on). The milter asks a private NSD (<see cref="TestDnsServer"/>):
/// the sender domain check is on and the DNS list <see cref="TestDnsServer.ListZone"/> lists 127.0.0.11.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed partial class SendmailPolicyTests : OwningFixture
{
    private const int MailBombCount = 3;
    private static readonly TimeSpan ReloadTimeout = TimeSpan.FromSeconds(5);
    private PolicyStack? _stack;
    private TestDnsServer? _dns;

    private SendmailRig Rig => _stack!.Rig;

    private MilterProcess Milter => _stack!.Milter;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail()
    {
        _dns = Owned.Add(await TestDnsServer.StartAsync());
        _stack = Owned.Add(await PolicyStack.StartAsync(
            new Dictionary<string, string>
            {
                ["Milter__Limits__MailBomb__Count"] = MailBombCount.ToString(CultureInfo.InvariantCulture),
                ["Milter__Limits__UserMessageRate__Count"] = "1",
                ["Milter__Limits__UserMessageRate__Audit"] = "true",
            },
            dns: _dns));
    }

    [Test]
    [Order(1)]
    public void Config_IsTheShippedSnippetsUnchanged_WithOnlyTheMilterSocketPointedAtOurs()
    {
        string shipped = string.Concat(RepoLayout.AuthoritativeDeployment.Where(f => f.EndsWith(".m4", StringComparison.Ordinal)).Select(File.ReadAllText));
        Rig.BuiltMc.Should().Contain(shipped, "the .mc carries the shipped snippets byte for byte, in the README's order");
        string helpfile = RepoLayout.AuthoritativeDeployment.Single(f => !f.EndsWith(".m4", StringComparison.Ordinal));
        File.ReadAllText(Path.Combine(Rig.EtcMailDirectory, Path.GetFileName(helpfile))).Should().Be(File.ReadAllText(helpfile));

        string[] mc = Rig.BuiltMc.Split('\n');
        mc.Count(l => l.StartsWith("INPUT_MAIL_FILTER(", StringComparison.Ordinal)).Should().Be(1, "the policy base adds no milter of its own");
        mc.Count(l => l.StartsWith("FEATURE(`promiscuous_relay')", StringComparison.Ordinal)).Should().Be(1, "promiscuous_relay comes from the snippet only");
        string[] cf = Rig.BuiltCf.Split('\n');
        cf.Should().Contain("O InputMailFilters=policy");
        cf.Should().ContainSingle(l => l.StartsWith('X'))
            .Which.Should().Be($"Xpolicy, S={Milter.Spec}, F=T, T=C:10s;S:10s;R:10s;E:30s", "S= is the test's port, F= and T= are the snippet's");
        cf.Should().Contain("O Milter.macros.connect=j, _, {daemon_name}, {if_name}, {if_addr}, {client_addr}, {client_name}, {client_resolve}");
        cf.Should().Contain("O Milter.macros.envfrom=i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}");
        cf.Should().Contain("O Milter.macros.helo={tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}");
        cf.Should().Contain("O Milter.macros.envrcpt=i, {rcpt_mailer}, {rcpt_host}, {rcpt_addr}");
    }

    [Test]
    [Order(2)]
    public async Task RejectedClient_ConnectByName_GetsAccessDeniedAtMail_NothingQueued()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript smtp = await SendAsync("127.0.0.6", "u@local.test.example");

        // The milter defers the connect verdict (Sendmail would drop the text of a connect-stage reply) and answers it at HELO;
        // Sendmail keeps that answer and gives it for MAIL, as it does for its own check_relay.
        smtp.ServerLines.Should().NotBeEmpty("{0}", smtp);
        smtp.ServerLines[0].Should().StartWith("220 mta.test.example ESMTP ", "{0}", smtp);
        smtp.ServerLines.Should().Contain("250-mta.test.example Hello reject.example [127.0.0.6], pleased to meet you", "{0}", smtp);
        smtp.ServerLines.Should().Contain("550 5.7.1 Access denied", "{0}", smtp);
        smtp.ServerLines.Should().NotContain(l => l.StartsWith("250 2.1.", StringComparison.Ordinal) || l.StartsWith("354", StringComparison.Ordinal), "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull();
        Rig.QueuedIds().Should().HaveCount(queued, "nothing may be queued for a rejected client");
    }

    [Test]
    [Order(3)]
    public async Task RelayToRemote_FromAClientWithoutRelayRights_IsDenied_NothingQueued()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript smtp = await SendAsync("127.0.0.5", "x@remote.example");

        smtp.ServerLines.Should().Contain("250 2.1.0 <sender@sender.example>... Sender ok", "{0}", smtp);
        smtp.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull("{0}", smtp);
        Rig.QueuedIds().Should().HaveCount(queued, "a refused relay must not be queued");
    }

    [Test]
    [Order(4)]
    public async Task LocalDomain_FromAnyClient_IsAcceptedAndQueued()
    {
        SwaksTranscript smtp = await SendAsync("127.0.0.5", "u@local.test.example");

        smtp.ServerLines.Should().Contain("250 2.1.5 <u@local.test.example>... Recipient ok", "{0}", smtp);
        AssertQueuedFor(smtp, "u@local.test.example");
    }

    [Test]
    [Order(5)]
    public async Task RelayDomainsEntry_AndItsSubdomains_AreRelayedAndQueued()
    {
        SwaksTranscript smtp = await SendAsync("127.0.0.5", "u@relayed.example,v@mx.relayed.example");

        smtp.ServerLines.Should().ContainInOrder(
            ["250 2.1.5 <u@relayed.example>... Recipient ok", "250 2.1.5 <v@mx.relayed.example>... Recipient ok"], "{0}", smtp);
        AssertQueuedFor(smtp, "u@relayed.example", "v@mx.relayed.example");
    }

    [Test]
    [Order(6)]
    public async Task ConnectRelayAddress_RelaysToAnyDomain_Queued()
    {
        SwaksTranscript smtp = await SendAsync("127.0.0.7", "x@remote.example");

        smtp.ServerLines.Should().Contain("250-mta.test.example Hello [127.0.0.7], pleased to meet you", "127.0.0.7 has no name:\n{0}", smtp);
        smtp.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "{0}", smtp);
        AssertQueuedFor(smtp, "x@remote.example");
    }

    [Test]
    [Order(7)]
    public async Task SmtpAuth_RelaysOnlyAfterAuthentication_AndTheMilterGetsTheAuthenticatedUser()
    {
        SwaksTranscript anonymous = await SendAsync("127.0.0.5", "x@remote.example");
        anonymous.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. Proper authentication required.", "{0}", anonymous);

        int mark = Milter.LineCount;
        SwaksTranscript first = await SendAuthenticatedAsync("x@remote.example");
        SwaksTranscript second = await SendAuthenticatedAsync("y@remote.example");

        first.ServerLines.Should().Contain("235 2.0.0 OK Authenticated", "{0}", first);
        first.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "{0}", first);
        AssertQueuedFor(first, "x@remote.example");
        second.ServerLines.Should().Contain("250 2.1.5 <y@remote.example>... Recipient ok", "{0}", second);
        AssertQueuedFor(second, "y@remote.example");

        // {auth_authen} reached the milter: the per-user message rate (1, audit only in this fixture) is keyed on it
        // and logs the second message under the user's name.
        await Milter.WaitForLineAsync(
            new Regex($@"limit exceeded limit=UserMessageRate stage=Mail key={PolicyStack.SaslUser} .* action=audit$"), ReloadTimeout, mark);
    }

    [Test]
    [Order(8)]
    public Task LeaseAddedWithTheCli_LetsThatAddressRelay() => AssertCliLeaseLetsRelayAsync(_stack!, "127.0.0.10");

    [Test]
    [Order(9)]
    public async Task MailBomb_OneMessageOverTheLimit_SameSenderToSameRecipient_Tempfails451()
    {
        for (int i = 0; i < MailBombCount; i++)
        {
            SwaksTranscript allowed = await SendAsync(Rig, "127.0.0.5", "bomber@sender.example", "victim@local.test.example");
            AssertQueuedFor(allowed, "victim@local.test.example");
        }

        int queued = Rig.QueuedIds().Count;
        int mark = Milter.LineCount;
        SwaksTranscript bomb = await SendAsync(Rig, "127.0.0.5", "bomber@sender.example", "victim@local.test.example");

        bomb.ServerLines.Should().Contain("451 4.7.1 Rate limit exceeded, try again later", "{0}", bomb); // Sendmail names no recipient in a 4xx RCPT reply
        bomb.AcceptedQueueId.Should().BeNull("{0}", bomb);
        Rig.QueuedIds().Should().HaveCount(queued, "the refused message must not be queued");
        await Milter.WaitForLineAsync(
            new Regex(@"limit exceeded limit=MailBomb stage=Rcpt key=bomber@sender\.example>victim@local\.test\.example "), ReloadTimeout, mark);

        SwaksTranscript otherRecipient = await SendAsync(Rig, "127.0.0.5", "bomber@sender.example", "other@local.test.example");
        AssertQueuedFor(otherRecipient, "other@local.test.example"); // the pair is limited, not the sender
    }

    [Test]
    [Order(10)]
    public async Task HotReload_AddedConnectRelay_TakesEffect_AndABrokenFileKeepsTheLastGoodRules()
    {
        // 127.0.0.8 has no name in the rig's /etc/hosts: Sendmail sends {client_resolve}=FAIL and the denial names it,
        // as Sendmail's own Relay_ok does.
        SwaksTranscript before = await SendAsync("127.0.0.8", "x@remote.example");
        before.ServerLines.Should().Contain("550 5.7.1 <x@remote.example>... Relaying denied. IP name lookup failed [127.0.0.8]", "{0}", before);

        int mark = Milter.LineCount;
        await File.WriteAllTextAsync(_stack!.AccessFile, PolicyStack.BaseAccess + "Connect:127.0.0.8\tRELAY\n");
        await Milter.WaitForLineAsync(LoadedLine("file change"), ReloadTimeout, mark);

        SwaksTranscript relayed = await SendAsync("127.0.0.8", "x@remote.example");
        relayed.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "{0}", relayed);
        AssertQueuedFor(relayed, "x@remote.example");

        // Line 4 starts with a blank: makemap's "syntax error (leading space)". The 127.0.0.8 line is gone from this
        // version, so a partly applied file would deny 127.0.0.8 again.
        mark = Milter.LineCount;
        await File.WriteAllTextAsync(_stack.AccessFile, PolicyStack.BaseAccess + " Connect:127.0.0.9\tRELAY\n");
        await Milter.WaitForLineAsync(RefusedLine("file change"), ReloadTimeout, mark);
        string log = string.Join('\n', Milter.Output.Split('\n').Skip(mark));
        log.Should().MatchRegex(@"(?m)(^|[\s/!])access:4: syntax error \(leading space\)\s*$", "the error is reported as file:line: reason");

        SwaksTranscript still = await SendAsync("127.0.0.8", "x@remote.example");
        still.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "the last good rules stay in force:\n{0}", still);
        AssertQueuedFor(still, "x@remote.example");
        SwaksTranscript stillRejected = await SendAsync("127.0.0.6", "u@local.test.example");
        stillRejected.ServerLines.Should().Contain("550 5.7.1 Access denied", "{0}", stillRejected);
    }

    [Test]
    [Order(11)]
    public async Task Sighup_ReloadsTheRules_WithAHigherVersion()
    {
        int mark = Milter.LineCount;
        await File.WriteAllTextAsync(_stack!.AccessFile, PolicyStack.BaseAccess + "Connect:127.0.0.8\tRELAY\n");
        Match byWatch = await Milter.WaitForLineAsync(LoadedLine("file change"), ReloadTimeout, mark);
        long watched = long.Parse(byWatch.Groups[1].Value, CultureInfo.InvariantCulture);

        mark = Milter.LineCount;
        ProcessResult hup = await ProcessRunner.RunAsync("/bin/kill", ["-HUP", Milter.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        hup.ExitCode.Should().Be(0, "{0}", hup);
        Match bySignal = await Milter.WaitForLineAsync(LoadedLine("SIGHUP"), ReloadTimeout, mark);

        long.Parse(bySignal.Groups[1].Value, CultureInfo.InvariantCulture).Should().BeGreaterThan(watched, "every load gets a new version:\n{0}", Milter.Output);
        SwaksTranscript relayed = await SendAsync("127.0.0.8", "x@remote.example");
        relayed.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "{0}", relayed);
        Milter.HasExited.Should().BeFalse("SIGHUP reloads, it does not stop the milter");
    }

    [Test]
    [Order(12)]
    public async Task Version_IsInNeitherTheGreeting_NorHelp_NorTheReceivedHeader()
    {
        var seen = new List<string>();
        await using (SmtpProbe probe = await SmtpProbe.ConnectAsync("127.0.0.5", Rig.Port))
        {
            seen.AddRange(probe.Greeting);
            seen.AddRange(await probe.SendAsync("EHLO probe.example"));
            IReadOnlyList<string> help = await probe.SendAsync("HELP");
            seen.AddRange(help);
            probe.Greeting.Should().ContainSingle().Which.Should().StartWith("220 mta.test.example ESMTP MTA; ");
            help.Should().Contain("214-2.0.0 Commands:", "HELP reads the shipped help file:\n{0}", string.Join('\n', help));
            help[^1].Should().Be("214 2.0.0 End of HELP info");
        }

        SwaksTranscript accepted = await SendAsync("127.0.0.5", "u@local.test.example");
        AssertQueuedFor(accepted, "u@local.test.example");
        string received = ReceivedHeader(Rig.ReadQueued(accepted.AcceptedQueueId!).Control);
        received.Should().Contain($"by mta.test.example with ESMTP id {accepted.AcceptedQueueId}");
        seen.Add(received);

        foreach (string line in seen)
        {
            line.Should().NotContain("8.17", "Sendmail's version (8.17.x) must not be shown").And.NotContainEquivalentOf("sendmail");
        }
    }

    [Test]
    [Order(13)]
    public async Task PrivacyFlags_MailBeforeHelo_Vrfy_Expn_Etrn_AreRefused()
    {
        await using SmtpProbe probe = await SmtpProbe.ConnectAsync("127.0.0.5", Rig.Port);

        (await probe.SendAsync("MAIL FROM:<sender@sender.example>")).Should().Equal("503 5.0.0 Polite people say HELO first");
        (await probe.SendAsync("EHLO probe.example")).Should().Contain("250 HELP");
        (await probe.SendAsync("VRFY postmaster")).Should().Equal("252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)");
        (await probe.SendAsync("EXPN postmaster")).Should().Equal("502 5.7.0 Sorry, we do not allow this operation");
        (await probe.SendAsync("ETRN local.test.example")).Should().Equal("502 5.7.0 Sorry, we do not allow this operation");
    }

    [Test]
    [Order(14)]
    public async Task DnsblListedClient_IsRefusedWithSendmailsDnsblText_NothingQueued()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript smtp = await SendAsync("127.0.0.11", "u@local.test.example");

        smtp.ServerLines.Should().Contain("550 5.7.1 Rejected: 127.0.0.11 listed at bl.example", "{0}", smtp);
        smtp.ServerLines.Should().NotContain(l => l.StartsWith("250 2.1.", StringComparison.Ordinal), "{0}", smtp);
        smtp.AcceptedQueueId.Should().BeNull();
        Rig.QueuedIds().Should().HaveCount(queued);
    }

    [Test]
    [Order(15)]
    public async Task UnresolvableSender_IsRefused553_AndATemporaryFailureIs451_NothingQueued()
    {
        int queued = Rig.QueuedIds().Count;

        SwaksTranscript missing = await SendAsync(Rig, "127.0.0.5", "someone@nope.example", "u@local.test.example");
        SwaksTranscript broken = await SendAsync(Rig, "127.0.0.5", "someone@x.broken.example", "u@local.test.example");

        missing.ServerLines.Should().Contain(
            "553 5.1.8 <someone@nope.example>... Domain of sender address someone@nope.example does not exist", "{0}", missing);
        broken.ServerLines.Should().Contain("451 4.1.8 Domain of sender address someone@x.broken.example does not resolve", "{0}", broken);
        Rig.QueuedIds().Should().HaveCount(queued, "{0}\n{1}", missing, broken);
    }

    [Test]
    [Order(16)]
    public async Task SenderWithACarriageReturn_GetsAProperReply_AndTheMilterStaysUp()
    {
        // Sendmail passes a CR inside MAIL FROM to the milter (and echoes it raw in its own "<addr>... " prefix); with
        // FEATURE(accept_unqualified_senders) in the rig, the milter's "Domain name required" quotes the sender.
        await using var smtp = await RawSmtp.ConnectAsync("127.0.0.5", Rig.Port);
        (await smtp.SendAsync("EHLO probe.example")).Should().StartWith("250");
        string refused = await smtp.SendAsync("MAIL FROM:<foo\rbar>");
        refused.Should().StartWith("553 5.5.4 ").And.EndWith("Domain name required for sender address foo\\rbar");
        (await smtp.SendAsync("RSET")).Should().StartWith("250");
        (await smtp.SendAsync("MAIL FROM:<sender@sender.example>")).Should().StartWith("250 2.1.0");
        (await smtp.SendAsync("RCPT TO:<u@local.test.example>")).Should().StartWith("250 2.1.5", "the milter connection survived the reply");
    }

    [Test]
    [Order(17)]
    public async Task ClientRateEntry_TheSecondConnectionInTheWindow_Gets452FromRatecontrol()
    {
        int mark = Milter.LineCount;
        await File.WriteAllTextAsync(_stack!.AccessFile, PolicyStack.BaseAccess + "ClientRate:127.0.0.13\t1\n");
        await Milter.WaitForLineAsync(LoadedLine("file change"), ReloadTimeout, mark);

        // A pair of its own: the fixture's mail-bomb limit counts sender→recipient pairs.
        SwaksTranscript first = await SendAsync(Rig, "127.0.0.13", "rate@sender.example", "rate@local.test.example");
        AssertQueuedFor(first, "rate@local.test.example");

        SwaksTranscript second = await SendAsync(Rig, "127.0.0.13", "rate@sender.example", "rate@local.test.example");
        second.ServerLines.Should().Contain("452 4.3.2 Connection rate limit exceeded.", "ClientRate:127.0.0.13 1:\n{0}", second);
        second.AcceptedQueueId.Should().BeNull("{0}", second);
    }

    /// <summary>
    /// <paramref name="client"/> (no name in the rig's /etc/hosts, no other relay right) is refused relaying, then
    /// relays once <c>milter lease add</c> has given it a lease. The refusal text is Sendmail's in both modes.
    /// </summary>
    internal static async Task AssertCliLeaseLetsRelayAsync(PolicyStack stack, string client)
    {
        SwaksTranscript before = await SendAsync(stack.Rig, client, "x@remote.example");
        before.ServerLines.Should().Contain($"550 5.7.1 <x@remote.example>... Relaying denied. IP name lookup failed [{client}]", "{0}", before);

        ProcessResult add = await MilterProcess.RunCommandAsync("lease", "add", client, "--state-dir", stack.StateDirectory);
        add.ExitCode.Should().Be(0, "{0}", add);

        SwaksTranscript leased = await SendAsync(stack.Rig, client, "x@remote.example");
        leased.ServerLines.Should().Contain("250 2.1.5 <x@remote.example>... Recipient ok", "{0}\n{1}", leased, stack.Milter.Output);
        AssertQueuedFor(stack.Rig, leased, "x@remote.example");
    }

    internal static Task<SwaksTranscript> SendAsync(SendmailRig rig, string from, string to) => SendAsync(rig, from, "sender@sender.example", to);

    internal static Task<SwaksTranscript> SendAsync(SendmailRig rig, string from, string sender, string to) =>
        rig.SwaksAsync("--local-interface", from, "--from", sender, "--to", to, "--header", "Subject: policy e2e");

    /// <summary>Sendmail's own Received header in a <c>qf</c> file: the <c>H??Received:</c> line and its continuation lines.</summary>
    private static string ReceivedHeader(string control)
    {
        string[] lines = control.Split('\n');
        int start = Array.FindIndex(lines, l => l.StartsWith("H??Received:", StringComparison.Ordinal));
        start.Should().BeGreaterThanOrEqualTo(0, "{0}", control);
        return string.Join('\n', lines.Skip(start).Take(1).Concat(lines.Skip(start + 1).TakeWhile(l => l.StartsWith('\t'))));
    }

    private Task<SwaksTranscript> SendAuthenticatedAsync(string to) =>
        Rig.SwaksAsync(
            "--local-interface", "127.0.0.5", "--from", "sender@sender.example", "--to", to, "--header", "Subject: policy e2e",
            "--auth", "PLAIN", "--auth-user", PolicyStack.SaslUser, "--auth-password", PolicyStack.SaslPassword);

    private static Regex LoadedLine(string why) => new($@"Rules loaded \({Regex.Escape(why)}\): version (\d+)\b");

    private static Regex RefusedLine(string why) => new($@"Rules not reloaded \({Regex.Escape(why)}\)");

    private Task<SwaksTranscript> SendAsync(string from, string to) => SendAsync(Rig, from, to);

    private void AssertQueuedFor(SwaksTranscript smtp, params string[] recipients) => AssertQueuedFor(Rig, smtp, recipients);

    private static void AssertQueuedFor(SendmailRig rig, SwaksTranscript smtp, params string[] recipients)
    {
        smtp.AcceptedQueueId.Should().NotBeNull("{0}", smtp);
        rig.QueuedIds().Should().Contain(smtp.AcceptedQueueId!);
        string control = rig.ReadQueued(smtp.AcceptedQueueId!).Control;
        control.Split('\n').Where(l => l.StartsWith("RPFD:", StringComparison.Ordinal))
            .Should().BeEquivalentTo(recipients.Select(r => $"RPFD:<{r}>"), "{0}", control);
    }

    [GeneratedRegex("S=[^,']*")]
    private static partial Regex SocketValue();
}

/// <summary>
/// <c>F=T</c> in the shipped snippet: with the milter stopped Sendmail tempfails, it never relays. Own fixture,
/// because it stops the milter.
/// </summary>
[TestFixture]
[Category("Sendmail")]
public sealed class SendmailPolicyMilterDownTests : OwningFixture
{
    private PolicyStack? _stack;

    [OneTimeSetUp]
    public async Task StartMilterAndSendmail() => _stack = Owned.Add(await PolicyStack.StartAsync());

    [Test]
    public async Task MilterStopped_RemoteRecipient_Tempfails451_NeverRelayed()
    {
        SendmailRig rig = _stack!.Rig;
        SwaksTranscript up = await SendmailPolicyTests.SendAsync(rig, "127.0.0.7", "x@remote.example");
        up.AcceptedQueueId.Should().NotBeNull("with the milter up 127.0.0.7 relays:\n{0}", up);

        await _stack.Milter.StopAsync();
        _stack.Milter.HasExited.Should().BeTrue();
        SwaksTranscript down = await SendmailPolicyTests.SendAsync(rig, "127.0.0.7", "x@remote.example");

        down.ServerLines.Should().Contain("451 4.3.2 Please try again later", "{0}", down);
        down.ServerLines.Should().NotContain(l => l.StartsWith("250 2.1.5", StringComparison.Ordinal) || l.StartsWith("354", StringComparison.Ordinal) || l.StartsWith("250 2.0.0", StringComparison.Ordinal), "{0}", down);
        rig.QueuedIds().Should().Equal([up.AcceptedQueueId!], "nothing may be queued without the milter");
    }
}
