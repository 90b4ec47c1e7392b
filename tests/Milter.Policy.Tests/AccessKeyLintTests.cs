using Milter.Policy.Access;

namespace Milter.Policy.Tests;

/// <summary>What the access loader says about each key's tag: which tags it evaluates, which it only names, and when.</summary>
public sealed class AccessKeyLintTests
{
    private static string FriendHater(string value) =>
        $"FRIEND/HATER only mean something under Spam:; here Sendmail answers \"553 5.3.0 {value}\"";

    [TestCase("Connect:192.0.2.1 OK\n")]
    [TestCase("From:a@b.example REJECT\n")]
    [TestCase("To:b.example RELAY\n")]
    [TestCase("Spam:abuse@ FRIEND\n")]
    [TestCase("Spam:x.example HATER\n")]
    public void Load_EvaluatedTagWithItsValue_HasNoWarning(string line) =>
        TestPolicy.Load(line).Warnings.Should().BeEmpty();

    [TestCase("greetpause:")]
    [TestCase("compat:")]
    [TestCase("certissuer:")]
    [TestCase("certsubject:")]
    [TestCase("tls_srv:")]
    [TestCase("tls_clt:")]
    [TestCase("tls_rcpt:")]
    [TestCase("try_tls:")]
    [TestCase("srv_features:")]
    [TestCase("clt_features:")]
    [TestCase("qgrp:")]
    [TestCase("authinfo:")]
    [TestCase("mta-sts:")]
    [TestCase("delay_tls_clt:")]
    public void Load_SendmailTagThisMilterIgnores_IsNamedAsNotEvaluated(string tag) =>
        TestPolicy.Load(tag.ToUpperInvariant() + "x.example V\n").Warnings.Should().ContainSingle()
            .Which.Reason.Should().Be($"tag {tag} is not evaluated by this milter");

    [TestCase("x.example FRIEND\n", "FRIEND")]
    [TestCase("Connect:192.0.2.1 FRIEND\n", "FRIEND")]
    [TestCase("From:a@b.example HATER\n", "HATER")]
    [TestCase("To:b.example FRIEND\n", "FRIEND")]
    public void Load_FriendOrHaterOutsideSpam_WarnsWithTheReplySendmailGives(string line, string value) =>
        TestPolicy.Load(line).Warnings.Should().Contain(w => w.Reason == FriendHater(value));

    [TestCase("Spam:a@ FRIEND\n")]
    [TestCase("Foo:a@ FRIEND\n")]
    public void Load_FriendOrHaterUnderSpamOrAnUnknownTag_HasNoFriendHaterWarning(string line) =>
        TestPolicy.Load(line).Warnings.Should().NotContain(w => w.Reason.StartsWith("FRIEND/HATER", StringComparison.Ordinal));

    [Test]
    public void Load_SkipOnAFullAddress_ExplainsWhatSendmailDoes() =>
        TestPolicy.Load("From:bob@example.com SKIP\n").Warnings.Should().ContainSingle().Which.Reason.Should().Be(
            "SKIP on a user or full-address key is likely a mistake: Sendmail honours SKIP only in host, domain and " +
            "address walks; a From: lookup that finds it answers \"553 5.3.0 SKIP\", a To: lookup (blocklist_recipients) ignores it");

    /// <summary>A DECnet-style <c>node::user</c> is no IPv6 key: only <c>IPv6:</c> keys get the compressed-form warning.</summary>
    [Test]
    public void Load_DoubleColonOutsideAnIPv6Key_IsNotACompressedIPv6Key() =>
        TestPolicy.Load("From:node::user REJECT\n").Warnings.Should().BeEmpty();

    /// <summary>A rate entry is a count and nothing else: the key lint for access actions does not apply to it.</summary>
    [Test]
    public void Load_RateTagWithANonCount_GetsOnlyTheCountWarning() =>
        TestPolicy.Load("ClientRate:bob@ SKIP\n").Warnings.Should().ContainSingle().Which.Reason.Should().Be(
            "value 'SKIP' of clientrate: is not a count (0 = unlimited); the entry is ignored");

    [Test]
    public void Load_IgnoredTag_GetsOnlyTheNotEvaluatedWarning() =>
        TestPolicy.Load("GreetPause:bob@ SKIP\n").Warnings.Should().ContainSingle().Which.Reason.Should().Be(
            "tag greetpause: is not evaluated by this milter");

    [Test]
    public void Load_UntaggedIPv6Key_IsUntaggedNotAnIPv6Tag()
    {
        var result = TestPolicy.Load("IPv6:2001:db8:0:0:0:0:0:1 REJECT\n");
        result.RuleSet!.AccessEntries[0].Tag.Should().BeEmpty();
        result.Warnings.Should().ContainSingle().Which.Reason.Should().StartWith("untagged key");
    }

    [Test]
    public void Load_KeyStartingWithAColon_HasNoTag() =>
        TestPolicy.Rules(":x REJECT\n").AccessEntries[0].Tag.Should().BeEmpty();

    [Test]
    public void Load_LintOfOneLine_DoesNotCarryOverToTheNext()
    {
        var warnings = TestPolicy.Load("Conect:192.0.2.1 REJECT\nConnect:192.0.2.2 REJECT\n").Warnings;
        warnings.Should().ContainSingle().Which.ToString().Should().Be("access:1: unknown tag conect:");
    }

    [Test]
    public void Load_KeyFolding_CoversTheWholeAsciiUpperCaseRange() =>
        TestPolicy.Rules("From:ZA@AZ.EXAMPLE REJECT\n").AccessEntries[0].Key.Should().Be("from:za@az.example");
}
