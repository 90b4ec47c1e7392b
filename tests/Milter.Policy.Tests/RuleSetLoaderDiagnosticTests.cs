using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Access;

namespace Milter.Policy.Tests;

/// <summary>What the loader reports about files and rule sets: unreadable files, embedded examples, descriptions.</summary>
public sealed class RuleSetLoaderDiagnosticTests
{
    [Test]
    public void LoadFiles_MissingFile_IsAnErrorWithoutALineNumber()
    {
        var error = new RuleSetLoader().LoadFiles("/nonexistent/access").Errors.Should().ContainSingle().Subject;
        error.IsError.Should().BeTrue();
        error.Line.Should().Be(0);
        error.ToString().Should().Be("/nonexistent/access: " + error.Reason);
    }

    [Test]
    public void LoadEmbeddedExamples_NamesEachFileByItsRole() =>
        new RuleSetLoader().LoadEmbeddedExamples().RuleSet!.Sources.Select(s => s.Name)
            .Should().Equal("access", "relay-domains", "local-host-names");

    [Test]
    public void ReadResource_MissingResource_NamesIt() =>
        FluentActions.Invoking(() => RuleSetLoader.ReadResource("Milter.Policy.Examples.none", "none"))
            .Should().Throw<InvalidOperationException>().WithMessage("embedded resource Milter.Policy.Examples.none missing");

    [Test]
    public void RuleSet_ToString_SummarisesVersionTimeAndSizes()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var rules = new RuleSetLoader(time).Load(PolicyFile.FromText("access", "To:x RELAY\n"), PolicyFile.FromText("relay-domains", "r.example\n"),
            PolicyFile.FromText("local-host-names", "a.example\nb.example\n")).RuleSet!;
        rules.ToString().Should().Be("rule set v1 loaded 2025-01-02T03:04:05.0000000+00:00: 1 access entries, class R 1, class w 2");
    }

    [Test]
    public void Swap_Null_IsRefusedAndKeepsTheCurrentRuleSet()
    {
        var current = TestPolicy.Rules("To:a RELAY\n");
        var holder = new RuleSetHolder(current);
        FluentActions.Invoking(() => holder.Swap(null!)).Should().Throw<ArgumentNullException>();
        holder.Current.Should().BeSameAs(current);
    }
}
