using System.Globalization;
using FluentAssertions;
using Milter.Interop.Tests.Support;
using NUnit.Framework;

namespace Milter.Interop.Tests;

/// <summary>
/// SMTP AUTH through Postfix: Postfix authenticates against a private Dovecot (<c>smtpd_sasl_type = dovecot</c> over
/// a loopback TCP listener), then passes <c>{auth_type}</c> and <c>{auth_authen}</c> in the MAIL macros; the policy
/// lets an authenticated client relay (Sendmail's <c>TRUST_AUTH_MECH</c>, PLAIN trusted by default) and logs the
/// user. The same client unauthenticated is refused.
/// </summary>
[TestFixture]
[Category("Postfix")]
public sealed class PostfixSaslTests : OwningFixture
{
    private DovecotServer? _dovecot;
    private PostfixPolicyStack? _stack;

    [OneTimeSetUp]
    public async Task Start()
    {
        PostfixRig.RequireRunnable();
        Tools.Require("dovecot", "dovecot-pop3d");
        _dovecot = Owned.Add(await DovecotServer.StartAsync(authListener: true));
        string sasl = string.Create(CultureInfo.InvariantCulture, $"""
            smtpd_sasl_auth_enable = yes
            smtpd_sasl_type = dovecot
            smtpd_sasl_path = inet:127.0.0.1:{_dovecot.AuthPort}

            """);
        _stack = Owned.Add(await PostfixPolicyStack.StartAsync(sasl));
    }

    [Test]
    public async Task AuthenticatedClient_RelaysToRemote_AndTheMilterSawTheUser()
    {
        int mark = _stack!.Milter.LineCount;

        SwaksTranscript smtp = await _stack.SendAsync(
            "127.0.0.5", "x@remote.example", "--auth", "PLAIN", "--auth-user", DovecotServer.User, "--auth-password", DovecotServer.Password);

        smtp.ServerLines.Should().Contain("235 2.7.0 Authentication successful", "{0}\n{1}", smtp, _dovecot!.ReadLog());
        smtp.ServerLines.Should().Contain("250 2.1.5 Ok", "{0}\n{1}", smtp, _stack.Milter.Output);
        smtp.PostfixQueueId.Should().NotBeNull("{0}", smtp);
        string log = string.Join('\n', _stack.Milter.Output.Split('\n').Skip(mark));
        log.Should().MatchRegex(@"(?m)client=127\.0\.0\.5 stage=Message from=\S+ rcpt=<x@remote\.example> rcpts=1 verdict=""accept"" rule=authenticated with a trusted mechanism$",
            "the milter granted relaying for the AUTH macros (the accepted message's summary line):\n{0}", log);
    }

    [Test]
    public async Task SameClientUnauthenticated_IsRefused()
    {
        SwaksTranscript smtp = await _stack!.SendAsync("127.0.0.5", "x@remote.example");

        smtp.ServerLines.Should().Contain("550 5.7.1 Relaying denied. Proper authentication required.", "{0}", smtp);
        smtp.PostfixQueueId.Should().BeNull("{0}", smtp);
    }
}
