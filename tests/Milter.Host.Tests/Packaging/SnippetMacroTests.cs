using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Host.Adapters;
using Milter.Protocol;
using NUnit.Framework;

namespace Milter.Host.Tests.Packaging;

/// <summary>
/// The macro lists in the shipped main.cf snippets, docs/postfix.md and the sendmail.mc snippet name what the milter
/// asks the MTA for (its SETSYMLIST), by the names the MTA sends: Postfix 3.7 sends <c>{client_resolve}</c>
/// (tests/Milter.Protocol.Tests/Captures/postfix-3.7-policy-symlist.log).
/// </summary>
public class SnippetMacroTests
{
    private static readonly (string Parameter, MacroStage Stage)[] PostfixStages =
    [
        ("milter_connect_macros", MacroStage.Connect), ("milter_mail_macros", MacroStage.Mail), ("milter_rcpt_macros", MacroStage.Rcpt),
    ];

    private static readonly string[] PostfixSources =
    [
        "postfix-main-cf-snippets/milter-authoritative-relay.cf", "postfix-main-cf-snippets/milter-extra-layer.cf", "docs/postfix.md",
    ];

    [Test]
    public void PostfixSnippetsAndDocs_NameEveryMacroTheMilterAsksFor_AndAgree()
    {
        foreach ((string parameter, MacroStage stage) in PostfixStages)
        {
            string[] wanted = PolicyMilterHandler.PolicyNegotiation.SymbolLists[stage].Split(' ');
            var lines = PostfixSources.Select(source => (source, line: MacroLine(RepoFiles.Read(source), parameter))).ToList();
            foreach ((string source, string line) in lines)
            {
                line.Split(' ').Should().Contain(wanted, "{0} in {1} names what the milter reads at {2}", parameter, source, stage);
            }

            lines.Select(l => l.line).Distinct().Should().ContainSingle("{0} reads the same in {1}", parameter, string.Join(", ", PostfixSources));
        }
    }

    [Test]
    public void SendmailSnippet_NamesEveryMacroTheMilterAsksFor()
    {
        string snippet = RepoFiles.Read("sendmail-mc-snippets", "milter-authoritative-relay.m4");
        foreach ((string define, MacroStage stage) in new[] { ("CONNECT", MacroStage.Connect), ("ENVFROM", MacroStage.Mail), ("ENVRCPT", MacroStage.Rcpt) })
        {
            string list = Regex.Match(snippet, $@"^define\(`confMILTER_MACROS_{define}', `([^']*)'\)dnl$", RegexOptions.Multiline).Groups[1].Value;
            list.Split(", ").Should().Contain(PolicyMilterHandler.PolicyNegotiation.SymbolLists[stage].Split(' '), "confMILTER_MACROS_{0}", define);
        }
    }

    [Test]
    public void NoShippedFile_NamesAMacroTheMilterDoesNotRead_InsteadOfTheOneItDoes() =>
        PostfixSources.Append("sendmail-mc-snippets/milter-authoritative-relay.m4").Append("README.md")
            .Where(source => RepoFiles.Read(source).Contains("{client_ptr}", StringComparison.Ordinal))
            .Should().BeEmpty("the milter reads {client_resolve}, which Postfix and Sendmail send; {client_ptr} would be sent for nothing");

    private static string MacroLine(string text, string parameter)
    {
        Match match = Regex.Match(text, $@"^{parameter} = (.*)$", RegexOptions.Multiline);
        match.Success.Should().BeTrue("{0} is set", parameter);
        return match.Groups[1].Value.Trim();
    }
}
