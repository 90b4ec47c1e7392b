using FluentAssertions;
using Milter.Host.Leases.Feeds.Logs;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

[TestFixture]
public sealed class LoginLineParserTests
{
    private static readonly object[] Logins =
    [
        // Dovecot 2.3 own log file (log_path), as the private Dovecot of the interop tests writes it
        new object[] { LoginLineFormat.Dovecot, "Nov 29 02:18:53 pop3-login: Info: Login: user=<bob>, method=PLAIN, rip=127.0.0.5, lip=127.0.0.1, mpid=27374, session=<Tuok6mBhg7t/AAAF>", "127.0.0.5", "bob", false },
        // Dovecot syslog (login_log_format_elements default), with and without a pid, IPv6
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot: imap-login: Login: user=<alice@example.net>, method=PLAIN, rip=192.0.2.77, lip=192.0.2.1, mpid=4242, TLS, session=<B3ENbxhbKo7AAQID>", "192.0.2.77", "alice@example.net", true },
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot[812]: pop3-login: Login: user=<bob>, method=PLAIN, rip=2001:db8:5::7, lip=2001:db8::1, mpid=4250, TLS, session=<x>", "2001:db8:5::7", "bob", true },
        new object[] { LoginLineFormat.Dovecot, "2024-11-28T10:15:02.123456+01:00 mail dovecot[812]: submission-login: Login: user=<carol>, method=LOGIN, rip=198.51.100.4, lip=198.51.100.1, mpid=1, secured, session=<y>", "198.51.100.4", "carol", true },
        // Dovecot 1.x own log (pop-before-smtp's pattern), v4-mapped rip
        new object[] { LoginLineFormat.Dovecot, "dovecot: Nov 28 10:15:02 Info: imap-login: Login: user=<dave>, method=PLAIN, rip=::ffff:192.0.2.8, lip=::ffff:192.0.2.1, TLS", "192.0.2.8", "dave", false },
        // Courier
        new object[] { LoginLineFormat.Courier, "Nov 28 10:15:02 mail pop3d: LOGIN, user=bob, ip=[::ffff:192.0.2.9], port=[40123]", "192.0.2.9", "bob", true },
        new object[] { LoginLineFormat.Courier, "Nov 28 10:15:02 mail imapd-ssl[4711]: LOGIN, user=erin@example.net, ip=[2001:db8::9], port=[40124], protocol=IMAP", "2001:db8::9", "erin@example.net", true },
        new object[] { LoginLineFormat.Courier, "Nov 28 10:15:02 mail courierpop3login: LOGIN, user=frank, ip=[192.0.2.10], port=[1]", "192.0.2.10", "frank", true },
        // Cyrus
        new object[] { LoginLineFormat.Cyrus, "Nov 28 10:15:02 mail cyrus/imap[1234]: login: client.example.net [192.0.2.11] bob plaintext User logged in SESSIONID=<mail-1234-1-1>", "192.0.2.11", "bob", true },
        new object[] { LoginLineFormat.Cyrus, "Nov 28 10:15:02 mail pop3d[99]: login: client.example.net [::ffff:192.0.2.12] gina PLAIN+TLS User logged in", "192.0.2.12", "gina", true },
        // qpopper
        new object[] { LoginLineFormat.Qpopper, "Nov 28 10:15:02 mail popper[1234]: (v4.1.0) POP login by user \"bob\" at (client.example.net) 192.0.2.13", "192.0.2.13", "bob", true },
        new object[] { LoginLineFormat.Qpopper, "Nov 28 10:15:02 mail in.qpopper[55]: (v2.53) POP login by user \"hank\" at (192.0.2.14) 192.0.2.14", "192.0.2.14", "hank", true },
        // UW imapd / ipop3d
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail ipop3d[1234]: Login user=bob host=client.example.net [192.0.2.15] nmsgs=0/0", "192.0.2.15", "bob", true },
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail imapd[77]: Authenticated user=ivy host=[192.0.2.16] mech=PLAIN", "192.0.2.16", "ivy", true },
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail ipop3sd[78]: APOP user=jack host=client [192.0.2.17] nmsgs=2/2", "192.0.2.17", "jack", true },
    ];

