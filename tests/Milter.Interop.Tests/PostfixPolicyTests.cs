using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// The deployment end to end with Postfix: a real Postfix 3.7 configured from the shipped
/// <c>postfix-main-cf-snippets/milter-authoritative-relay.cf</c> (only its <c>smtpd_milters</c> socket changed), our
/// program (<c>milter run</c>) with the rules of <see cref="PostfixPolicyStack.Access"/>, relay-domains
/// <c>relayed.example</c>, local-host-names <c>local.test.example</c>, and swaks from several 127.0.0.x addresses. The
/// rig's /etc/hosts names 127.0.0.5 <c>client.test.example</c> and 127.0.0.6 <c>reject.example</c>; 127.0.0.7 and
/// up have no name (Postfix: CONNECT host <c>[127.0.0.7]</c>, <c>{client_name}</c> unknown). Every decision must
/// come out as it does through Sendmail (<see cref="SendmailPolicyTests"/>), in Postfix's words around it.
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixPolicyTests : OwningFixture
{
    private PostfixPolicyStack? _stack;

    private PostfixPolicyStack Stack => _stack!;

    [OneTimeSetUp]
    public async Task StartMilterAndPostfix() => _stack = Owned.Add(await PostfixPolicyStack.StartAsync());

    [Test]
    public void Config_IsTheShippedSnippet_WithOnlyTheMilterSocketChanged()
    {
        string[] mainCf = Stack.Rig.MainCf.Split('\n');
        foreach (string line in File.ReadAllLines(RepoLayout.PostfixAuthoritativeRelaySnippet))
        {
            string expected = line.StartsWith("smtpd_milters = ", StringComparison.Ordinal)
                ? "smtpd_milters = " + PostfixRig.PostfixSpec(Stack.Milter.Spec)
                : line;
            mainCf.Should().Contain(expected, "main.cf carries the snippet as shipped (only smtpd_milters differs)");
        }

        mainCf.Should().ContainSingle(l => l.StartsWith("smtpd_relay_restrictions =", StringComparison.Ordinal), "the rig's own relay restrictions give way to the snippet's");
        mainCf.Should().ContainSingle(l => l.StartsWith("milter_default_action =", StringComparison.Ordinal)).Which.Should().Be("milter_default_action = tempfail");
    }

    [Test]
    public async Task RejectedClient_ConnectByName_GetsAccessDeniedAtMail_NothingAccepted()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.6", "u@local.test.example");

        // As with Sendmail the connect verdict is answered at HELO; Postfix still says 250 to EHLO and gives the
        // milter's reply to MAIL.
        smtp.ServerLines.Should().NotBeEmpty("{0}", smtp);
        smtp.ServerLines[0].Should().StartWith("220 mta.test.example ESMTP", "{0}", smtp);
        smtp.ServerLines.Should().Contain("550 5.7.1 Access denied", "{0}", smtp);
        smtp.Result.StdOut.Should().MatchRegex(@"(?m)^ -> MAIL FROM:<sender@sender\.example>\r?\n<\*\* 550 5\.7\.1 Access denied\r?$", "the refusal answers MAIL:\n{0}", smtp);
        AssertNothingAccepted(smtp);
    }

    [Test]
    public async Task RelayToRemote_FromAClientWithoutRelayRights_IsDenied()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.5", "x@remote.example");

        smtp.ServerLines.Should().Contain("250 2.1.0 Ok", "{0}", smtp);
        smtp.ServerLines.Should().Contain("550 5.7.1 Relaying denied. Proper authentication required.", "{0}", smtp);
        AssertNothingAccepted(smtp);
    }

    [Test]
    public async Task RelayFromAClientWithoutAName_IsDenied_NamingTheFailedLookup()
    {
        // Postfix sends {client_resolve}=FAIL and CONNECT host [127.0.0.8], as Sendmail does.
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.8", "x@remote.example");

        smtp.ServerLines.Should().Contain("550 5.7.1 Relaying denied. IP name lookup failed [127.0.0.8]", "{0}", smtp);
        AssertNothingAccepted(smtp);
    }

    [Test]
    public async Task LocalDomain_FromAnyClient_IsAccepted()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.5", "u@local.test.example");

        smtp.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}", smtp);
        await AssertAcceptedForAsync(smtp, "u@local.test.example");
    }

    [Test]
    public async Task RelayDomainsEntry_AndItsSubdomains_AreRelayed()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.5", "u@relayed.example,v@mx.relayed.example");

        smtp.ServerLines.Where(l => l == "250 2.1.5 Ok").Should().HaveCount(2, "{0}", smtp);
        await AssertAcceptedForAsync(smtp, "u@relayed.example", "v@mx.relayed.example");
    }

    [Test]
    public async Task ConnectRelayAddress_RelaysToAnyDomain()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.7", "x@remote.example");

        smtp.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}", smtp);
        await AssertAcceptedForAsync(smtp, "x@remote.example");
    }

    [Test]
    public async Task AccessErrorText_ReachesTheClientIntact()
    {
        SwaksTranscript smtp = await Stack.SendAsync("127.0.0.5", "u@local.test.example", "--from", "custom@sender.example");

        smtp.ServerLines.Should().Contain("550 5.7.1 Custom policy text, see https://policy.test.example/why", "{0}", smtp);
        AssertNothingAccepted(smtp);
    }

    [Test]
    public async Task Lease_AddedWithTheCli_LetsThatAddressRelay()
    {
        SwaksTranscript before = await Stack.SendAsync("127.0.0.9", "x@remote.example");
        before.ServerLines.Should().Contain(l => l.StartsWith("550 5.7.1 Relaying denied.", StringComparison.Ordinal), "no lease yet:\n{0}", before);

        ProcessResult add = await Stack.AddLeaseAsync("127.0.0.9");
        add.ExitCode.Should().Be(0, "{0}", add);

        SwaksTranscript after = await Stack.SendAsync("127.0.0.9", "x@remote.example");
        after.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}\n{1}", after, Stack.Milter.Output);
        await AssertAcceptedForAsync(after, "x@remote.example");
        SwaksTranscript other = await Stack.SendAsync("127.0.0.10", "x@remote.example");
        other.ServerLines.Should().Contain("550 5.7.1 Relaying denied. IP name lookup failed [127.0.0.10]", "the lease is for 127.0.0.9 only:\n{0}", other);
    }

    private static void AssertNothingAccepted(SwaksTranscript smtp)
    {
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
        smtp.ServerLines.Should().NotContain(l => l.StartsWith("354", StringComparison.Ordinal), "{0}", smtp);
    }

    /// <summary>Postfix said "queued as ID", and its discard transport took the message for exactly these recipients.</summary>
    private async Task AssertAcceptedForAsync(SwaksTranscript smtp, params string[] recipients)
    {
        string? id = smtp.PostfixQueueId;
        id.Should().NotBeNull("{0}", smtp);
        string[] Delivered() => Stack.Rig.Log.Split('\n')
            .Where(l => l.Contains($" {id}: to=<", StringComparison.Ordinal) && l.Contains("status=sent", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf(" to=<", StringComparison.Ordinal) + 5)..])
            .Select(l => l[..l.IndexOf('>', StringComparison.Ordinal)])
            .ToArray();
        await Eventually.HoldsAsync(() => Delivered().Length >= recipients.Length, TimeSpan.FromSeconds(10));
        string[] delivered = Delivered();

        delivered.Should().BeEquivalentTo(recipients, "Postfix routed {0} to the discard sink:\n{1}", id, string.Join('\n', Stack.Rig.Log.Split('\n').Where(l => l.Contains(id!, StringComparison.Ordinal))));
    }
}
