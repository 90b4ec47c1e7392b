using System.Net;
using FluentAssertions;
using Milter.Protocol.Client;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>
/// <see cref="MilterClient"/> in the Postfix flavor against what a real Postfix 3.7.11 sent (Captures/, recorded with
/// a packet-logging milter behind tests/e2e/postfix-rig.sh), and each Postfix-only habit on its own.
/// </summary>
public class MilterClientPostfixTests
{
    private static readonly KeyValuePair<string, string>[] QueueId = [new("i", "4A1B2C3D")];

    private static string CapturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Captures", name);

    [TestCase("postfix-3.7-default.log", MtaFlavor.Postfix)]
    [TestCase("postfix-3.7-policy-symlist.log", MtaFlavor.Postfix)]
    [TestCase("sendmail-8.17-default.log", MtaFlavor.Sendmail)]
    public async Task CapturedSession_Replayed_SendsTheSamePacketsInTheSameOrder(string capture, MtaFlavor flavor)
    {
        List<CapturedPacket> expected = Session(capture);

        IReadOnlyList<CapturedPacket> sent = await ReplayAsync(expected, flavor);

        sent.Select(p => p.Canonical).Should().Equal(expected.Select(p => p.Canonical));
    }

    [Test]
    public async Task PostfixCapture_ReplayedAsSendmail_DiffersInTheAborts()
    {
        List<CapturedPacket> expected = Session("postfix-3.7-default.log");

        IReadOnlyList<CapturedPacket> sent = await ReplayAsync(expected, MtaFlavor.Sendmail);

        sent.Count(p => p.Command == 'A').Should().Be(0);
        expected.Count(p => p.Command == 'A').Should().Be(3, "Postfix: ABORT after each of the two messages and once more before QUIT");
    }

    [Test]
    public void PostfixCapture_HasNoQueueIdAtMail_AndAtTheFirstRecipient()
    {
        List<CapturedPacket> capture = Session("postfix-3.7-default.log");
        string[] envelopeMacros = capture.Where(p => p.Command == 'D' && p.Data[0] is (byte)'M' or (byte)'R').Select(p => p.Canonical).ToArray();

        envelopeMacros[0].Should().StartWith("D M{mail_addr}").And.NotContain("\\0i\\0");
        envelopeMacros[1].Should().StartWith("D R{rcpt_addr}", "no queue file before the first accepted RCPT");
        envelopeMacros[2].Should().StartWith("D Ri\\0", "the queue id comes with the second RCPT");
    }

    [Test]
    public void PostfixCapture_WithThePolicysSymbolLists_UnknownClientFacts()
    {
        List<CapturedPacket> capture = Session("postfix-3.7-policy-symlist.log");

        capture.First(p => p.Command == 'D' && p.Data[0] == (byte)'C').Canonical.Should().Be(
            "D Cj\\0mta.test.example\\0_\\0unknown [127.0.0.8]\\0{daemon_name}\\0mta.test.example\\0{client_addr}\\0127.0.0.8\\0{client_name}\\0unknown\\0{client_resolve}\\0FAIL\\0");
        capture.Single(p => p.Command == 'C').Canonical.Should().StartWith("C [127.0.0.8]\\04", "the CONNECT host of a client without a name is the bracketed address");
        capture.First(p => p.Command == 'D' && p.Data[0] == (byte)'M').Canonical.Should().Be("D M{mail_addr}\\0a@b.example\\0", "no i at MAIL");
    }

