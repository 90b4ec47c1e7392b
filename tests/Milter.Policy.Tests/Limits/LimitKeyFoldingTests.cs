using Milter.Policy.Limits;

namespace Milter.Policy.Tests.Limits;

/// <summary>Keys fold every ASCII capital (Z included), and a pair without a sender or recipient says so in its text.</summary>
public sealed class LimitKeyFoldingTests
{
    [TestCase("ZORRO", "zorro")]
    [TestCase("AZ", "az")]
    [TestCase("Zed", "zED")]
    public void User_EveryCapitalFolds(string written, string other) =>
        LimitKey.ForUser(written).Should().Be(LimitKey.ForUser(other));

    [Test]
    public void Sender_EveryCapitalFolds() =>
        LimitKey.ForSender("<Z@Z.EXAMPLE>").Should().Be(LimitKey.ForSender("<z@z.example>"));

    [Test]
    public void User_FoldingKeepsTheLettersAroundTheAlphabet() =>
        LimitKey.ForUser("[").Should().NotBe(LimitKey.ForUser("{"));

    [Test]
    public void Pair_MissingSenderOrRecipient_IsAngleBrackets()
    {
        LimitKey.ForPair(null, "<b@y.example>").Text.Should().Be("<>>b@y.example");
        LimitKey.ForPair("<a@x.example>", null).Text.Should().Be("a@x.example><>");
    }
}
