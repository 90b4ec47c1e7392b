using System.Buffers;
using FluentAssertions;
using Milter.Protocol.Framing;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;
using static Milter.Protocol.Tests.Support.Frames;

namespace Milter.Protocol.Tests;

public class MilterFrameReaderTests
{
    public static IEnumerable<TestCaseData> ValidCommandFrames()
    {
        var frames = new (string Name, byte[] Frame)[]
        {
            ("OPTNEG", OptNeg()),
            ("MACRO", Frame('D', Raw("C"), Z("j"), Z("mx.example.org"), Z("{daemon_name}"), Z("MTA"))),
            ("MACRO empty", Frame('D', Raw("H"))),
            ("CONNECT 4", Connect4()),
            ("CONNECT 6 prefixed", Frame('C', Z("h"), Raw("6"), U16(25), Z("IPv6:2001:db8::1"))),
            ("CONNECT 6 bare", Frame('C', Z("h"), Raw("6"), U16(25), Z("2001:db8::1"))),
            ("CONNECT L", Frame('C', Z("h"), Raw("L"), U16(0), Z("/var/run/x"))),
            ("CONNECT U", Frame('C', Z("h"), Raw("U"))),
            ("HELO", Frame('H', Z("client.example"))),
            ("MAIL", Frame('M', Z("<alice@example.org>"), Z("SIZE=100"), Z("BODY=8BITMIME"))),
            ("RCPT", Frame('R', Z("<bob@example.com>"))),
            ("DATA", Frame('T')),
            ("HEADER", Frame('L', Z("Subject"), Z("hi\n\tthere"))),
            ("EOH", Frame('N')),
            ("BODY", Frame('B', Raw("line\r\n"))),
            ("BODYEOB", Frame('E')),
            ("ABORT", Frame('A')),
            ("QUIT", Frame('Q')),
            ("QUIT_NC", Frame('K')),
            ("UNKNOWN", Frame('U', Z("XFOO bar"))),
        };
        foreach ((string name, byte[] frame) in frames)
        {
            foreach (string shape in SequenceShapes.Names)
            {
                yield return new TestCaseData(frame, shape).SetName($"TryReadFrame_{name}_{shape}_ReadsWholeFrameAndDecodes");
            }
        }
    }

    [TestCaseSource(nameof(ValidCommandFrames))]
    public void TryReadFrame_ValidFrame_ReadsItAndEveryStrictPrefixNeedsMore(byte[] frame, string shape)
    {
        ReadOnlySequence<byte> whole = SequenceShapes.Make(shape, frame);
        var reader = new SequenceReader<byte>(whole);
        MilterFrameReader.TryReadFrame(ref reader, 65535, MilterFrameReader.IsCommandCode, out byte code, out ReadOnlySequence<byte> data).Should().BeTrue();
        code.Should().Be(frame[4]);
        data.ToArray().Should().Equal(frame[5..]);
        reader.Consumed.Should().Be(frame.Length);
        CommandDecoding.Decode(code, data.ToArray()); // every decoder accepts its valid frame

        for (int n = 0; n < frame.Length; n++)
        {
            var prefix = new SequenceReader<byte>(SequenceShapes.Make(shape, frame[..n]));
            MilterFrameReader.TryReadFrame(ref prefix, 65535, MilterFrameReader.IsCommandCode, out _, out _).Should().BeFalse($"a {n}-byte prefix is incomplete");
            prefix.Consumed.Should().Be(0, $"nothing is consumed from a {n}-byte prefix");
        }
    }

    [TestCaseSource(typeof(SequenceShapes), nameof(SequenceShapes.Names))]
    public void TryReadFrame_ManyFramesInOneBuffer_ReadsEachInOrder(string shape)
    {
        byte[] bytes = Concat(Frame('H', Z("a")), Frame('D', Raw("M")), Frame('M', Z("<x@y>")));
        var reader = new SequenceReader<byte>(SequenceShapes.Make(shape, bytes));
        var codes = new List<char>();
        while (MilterFrameReader.TryReadFrame(ref reader, 65535, MilterFrameReader.IsCommandCode, out byte code, out _))
        {
            codes.Add((char)code);
        }

        codes.Should().Equal('H', 'D', 'M');
        reader.End.Should().BeTrue();
    }

    [Test]
    public void TryReadFrame_ZeroLength_IsRefused()
    {
        ReadOnlySequence<byte> buffer = new ReadOnlySequence<byte>(Concat(U32(0), Connect4()));
        Action read = () => MilterFrameReader.TryReadFrame(ref buffer, 65535, MilterFrameReader.IsCommandCode, out _, out _);
        read.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.ZeroLength);
    }

    [TestCase(65537u)] // data length 65536, one over
    [TestCase(0xFFFFFFFFu)]
    [TestCase(0x80000000u)]
    public void TryReadFrame_LengthOverMaximum_IsRefusedFromTheLengthAlone(uint length)
    {
        // Only the four length bytes are present: the refusal must not wait for (or allocate) the payload.
        ReadOnlySequence<byte> buffer = new ReadOnlySequence<byte>(U32(length));
        Action read = () => MilterFrameReader.TryReadFrame(ref buffer, 65535, MilterFrameReader.IsCommandCode, out _, out _);
        read.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.FrameTooLarge);
    }

    [Test]
    public void TryReadFrame_MaximumDataLength_IsAccepted()
    {
        byte[] frame = Frame('B', new byte[65535]);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(frame));
        MilterFrameReader.TryReadFrame(ref reader, 65535, MilterFrameReader.IsCommandCode, out _, out ReadOnlySequence<byte> data).Should().BeTrue();
        data.Length.Should().Be(65535);
    }

    [TestCase('Z')]
    [TestCase('\0')]
    [TestCase('c')]
    public void TryReadFrame_UnknownCommandCode_IsRefusedBeforeThePayload(char code)
    {
        byte[] header = Frame(code, new byte[100])[..5];
        ReadOnlySequence<byte> buffer = new ReadOnlySequence<byte>(header);
        Action read = () => MilterFrameReader.TryReadFrame(ref buffer, 65535, MilterFrameReader.IsCommandCode, out _, out _);
        read.Should().Throw<MilterProtocolException>().Which.Violation.Should().Be(ProtocolViolation.UnknownCode);
    }
}
