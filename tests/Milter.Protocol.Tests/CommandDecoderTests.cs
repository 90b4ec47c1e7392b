using System.Net;
using FluentAssertions;
using Milter.Protocol.Commands;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

public class CommandDecoderTests
{
    private static byte[] Data(byte[] frame) => frame[5..];

    [Test]
    public void Connect_Family4_DecodesHostPortAndAddress()
    {
        ConnectCommand c = ConnectCommand.Parse(Data(Connect4("mx.example", "192.0.2.9", 2525)));
        c.Hostname.ToString().Should().Be("mx.example");
        c.Family.Should().Be(ConnectFamily.Inet);
        c.Port.Should().Be(2525);
        c.Address.ToString().Should().Be("192.0.2.9");
        c.TryGetIPAddress(out IPAddress? ip).Should().BeTrue();
        ip.Should().Be(IPAddress.Parse("192.0.2.9"));
    }

    [TestCase("IPv6:2001:db8::1")]
    [TestCase("2001:db8::1")]
    [TestCase("ipv6:2001:DB8:0:0:0:0:0:1")]
    public void Connect_Family6_WithOrWithoutPrefix_GivesTheSameAddress(string text)
    {
        ConnectCommand c = ConnectCommand.Parse(Data(Frame('C', Z("h"), Raw("6"), U16(25), Z(text))));
        c.Family.Should().Be(ConnectFamily.Inet6);
        c.Address.ToString().Should().Be(text);
        c.TryGetIPAddress(out IPAddress? ip).Should().BeTrue();
        ip.Should().Be(IPAddress.Parse("2001:db8::1"));
    }

    [Test]
    public void Connect_FamilyUnix_KeepsThePath()
    {
        ConnectCommand c = ConnectCommand.Parse(Data(Frame('C', Z("localhost"), Raw("L"), U16(0), Z("/run/s"))));
        c.Family.Should().Be(ConnectFamily.Unix);
        c.Address.ToString().Should().Be("/run/s");
        c.TryGetIPAddress(out _).Should().BeFalse();
    }

    [Test]
    public void Connect_FamilyUnknown_HasNoPortOrAddress()
    {
        ConnectCommand c = ConnectCommand.Parse(Data(Frame('C', Z("h"), Raw("U"))));
        c.Family.Should().Be(ConnectFamily.Unknown);
        c.Port.Should().Be(0);
        c.Address.IsEmpty.Should().BeTrue();
    }

    public static IEnumerable<TestCaseData> MalformedConnects()
    {
        yield return new TestCaseData(Raw("host"), ProtocolViolation.MissingNul).SetName("Connect_HostnameWithoutNul_IsRefused");
        yield return new TestCaseData(Z("host"), ProtocolViolation.Truncated).SetName("Connect_NoFamily_IsRefused");
        yield return new TestCaseData(Concat(Z("h"), Raw("4")), ProtocolViolation.Truncated).SetName("Connect_NoPort_IsRefused");
        yield return new TestCaseData(Concat(Z("h"), Raw("4"), new byte[] { 0 }), ProtocolViolation.Truncated).SetName("Connect_HalfAPort_IsRefused");
        yield return new TestCaseData(Concat(Z("h"), Raw("4"), U16(25)), ProtocolViolation.Truncated).SetName("Connect_NoAddress_IsRefused");
        yield return new TestCaseData(Concat(Z("h"), Raw("4"), U16(25), Raw("1.2.3.4")), ProtocolViolation.MissingNul).SetName("Connect_AddressWithoutNul_IsRefused");
        yield return new TestCaseData(Concat(Z("h"), Raw("X"), U16(25), Z("1.2.3.4")), ProtocolViolation.InvalidValue).SetName("Connect_UnknownFamily_IsRefused");
    }

    [TestCaseSource(nameof(MalformedConnects))]
    public void Connect_Malformed_IsRefusedWithItsReason(byte[] data, ProtocolViolation violation)
    {
        Action parse = () => ConnectCommand.Parse(data);
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(violation);
    }

    [Test]
    public void Mail_KeepsAngleBracketsAndEsmtpArgumentsVerbatim()
    {
        EnvelopeCommand m = EnvelopeCommand.Parse(Data(Frame('M', Z("<alice@example.org>"), Z("size=190"), Z("SIZE=300"))), "MAIL");
        m.Address.ToString().Should().Be("<alice@example.org>");
        m.Arguments.ToArray().Should().Equal("size=190", "SIZE=300");
    }

    [Test]
    public void Mail_NullSender_IsTwoBrackets()
    {
        EnvelopeCommand m = EnvelopeCommand.Parse(Data(Frame('M', Z("<>"))), "MAIL");
        m.Address.ToString().Should().Be("<>");
        m.Arguments.Count.Should().Be(0);
    }

    [Test]
    public void Rcpt_ArgumentWithoutNul_IsRefused()
    {
        Action parse = () => EnvelopeCommand.Parse(Concat(Z("<b@x>"), Raw("NOTIFY=NEVER")), "RCPT");
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.MissingNul);
    }

    [Test]
    public void Rcpt_Empty_IsRefused()
    {
        Action parse = () => EnvelopeCommand.Parse(Array.Empty<byte>(), "RCPT");
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.Truncated);
    }

    [Test]
    public void Header_KeepsFoldingAnd8BitBytes()
    {
        byte[] value = [.. Raw("caf"), 0xE9, (byte)'\n', (byte)'\t', (byte)'x', 0];
        HeaderCommand h = HeaderCommand.Parse(Concat(Z("Subject"), value));
        h.Name.ToString().Should().Be("Subject");
        h.Value.Span.ToArray().Should().Equal(value[..^1]);
        h.Value.ToString().Should().Be("caf\u00e9\n\tx");
    }

    [Test]
    public void Header_ValueWithoutNul_IsRefused()
    {
        Action parse = () => HeaderCommand.Parse(Concat(Z("Subject"), Raw("abc")));
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.MissingNul);
    }

    [Test]
    public void Header_NoValue_IsRefused()
    {
        Action parse = () => HeaderCommand.Parse(Z("Subject"));
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.Truncated);
    }

    [Test]
    public void Macro_StageOnly_IsAnEmptyList()
    {
        MacroCommand m = MacroCommand.Parse(Raw("H"));
        m.Stage.Should().Be((byte)'H');
        m.StringCount.Should().Be(0);
    }

    [Test]
    public void Macro_Empty_IsRefused()
    {
        Action parse = () => MacroCommand.Parse(Array.Empty<byte>());
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.Truncated);
    }

    [Test]
    public void OptNeg_ShortPayload_IsRefused()
    {
        Action parse = () => OptionNegotiationCommand.Parse(new byte[11]);
        parse.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.Truncated);
    }

    [Test]
    public void OptNeg_DecodesVersionActionsAndSteps()
    {
        OptionNegotiationCommand o = OptionNegotiationCommand.Parse(Data(OptNeg(4, 0x3F, 0x37F)));
        o.Should().Be(new OptionNegotiationCommand(4, (MilterActions)0x3F, (MilterProtocolFlags)0x37F));
    }

    [Test]
    public void Unknown_KeepsTheWholeLine()
    {
        UnknownCommand.Parse(Z("XFOO bar baz")).Line.ToString().Should().Be("XFOO bar baz");
    }
}
