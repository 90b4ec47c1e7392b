using FluentAssertions;
using Milter.Protocol.Commands;
using Milter.Protocol.Session;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

public class MacroTableTests
{
    private static MacroCommand Macro(char stage, params string[] pairs) =>
        MacroCommand.Parse(Concat([Raw(stage.ToString()), .. pairs.Select(Z)]));

    [TestCase("i", "i")]
    [TestCase("{i}", "i")]
    [TestCase("i", "{i}")]
    [TestCase("{i}", "{i}")]
    public void BracedAndBareNames_AreTheSameMacro(string sent, string asked)
    {
        var table = new MacroTable();
        table.Set(Macro('M', sent, "QID1"));
        table.GetValue(asked).Should().Be("QID1");
    }

    [Test]
    public void LaterStage_ShadowsEarlierStage()
    {
        var table = new MacroTable();
        table.Set(Macro('C', "j", "conn"));
        table.Set(Macro('E', "j", "eom"));
        table.GetValue("j").Should().Be("eom");
    }

    [Test]
    public void NewPacketForAStage_ReplacesThatStageOnly()
    {
        var table = new MacroTable();
        table.Set(Macro('C', "j", "mx", "{daemon_name}", "MTA"));
        table.Set(Macro('M', "i", "Q1", "{mail_addr}", "a@b"));
        table.Set(Macro('M', "i", "Q2"));
        table.GetValue("i").Should().Be("Q2");
        table.GetValue("{mail_addr}").Should().BeNull();
        table.GetValue("j").Should().Be("mx");
    }

    [TestCase(MilterCommandCode.Connect, "C")]
    [TestCase(MilterCommandCode.Helo, "CH")]
    [TestCase(MilterCommandCode.Mail, "CHM")]
    [TestCase(MilterCommandCode.Rcpt, "CHMR")]
    [TestCase(MilterCommandCode.Abort, "CHMRTNE")]
    [TestCase(MilterCommandCode.QuitNewConnection, "")]
    [TestCase(MilterCommandCode.Quit, "")]
    public void Command_ClearsTheLaterStages_AsLibmilterDoes(MilterCommandCode command, string kept)
    {
        var table = new MacroTable();
        foreach (char stage in "CHMRTNE")
        {
            table.Set(Macro(stage, "{m" + stage + "}", "v"));
        }

        table.ClearFor(command);
        foreach (char stage in "CHMRTNE")
        {
            table.GetValue("m" + stage).Should().Be(kept.Contains(stage) ? "v" : null, $"stage {stage} after {command}");
        }
    }

    [Test]
    public void PostfixStages_LBU_AreKept_AndUnknownStagesIgnored()
    {
        var table = new MacroTable();
        table.Set(Macro('L', "i", "hdr"));
        table.Set(Macro('Z', "x", "y"));
        table.GetValue("i").Should().Be("hdr");
        table.GetValue("x").Should().BeNull();
    }

    [Test]
    public void EmptyValues_AndDanglingNames_AreHandled()
    {
        var table = new MacroTable();
        table.Set(Macro('C', "{if_addr}", "", "dangling"));
        table.GetValue("{if_addr}").Should().Be(string.Empty);
        table.GetValue("dangling").Should().BeNull();
    }

    [Test]
    public void ToList_ShowsOnlyVisibleValues()
    {
        var table = new MacroTable();
        table.Set(Macro('C', "j", "a", "_", "u"));
        table.Set(Macro('H', "j", "b"));
        table.ToList().Should().Equal(new KeyValuePair<string, string>("j", "b"), new KeyValuePair<string, string>("_", "u"));
    }

    [Test]
    public void SecondMessage_ReplacesMailStage_WhileLaterStagesWaitForTheirClear()
    {
        var table = new MacroTable();
        table.Set(Macro('C', "j", "mx"));
        table.Set(Macro('H', "{tls_version}", "TLSv1.3"));
        table.Set(Macro('M', "i", "Q1", "{mail_addr}", "first@example.org"));
        table.Set(Macro('R', "{rcpt_addr}", "r1@example.org"));
        table.Set(Macro('E', "i", "Q1E"));

        table.Set(Macro('M', "{mail_addr}", "a-much-longer-second-sender@example.org"));
        table.GetValue("{mail_addr}").Should().Be("a-much-longer-second-sender@example.org");
        table.GetValue("{rcpt_addr}").Should().Be("r1@example.org", "RCPT's set stays until MAIL clears it");
        table.GetValue("i").Should().Be("Q1E");

        table.ClearFor(MilterCommandCode.Mail);
        table.GetValue("i").Should().BeNull();
        table.GetValue("{rcpt_addr}").Should().BeNull();
        table.GetValue("j").Should().Be("mx");
        table.GetValue("tls_version").Should().Be("TLSv1.3");
    }

    [Test]
    public void StagesSentOutOfOrder_AreEachKeptInTheirPlace()
    {
        var table = new MacroTable();
        table.Set(Macro('R', "x", "rcpt"));
        table.Set(Macro('C', "x", "conn", "c", "1"));
        table.Set(Macro('U', "x", "unknown", "u", "2"));
        table.Set(Macro('H', "h", "3"));
        table.GetValue("x").Should().Be("rcpt");
        table.ToList().Should().Equal(
            new KeyValuePair<string, string>("x", "rcpt"),
            new KeyValuePair<string, string>("h", "3"),
            new KeyValuePair<string, string>("c", "1"),
            new KeyValuePair<string, string>("u", "2"));

        table.Set(Macro('C', "c", "shorter"));
        table.GetValue("c").Should().Be("shorter");
        table.GetValue("u").Should().Be("2");
        table.GetValue("h").Should().Be("3");
        table.Set(Macro('H'));
        table.GetValue("h").Should().BeNull();
        table.GetValue("x").Should().Be("rcpt");
    }
}
