using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Access;

namespace Milter.Policy.Tests;

public sealed class RuleSetLoaderTests
{
    private static RuleSetLoadResult Lenient(string access) => TestPolicy.Load(access, strict: false);

    [Test]
    public void Load_CommentAndEmptyLines_AreSkipped()
    {
        var result = TestPolicy.Load("# comment\n\nConnect:1.2.3.4 REJECT\n");
        result.Errors.Should().BeEmpty();
        result.RuleSet!.AccessEntries.Should().ContainSingle().Which.Line.Should().Be(3);
    }

    [TestCase(" Connect:1.2.3.4 REJECT", TestName = "Load_LeadingSpace_IsSyntaxError")]
    [TestCase("\tConnect:1.2.3.4 REJECT", TestName = "Load_LeadingTab_IsSyntaxError")]
    [TestCase("   ", TestName = "Load_WhitespaceOnlyLine_IsSyntaxError")]
    [TestCase("\r", TestName = "Load_DosBlankLine_IsLeadingSpaceError")]
    public void Load_LeadingWhitespace_IsReportedWithFileAndLine(string line)
    {
        var result = TestPolicy.Load("Connect:9.9.9.9 OK\n" + line + "\n");
        result.Succeeded.Should().BeFalse();
        result.Errors.Should().ContainSingle().Which.ToString().Should().Be("access:2: syntax error (leading space)");
    }

    [TestCase("Connect:1.2.3.4", TestName = "Load_KeyWithoutValue_IsNoRhsError")]
    [TestCase("Connect:1.2.3.4   ", TestName = "Load_KeyWithTrailingBlanksOnly_IsNoRhsError")]
    [TestCase("Connect:1.2.3.4\r", TestName = "Load_KeyWithCrOnly_IsNoRhsError")]
    public void Load_NoRhs_IsError(string line)
    {
        var result = TestPolicy.Load(line + "\n");
        result.Errors.Should().ContainSingle().Which.ToString().Should().Be("access:1: no RHS for LHS connect:1.2.3.4");
    }

    [Test]
    public void Load_DuplicateKey_IsErrorAndFirstValueKept()
    {
        var result = Lenient("Connect:1.2.3.4 REJECT\nconnect:1.2.3.4 OK\n");
        result.Errors.Should().ContainSingle().Which.ToString().Should().StartWith("access:2: duplicate key connect:1.2.3.4");
        result.RuleSet!.FindAccess("Connect:1.2.3.4")!.Value.Should().Be("REJECT");
    }

    [Test]
    public void Load_StrictWithErrors_ReturnsNoRuleSet()
    {
        var result = TestPolicy.Load("Connect:1.2.3.4 REJECT\nConnect:1.2.3.4 OK\n");
        result.RuleSet.Should().BeNull();
        result.Succeeded.Should().BeFalse();
    }

    [Test]
    public void Load_LineOf1023Bytes_IsTooLongAndRestParsedAsNewLine()
    {
        var first = "From:a@b " + new string('v', 1023 - 9);
        var result = Lenient(first + "REJECT\nConnect:5.5.5.5 OK\n");
        result.Errors.Select(e => e.ToString()).Should().Equal(
            "access:1: line too long (1024 bytes max)",
            "access:2: no RHS for LHS reject");
        result.RuleSet!.FindAccess("from:a@b").Should().BeNull();
    }

    [Test]
    public void Load_LineOf1022Bytes_IsAccepted()
    {
        var line = "From:a@b " + new string('v', 1022 - 9);
        line.Length.Should().Be(1022);
        var result = TestPolicy.Load(line + "\n");
        result.Errors.Should().BeEmpty();
        result.RuleSet!.FindAccess("from:a@b")!.Value.Should().HaveLength(1013);
    }

    [Test]
    public void Load_ContinuationOfLongLine_CountsAsItsOwnLine()
    {
        var result = Lenient(new string('k', 1030) + " REJECT\nConnect:5.5.5.5 OK\n");
        result.RuleSet!.FindAccess("connect:5.5.5.5")!.Line.Should().Be(3);
    }

    [Test]
    public void Load_TrailingBlanks_AreKeptInValue()
    {
        var rules = TestPolicy.Rules("To:a.example ERROR:\"550 5.7.1 x  \"  \t\n");
        rules.FindAccess("to:a.example")!.Value.Should().Be("ERROR:\"550 5.7.1 x  \"  \t");
    }

    [Test]
    public void Load_InternalBlanks_AreKeptInValue()
    {
        TestPolicy.Rules("To:a.example QUARANTINE:two   spaces\n").FindAccess("To:a.example")!.Value.Should().Be("QUARANTINE:two   spaces");
    }

    [Test]
    public void Load_TabSeparator_IsWhitespaceRun()
    {
        TestPolicy.Rules("Connect:1.2.3.4\t \tREJECT\n").FindAccess("connect:1.2.3.4")!.Action.Should().Be(AccessAction.Reject);
    }

