using Milter.Policy.Access;

namespace Milter.Policy.Tests;

/// <summary><see cref="AccessTable.MayContain"/>: false only when no stored key starts with the probe's head (up to its first colon).</summary>
public sealed class AccessTableHeadTests
{
    [Test]
    public void MayContain_OnlyTheHeadsThatAreStored()
    {
        var table = TestPolicy.Rules("Connect:192.0.2.1 REJECT\n").Access;
        table.MayContain("connect:192.0.2.2").Should().BeTrue();
        table.MayContain("from:a@b.example").Should().BeFalse();
        table.MayContain("b.example").Should().BeFalse("no untagged key is stored");
    }

    [Test]
    public void MayContain_UntaggedKeyStored_AnsweresEveryHeadlessProbe()
    {
        var table = TestPolicy.Rules("a.example REJECT\n").Access;
        table.MayContain("other.example").Should().BeTrue();
        table.MayContain("connect:192.0.2.2").Should().BeFalse();
    }

    [Test]
    public void MayContain_KeyStartingWithAColon_HasTheColonAsHead()
    {
        var table = TestPolicy.Rules(":x REJECT\n").Access;
        table.MayContain(":y").Should().BeTrue();
        table.MayContain("y").Should().BeFalse();
    }

    [TestCase(16, false)]
    [TestCase(17, true)]
    public void MayContain_PastSixteenHeads_StopsFiltering(int heads, bool mayContainAnything)
    {
        var text = string.Concat(Enumerable.Range(0, heads).Select(i => $"T{i}:x OK\n"));
        var result = TestPolicy.Load(text);
        result.Errors.Should().BeEmpty();
        result.RuleSet!.Access.MayContain("other:x").Should().Be(mayContainAnything);
        result.RuleSet.Access.MayContain("t0:y").Should().BeTrue();
    }
}
