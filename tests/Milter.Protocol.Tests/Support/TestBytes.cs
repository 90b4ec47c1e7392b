namespace Milter.Protocol.Tests.Support;

/// <summary>Payloads for the transport tests.</summary>
internal static class TestBytes
{
    /// <summary>A pattern that does not repeat every 256 bytes, so a piece sent twice or out of order shows.</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 + (i >> 9));
        }

        return bytes;
    }
}