    [Test]
    public void Load_KeyIsFoldedValueIsNot()
    {
        var entry = TestPolicy.Rules("FROM:User@Example.COM ERROR:\"550 Go Away\"\n").AccessEntries[0];
        entry.Key.Should().Be("from:user@example.com");
        entry.Value.Should().Be("ERROR:\"550 Go Away\"");
    }

    [Test]
    public void Load_InlineHash_IsPartOfValueWithLintWarning()
    {
        var result = TestPolicy.Load("Connect:1.2.3.4 REJECT # spammer\n");
        result.RuleSet!.FindAccess("connect:1.2.3.4")!.Value.Should().Be("REJECT # spammer");
        result.RuleSet.FindAccess("connect:1.2.3.4")!.Action.Should().Be(AccessAction.Unknown);
        result.Warnings.Select(w => w.Reason).Should().Contain(r => r.Contains("'#' inside the value"));
    }

    [Test]
    public void Load_CrAtEndOfLine_IsKeptWithLintWarning()
    {
        var result = TestPolicy.Load("Connect:1.2.3.4 REJECT\r\n");
        result.RuleSet!.FindAccess("connect:1.2.3.4")!.Value.Should().Be("REJECT\r");
        result.Warnings.Should().ContainSingle(w => w.Reason.Contains("CR")).Which.Line.Should().Be(1);
    }

    [Test]
    public void Load_UnknownValue_WarnsWith553Text()
    {
        var result = TestPolicy.Load("Connect:1.2.3.4 BLOCK\n");
        result.Warnings.Should().ContainSingle().Which.ToString().Should().Be(
            "access:1: value \"BLOCK\" is not an access action: Sendmail answers \"553 5.3.0 BLOCK\"");
    }

    [Test]
    public void Load_UntaggedKey_WarnsDeprecated()
    {
        TestPolicy.Load("spam.example REJECT\n").Warnings.Should().ContainSingle(w => w.Reason.StartsWith("untagged key"));
    }

    [Test]
    public void Load_CompressedIPv6Key_WarnsNeverMatches()
    {
        TestPolicy.Load("Connect:IPv6:2001:db8::1 REJECT\n").Warnings.Should().ContainSingle(w => w.Reason.StartsWith("compressed IPv6 key"));
    }

    [Test]
    public void Load_UnknownTag_Warns()
    {
        TestPolicy.Load("Conect:1.2.3.4 REJECT\n").Warnings.Should().ContainSingle(w => w.Reason == "unknown tag conect:");
    }

    [Test]
    public void Load_RateTags_AreCounts_OtherUnsupportedTagsWarnNotEvaluated()
    {
        TestPolicy.Load("ClientRate:1.2.3.4 10\nClientConn: 5\n").Warnings.Should().BeEmpty("ClientRate:/ClientConn: counts are enforced by the flood limits");
        TestPolicy.Load("ClientRate:1.2.3.4 lots\n").Warnings.Should().ContainSingle().Which.Reason.Should().Contain("is not a count");
        TestPolicy.Load("GreetPause:1.2.3.4 5000\n").Warnings.Should().ContainSingle().Which.Reason.Should().Be("tag greetpause: is not evaluated by this milter");
    }

    [Test]
    public void Load_SpamTagWithoutFriendOrHater_Warns()
    {
        TestPolicy.Load("Spam:abuse@ OK\n").Warnings.Should().Contain(w => w.Reason == "Spam: values are FRIEND or HATER");
    }

    /// <summary>Issue 12 item 4: Sendmail honours SKIP only in host, domain and address walks.</summary>
    [TestCase("From:bob@ SKIP\n")]
    [TestCase("To:bob@example.net SKIP\n")]
    [TestCase("bob+*@ SKIP\n")]
    public void Load_SkipOnAUserOrFullAddressKey_IsFlagged(string line) =>
        TestPolicy.Load(line).Warnings.Should().Contain(w => w.Reason.StartsWith("SKIP on a user or full-address key is likely a mistake", StringComparison.Ordinal));

    [Test]
    public void Load_SkipOnADomainOrAddress_IsNotFlagged() =>
        TestPolicy.Load("Connect:192.0.2 SKIP\nFrom:example.com SKIP\n").Warnings.Should().NotContain(w => w.Reason.StartsWith("SKIP", StringComparison.Ordinal));

    [TestCase("Connect:10.0.0.0/8", 8)]
    [TestCase("Connect:192.0.2.0/28", 28)]
    [TestCase("Connect:IPv6:2001:db8::/32", 32)]
    [TestCase("connect:ipv6:2001:DB8:1::/48", 48)]
    public void Load_CidrKey_IsStoredAsNetwork(string key, int length)
    {
        var result = TestPolicy.Load(key + " RELAY\n");
        result.Errors.Should().BeEmpty();
        var table = key.Contains("pv6", StringComparison.OrdinalIgnoreCase) ? result.RuleSet!.Access.ConnectV6 : result.RuleSet!.Access.ConnectV4;
        table.LengthsDescending.ToArray().Should().Equal(length);
    }