    private static readonly object[] NotLogins =
    [
        // Dovecot failures: the "auth failed" lines carry user=, rip= but never "-login: Login: "
        new object[] { LoginLineFormat.Dovecot, "Nov 29 02:18:55 pop3-login: Info: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=127.0.0.5, lip=127.0.0.1, session=<Jgsl6mBh/Zx/AAAF>" },
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot: imap-login: Aborted login (auth failed, 3 attempts in 14 secs): user=<bob>, method=PLAIN, rip=192.0.2.77, lip=192.0.2.1, TLS" },
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot: auth: passwd-file(bob,192.0.2.77): unknown user" },
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot: imap(bob)<1><s>: Logged out in=10 out=20" },
        // a client forging a login line in the user name of a failed login
        new object[] { LoginLineFormat.Dovecot, "Nov 28 10:15:02 mail dovecot: pop3-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<x pop3-login: Login: user=<a>, method=PLAIN, rip=203.0.113.66, lip=1.2.3.4>, method=PLAIN, rip=192.0.2.5, lip=192.0.2.1" },
        new object[] { LoginLineFormat.Courier, "Nov 28 10:15:02 mail pop3d: LOGIN FAILED, user=bob, ip=[::ffff:192.0.2.9]" },
        new object[] { LoginLineFormat.Courier, "Nov 28 10:15:02 mail pop3d: LOGOUT, user=bob, ip=[::ffff:192.0.2.9], top=0, retr=0, time=5" },
        new object[] { LoginLineFormat.Cyrus, "Nov 28 10:15:02 mail cyrus/imap[1234]: badlogin: client.example.net [192.0.2.11] plaintext bob SASL(-13): authentication failure: checkpass failed" },
        new object[] { LoginLineFormat.Qpopper, "Nov 28 10:15:02 mail popper[1234]: [AUTH] Password supplied for \"bob\" is incorrect." },
        new object[] { LoginLineFormat.Qpopper, "Nov 28 10:15:02 mail popper[1234]: bob at client.example.net (192.0.2.13): -ERR [AUTH] Password supplied for \"bob\" is incorrect." },
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail ipop3d[1234]: Login failed user=bob auth=bob host=client.example.net [192.0.2.15]" },
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail imapd[77]: AUTHENTICATE PLAIN failure host=client.example.net [192.0.2.16]" },
        new object[] { LoginLineFormat.Uw, "Nov 28 10:15:02 mail ipop3d[1234]: Logout user=bob host=client.example.net [192.0.2.15] nmsgs=0 ndele=0" },
        new object[] { LoginLineFormat.Auto, "" },
        new object[] { LoginLineFormat.Auto, "pop3-login: Login: user=<bob>, method=PLAIN, rip=192.0.2.1, lip=192.0.2.2" }, // no timestamp: not a log line
        // what rsyslog writes for `logger -t pop3-login 'Info: Login: …'`: its host stands where the own log has none
        new object[] { LoginLineFormat.Auto, "Nov 28 10:15:02 mail pop3-login: Info: Login: user=<x>, method=PLAIN, rip=203.0.113.99, lip=192.0.2.1" },
    ];

    [TestCaseSource(nameof(Logins))]
    public void TryParse_SuccessfulLogin_GivesAddressUserAndForm(LoginLineFormat format, string line, string address, string user, bool viaSyslog)
    {
        LoginLineParser.TryParse(line, format, out LoginEvent? login).Should().BeTrue();
        login!.Client.ToString().Should().Be(address);
        login.User.Should().Be(user);
        login.Format.Should().Be(format);
        login.ViaSyslog.Should().Be(viaSyslog, "only Dovecot's own log file has lines without syslog's host and program");

        LoginLineParser.TryParse(line, LoginLineFormat.Auto, out LoginEvent? auto).Should().BeTrue("auto tries every format");
        auto!.Format.Should().Be(format);
    }

    [TestCaseSource(nameof(NotLogins))]
    public void TryParse_FailedLoginOrOtherLine_IsNoLogin(LoginLineFormat format, string line)
    {
        LoginLineParser.TryParse(line, format, out _).Should().BeFalse();
        LoginLineParser.TryParse(line, LoginLineFormat.Auto, out _).Should().BeFalse();
    }

    [Test]
    public void TryParse_OtherFormatConfigured_DoesNotMatch() =>
        LoginLineParser.TryParse("Nov 28 10:15:02 mail pop3d: LOGIN, user=bob, ip=[192.0.2.9], port=[1]", LoginLineFormat.Dovecot, out _).Should().BeFalse();
}
