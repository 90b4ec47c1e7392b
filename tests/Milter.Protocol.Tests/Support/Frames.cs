using System.Buffers.Binary;
using System.Text;

namespace Milter.Protocol.Tests.Support;

/// <summary>Hand-built wire frames, independent of the encoders under test.</summary>
public static class Frames
{
    public static byte[] Frame(char code, params byte[][] parts)
    {
        byte[] data = parts.SelectMany(p => p).ToArray();
        var frame = new byte[5 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)data.Length + 1);
        frame[4] = (byte)code;
        data.CopyTo(frame, 5);
        return frame;
    }

    public static byte[] Z(string s) => [.. Encoding.Latin1.GetBytes(s), 0];

    public static byte[] Raw(string s) => Encoding.Latin1.GetBytes(s);

    public static byte[] U16(ushort v) => [(byte)(v >> 8), (byte)v];

    public static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    public static byte[] OptNeg(uint version = 6, uint actions = 0x1FF, uint steps = 0x1FFFFF) => Frame('O', U32(version), U32(actions), U32(steps));

    public static byte[] Connect4(string host = "client.example", string ip = "192.0.2.1", ushort port = 4242) =>
        Frame('C', Z(host), Raw("4"), U16(port), Z(ip));

    public static byte[] Concat(params byte[][] frames) => frames.SelectMany(f => f).ToArray();
}