    [TestCase("Connect:10.0.0.0/33")]
    [TestCase("Connect:IPv6:2001:db8::/129")]
    [TestCase("Connect:10.0.0.x/8")]
    public void Load_InvalidCidrKey_IsError(string key)
    {
        TestPolicy.Load(key + " RELAY\n").Errors.Should().ContainSingle().Which.Reason.Should().StartWith("invalid CIDR key");
    }

    [Test]
    public void Load_SameCidrNetworkTwice_IsDuplicateKey()
    {
        Lenient("Connect:10.0.0.0/8 RELAY\nConnect:10.1.0.0/8 REJECT\n").Errors.Should().ContainSingle()
            .Which.Reason.Should().StartWith("duplicate key connect:10.1.0.0/8 (same network as line 1");
    }

    [Test]
    public void Load_RelayDomains_AllowsTrailingCommentsAndSeveralWordsPerLine()
    {
        var rules = TestPolicy.Rules("", relay: "# c\nA.example b.example # trailing\n10.1\n");
        rules.RelayDomains.Members.Should().BeEquivalentTo("a.example", "b.example", "10.1");
    }

    [Test]
    public void Load_LocalHostNames_InlineHashBecomesMemberWithWarning()
    {
        var result = TestPolicy.Load("", local: "example.net #old\n");
        result.RuleSet!.LocalHostNames.Contains("#old").Should().BeTrue();
        result.Warnings.Should().ContainSingle().Which.ToString().Should().StartWith("local-host-names:1: '#old' is added to class w");
    }

    [Test]
    public void Load_Version_IncreasesAndLoadedAtComesFromTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var loader = new RuleSetLoader(time);
        var first = loader.Load(PolicyFile.FromText("a", "To:x RELAY\n")).RuleSet!;
        time.Advance(TimeSpan.FromMinutes(1));
        var second = loader.Load(PolicyFile.FromText("a", "To:x RELAY\n")).RuleSet!;
        second.Version.Should().Be(first.Version + 1);
        second.LoadedAt.Should().Be(new DateTimeOffset(2025, 1, 2, 3, 5, 5, TimeSpan.Zero));
    }

    [Test]
    public void Load_Sources_DescribeEachFile()
    {
        var rules = TestPolicy.Rules("To:x RELAY\n", relay: "r.example\n");
        rules.Sources.Select(s => (s.Kind, s.Entries)).Should().Equal(("access", 1), ("relay-domains", 1), ("local-host-names", 2));
        rules.Sources[0].Sha256.Should().HaveLength(64);
    }

    [Test]
    public void LoadFiles_MissingFile_IsReportedAsError()
    {
        var result = new RuleSetLoader().LoadFiles("/nonexistent/access");
        result.Errors.Should().ContainSingle().Which.File.Should().Be("/nonexistent/access");
    }

    [Test]
    public void LoadFiles_ReadsFromDisk()
    {
        var path = Path.Combine(Path.GetTempPath(), "access-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "Connect:1.2.3.4 REJECT\n", Encoding.ASCII);
        try
        {
            new RuleSetLoader().LoadFiles(path).RuleSet!.AccessEntries[0].Location.Should().Be(path + ":1");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void LoadEmbeddedExamples_LoadsWithoutErrorsOrWarnings()
    {
        var result = new RuleSetLoader().LoadEmbeddedExamples();
        result.Errors.Should().BeEmpty();
        result.Warnings.Should().BeEmpty();
        result.RuleSet!.AccessEntries.Should().NotBeEmpty();
    }

    /// <summary>The examples are a demonstration: they relay only for documentation addresses (RFC 5737, RFC 3849) and names.</summary>
    [Test]
    public void EmbeddedExamples_RelayOnlyForDocumentationAddressesAndNames()
    {
        IPNetwork[] documentation = [IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("2001:db8::/32")];
        var relayed = new RuleSetLoader().LoadEmbeddedExamples().RuleSet!.AccessEntries
            .Where(e => e.Action == AccessAction.Relay && e.Tag == "connect:")
            .Select(e => e.Key[e.Tag.Length..])
            .Select(k => k.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase) ? k[5..] : k)
            .ToList();

        relayed.Should().NotBeEmpty().And.OnlyContain(
            k => k.EndsWith(".example", StringComparison.OrdinalIgnoreCase) || IsDocumentation(k, documentation),
            "a broad RELAY in the examples (as 10.0.0.0/8 was) would relay for real networks when they are used by mistake");
    }

    private static bool IsDocumentation(string key, IPNetwork[] documentation)
    {
        // A CIDR key, or a Sendmail prefix (192.0.2, 2001:db8:1) padded to a network of its own length.
        string text = key.Contains('/', StringComparison.Ordinal) ? key
            : key.Contains(':', StringComparison.Ordinal) ? $"{key}::/{16 * key.Split(':').Length}"
            : $"{string.Join('.', key.Split('.').Concat(Enumerable.Repeat("0", 4 - key.Split('.').Length)))}/{8 * key.Split('.').Length}";
        return IPNetwork.TryParse(text, out IPNetwork network)
            && documentation.Any(d => d.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily && d.PrefixLength <= network.PrefixLength && d.Contains(network.BaseAddress));
    }
}
