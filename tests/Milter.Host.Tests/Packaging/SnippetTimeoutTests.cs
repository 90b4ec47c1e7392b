using System.Globalization;
using System.Text.RegularExpressions;
using FluentAssertions;
using Milter.Host.Listening;
using Milter.Host.Options;
using Milter.Protocol.Session;
using NUnit.Framework;

namespace Milter.Host.Tests.Packaging;

/// <summary>
/// The milter's handler timeout ends a stuck step before the MTA stops waiting for its answer, in the shipped
/// snippets and the example configuration: so the milter, not only the MTA, logs which step hung.
/// </summary>
public partial class SnippetTimeoutTests
{
    private static double DefaultHandlerTimeout => new ListenerSettings().HandlerTimeoutSeconds;

    [Test]
    public void DefaultHandlerTimeout_IsBelowSendmailsAnswerTimeout_InTheSnippet()
    {
        string snippet = RepoFiles.Read("sendmail-mc-snippets", "milter-authoritative-relay.m4");
        Match filter = SendmailReadTimeout().Match(snippet);
        filter.Success.Should().BeTrue("the INPUT_MAIL_FILTER line sets R:");
        DefaultHandlerTimeout.Should().BeLessThan(double.Parse(filter.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [TestCase("milter-authoritative-relay.cf")]
    [TestCase("milter-extra-layer.cf")]
    public void DefaultHandlerTimeout_IsBelowPostfixsCommandTimeout_InTheSnippet(string file)
    {
        Match timeout = PostfixCommandTimeout().Match(RepoFiles.Read("postfix-main-cf-snippets", file));
        timeout.Success.Should().BeTrue("the snippet sets milter_command_timeout");
        DefaultHandlerTimeout.Should().BeLessThan(double.Parse(timeout.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [Test]
    public void ExampleConfigurationAndProtocolDefault_AgreeWithTheHostDefault()
    {
        RepoFiles.Read("docs", "milter.example.json").Should().Contain($"\"HandlerTimeoutSeconds\": {DefaultHandlerTimeout.ToString(CultureInfo.InvariantCulture)},");
        new MilterSessionOptions().HandlerTimeout.Should().Be(TimeSpan.FromSeconds(DefaultHandlerTimeout));
    }

    [GeneratedRegex(@"^INPUT_MAIL_FILTER\(.*T=[^']*\bR:(\d+)s", RegexOptions.Multiline)]
    private static partial Regex SendmailReadTimeout();

    [GeneratedRegex(@"^milter_command_timeout = (\d+)s$", RegexOptions.Multiline)]
    private static partial Regex PostfixCommandTimeout();
}
