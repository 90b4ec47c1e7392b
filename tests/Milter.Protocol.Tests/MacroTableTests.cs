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
}
