using FluentAssertions;
using Milter.Host.Leases.Feeds.Journal;
using Milter.Host.Leases.Feeds.Logs;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// Entries of <c>journalctl --output=json</c> as systemd 252 writes them (captured from a private journald: a
/// root <c>logger</c>, a <c>logger</c> run as nobody, a message with a control byte), and which of them the journal
/// feed trusts. The interop test <c>JournalFeedTests</c> runs the same against a real journald.
/// </summary>
[TestFixture]
public sealed class JournalEntryTests
{
    private const string RootLogger = """{"_TRANSPORT":"syslog","__MONOTONIC_TIMESTAMP":"5257551150","_RUNTIME_SCOPE":"system","_PID":"25284","PRIORITY":"5","SYSLOG_FACILITY":"1","__CURSOR":"s=c9542433789e475aa31e6b52dd34fad1;i=3;b=5d6e83ca96884e91979b2f89dae40c66;m=1395fdd2e;t=661be83a20b05;x=2cdbf6469f0403f3","_NAMESPACE":"trustcap7604","_COMM":"logger","MESSAGE":"imap-login: Login: user=<alice>, method=PLAIN, rip=192.0.2.77, lip=192.0.2.1, mpid=4243, TLS, session=<B3ENbxhbKo7AAQID>","_UID":"0","_BOOT_ID":"5d6e83ca96884e91979b2f89dae40c66","_CAP_EFFECTIVE":"1fffeffffff","_GID":"0","SYSLOG_TIMESTAMP":"Dec  3 17:59:00 ","_HOSTNAME":"vm","SYSLOG_IDENTIFIER":"dovecot","_MACHINE_ID":"3d1219c7c4c5404aaa1f6d2a48adfda4","_SOURCE_REALTIME_TIMESTAMP":"1796320740373765","__REALTIME_TIMESTAMP":"1796320740379397","SYSLOG_PID":"4242"}""";

    private const string NobodyLogger = """{"__MONOTONIC_TIMESTAMP":"5257652128","_RUNTIME_SCOPE":"system","_CAP_EFFECTIVE":"0","__CURSOR":"s=c9542433789e475aa31e6b52dd34fad1;i=4;b=5d6e83ca96884e91979b2f89dae40c66;m=1396167a0;t=661be83a39578;x=ed905ce1ca333648","SYSLOG_TIMESTAMP":"Dec  3 17:59:00 ","SYSLOG_IDENTIFIER":"dovecot","PRIORITY":"5","_TRANSPORT":"syslog","_GID":"65534","_MACHINE_ID":"3d1219c7c4c5404aaa1f6d2a48adfda4","SYSLOG_PID":"1","_UID":"65534","_SOURCE_REALTIME_TIMESTAMP":"1796320740474343","_COMM":"logger","MESSAGE":"imap-login: Login: user=<x>, method=PLAIN, rip=203.0.113.99, lip=192.0.2.1","_HOSTNAME":"vm","_BOOT_ID":"5d6e83ca96884e91979b2f89dae40c66","_NAMESPACE":"trustcap7604","SYSLOG_FACILITY":"1","_PID":"25289","__REALTIME_TIMESTAMP":"1796320740480376"}""";

    private const string BinaryMessage = """{"_BOOT_ID":"5d6e83ca96884e91979b2f89dae40c66","_TRANSPORT":"syslog","_GID":"0","_UID":"0","_PID":"25295","__CURSOR":"s=c9542433789e475aa31e6b52dd34fad1;i=5;b=5d6e83ca96884e91979b2f89dae40c66;m=13962ef14;t=661be83a51ceb;x=f831de562d86138b","SYSLOG_IDENTIFIER":"binary","MESSAGE":[98,105,110,1,97,114,121]}""";

    // The shape of Dovecot's log process under systemd (dovecot.service), its login line as Dovecot writes it to syslog.
    private const string DovecotService = """{"_SYSTEMD_UNIT":"dovecot.service","_COMM":"log","_EXE":"/usr/lib/dovecot/log","_UID":"0","_GID":"0","_PID":"812","SYSLOG_IDENTIFIER":"dovecot","_TRANSPORT":"syslog","MESSAGE":"pop3-login: Login: user=<bob>, method=PLAIN, rip=2001:db8:5::7, lip=2001:db8::1, mpid=4250, TLS, session=<x>","__CURSOR":"s=1;i=9"}""";

    private static JournalEntry Parse(string json)
    {
        JournalEntry.TryParse(System.Text.Encoding.UTF8.GetBytes(json), out JournalEntry? entry).Should().BeTrue();
        return entry!;
    }

    [Test]
    public void RealEntry_GivesTheTrustedFieldsAndALoginLineTheFollowersPatternsRead()
    {
        JournalEntry entry = Parse(RootLogger);

        (entry.Uid, entry.Comm, entry.Pid, entry.Identifier, entry.SyslogPid, entry.Unit).Should().Be((0u, "logger", "25284", "dovecot", "4242", (string?)null));
        entry.Cursor.Should().StartWith("s=c9542433789e475aa31e6b52dd34fad1;i=3;");
        LoginLineParser.TryParse(entry.AsSyslogLine()!, LoginLineFormat.Auto, out LoginEvent? login).Should().BeTrue(entry.AsSyslogLine());
        (login!.Client.ToString(), login.User).Should().Be(("192.0.2.77", "alice"));
    }

    [Test]
    public void TrustedFields_DecideWhetherAnEntryCounts_NotWhatTheSenderWrote()
    {
        var byRootLogger = new JournalSettings { Comm = "logger" };
        var byDovecot = new JournalSettings { Unit = "dovecot.service" };

        byRootLogger.Trusts(Parse(RootLogger)).Should().BeTrue();
        byRootLogger.Trusts(Parse(NobodyLogger)).Should().BeFalse("the same tag and text, but _UID is the sender's own (65534), set by the kernel");
        byDovecot.Trusts(Parse(RootLogger)).Should().BeFalse("not sent from dovecot.service's cgroup");
        byDovecot.Trusts(Parse(DovecotService)).Should().BeTrue();
        new JournalSettings { Unit = "dovecot.service", Comm = "imap" }.Trusts(Parse(DovecotService)).Should().BeFalse("every configured field must match");
        new JournalSettings { Comm = "logger", User = "nobody" }.Trusts(Parse(NobodyLogger)).Should().BeTrue("a configured user is trusted besides root");
    }

    [Test]
    public void ByteArrayMessage_IsDecoded_ATrustedFieldGivenTwice_IsNeverTrusted()
    {
        Parse(BinaryMessage).Message.Should().Be("bin\u0001ary");

        JournalEntry twice = Parse(RootLogger.Replace("\"_UID\":\"0\"", "\"_UID\":[\"65534\",\"0\"]", StringComparison.Ordinal));

        twice.Ambiguous.Should().BeTrue();
        new JournalSettings { Comm = "logger" }.Trusts(twice).Should().BeFalse();
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("[1,2]")]
    [TestCase("{\"MESSAGE\":")]
    [TestCase("{\"_UID\":{\"x\":1}}")]
    [TestCase("{} {}")]
    public void NotAnEntry_IsRefused(string line) =>
        JournalEntry.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out _).Should().BeFalse();
}