    [TestCase(MtaFlavor.Postfix, "D L|L|D N|N|D B|B|D E|E|A")]
    [TestCase(MtaFlavor.Sendmail, "L|N|B|D E|E")]
    public async Task MessageWithoutMacroValues_MacroPacketsBeforeEachHeaderBodyAndEom_AbortAfterEomOnlyForPostfix(MtaFlavor flavor, string expected)
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = flavor });
        await OpenAsync(milter.Client);
        int mark = milter.Packets.Count;

        await milter.Client.HeaderAsync("Subject", "x");
        await milter.Client.EndOfHeadersAsync();
        await milter.Client.BodyAsync("body\r\n"u8.ToArray());
        await milter.Client.EndOfMessageAsync();

        (await milter.FinishAsync()).Skip(mark).Select(p => p.Command == 'D' ? $"D {(char)p.Data[0]}" : p.Command.ToString())
            .Should().Equal(expected.Split('|'));
    }

    [Test]
    public async Task PostfixFlavor_MacroValues_SentBeforeEveryHeaderAndEveryBodyChunk()
    {
        var options = new MilterClientOptions { Flavor = MtaFlavor.Postfix };
        options.Macros['L'] = QueueId;
        options.Macros['B'] = QueueId;
        await using var milter = new RecordingMilter(options);
        await OpenAsync(milter.Client);
        int mark = milter.Packets.Count;

        await milter.Client.HeaderAsync("A", "1");
        await milter.Client.HeaderAsync("B", "2");
        await milter.Client.BodyAsync(new byte[70000]); // two chunks: 65535 + 4465

        (await milter.FinishAsync()).Skip(mark).Select(p => p.Command == 'B' ? $"B {p.Data.Length}" : p.Canonical)
            .Should().Equal("D Li\\04A1B2C3D\\0", "L A\\01\\0", "D Li\\04A1B2C3D\\0", "L B\\02\\0", "D Bi\\04A1B2C3D\\0", "B 65535", "D Bi\\04A1B2C3D\\0", "B 4465");
    }

    [TestCase(MtaFlavor.Postfix, "D U|U")]
    [TestCase(MtaFlavor.Sendmail, "U")]
    public async Task UnknownCommand_EmptyMacroPacketFirst_OnlyForPostfix(MtaFlavor flavor, string expected)
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = flavor });
        await OpenAsync(milter.Client);
        int mark = milter.Packets.Count;

        await milter.Client.UnknownAsync("XFOO");

        (await milter.FinishAsync()).Skip(mark).Select(p => p.Canonical).Should().Equal(expected == "U" ? ["U XFOO\\0"] : ["D U", "U XFOO\\0"]);
    }

    [TestCase(true, "A|Q")]
    [TestCase(false, "Q")]
    public async Task PostfixFlavor_Quit_AbortsFirstOnlyWhenTheSessionSaidHelo(bool helo, string expected)
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = MtaFlavor.Postfix });
        await milter.Client.NegotiateAsync(default);
        await milter.Client.ConnectAsync("[192.0.2.1]", IPAddress.Parse("192.0.2.1"), 25);
        if (helo)
        {
            await milter.Client.HeloAsync("client.example");
        }

        int mark = milter.Packets.Count;
        await milter.Client.QuitAsync();

        (await milter.FinishAsync()).Skip(mark).Select(p => p.Command.ToString()).Should().Equal(expected.Split('|'));
    }

    [Test]
    public async Task SendmailFlavor_Quit_NeverAborts()
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = MtaFlavor.Sendmail });
        await OpenAsync(milter.Client);
        int mark = milter.Packets.Count;

        await milter.Client.QuitAsync();

        (await milter.FinishAsync()).Skip(mark).Select(p => p.Command.ToString()).Should().Equal("Q");
    }

    [TestCase(MtaFlavor.Postfix, "2001:db8::7")]
    [TestCase(MtaFlavor.Sendmail, "IPv6:2001:db8::7")]
    public async Task ConnectFromIPv6_AddressOnTheWire_BareForPostfix_PrefixedForSendmail(MtaFlavor flavor, string wire)
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = flavor });
        await milter.Client.NegotiateAsync(default);

        await milter.Client.ConnectAsync("[2001:db8::7]", IPAddress.Parse("2001:db8::7"), 0x1234);

        CapturedPacket connect = (await milter.FinishAsync()).Single(p => p.Command == 'C');
        connect.Canonical.Should().Be($"C [2001:db8::7]\\06\u0012\u0034{wire}\\0");
    }

    private static async Task OpenAsync(MilterClient client)
    {
        await client.NegotiateAsync(default);
        await client.ConnectAsync("[192.0.2.1]", IPAddress.Parse("192.0.2.1"), 25);
        await client.HeloAsync("client.example");
        await client.MailAsync("<a@example.org>");
        await client.RcptAsync("<b@example.net>");
        await client.DataAsync();
    }

    /// <summary>The capture's SMTP session: the connection that said HELO (the other one is the rig's greeting probe).</summary>
    private static List<CapturedPacket> Session(string capture) =>
        CapturedPacket.ParseLog(File.ReadAllLines(CapturePath(capture))).Values.Single(packets => packets.Any(p => p.Command == 'H'));

    private static async Task<IReadOnlyList<CapturedPacket>> ReplayAsync(IReadOnlyList<CapturedPacket> capture, MtaFlavor flavor)
    {
        await using var milter = new RecordingMilter(new MilterClientOptions { Flavor = flavor, ReadTimeout = TimeSpan.FromSeconds(5) });
        await CaptureReplay.RunAsync(milter.Client, capture);
        return await milter.FinishAsync();
    }
}
