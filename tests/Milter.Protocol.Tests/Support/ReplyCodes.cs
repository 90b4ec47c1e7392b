using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using FluentAssertions;

namespace Milter.Protocol.Tests.Support;

/// <summary>What the MTA side of a connection received, read up to the end of the stream.</summary>
public static class ReplyCodes
{
    /// <summary>The code of every reply packet, in order ("Occ": OPTNEG, then two CONTINUE); fails on a partial packet.</summary>
    public static async Task<string> ReadToEndAsync(PipeReader input)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            if (!result.IsCompleted)
            {
                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            byte[] bytes = result.Buffer.ToArray();
            input.AdvanceTo(result.Buffer.End);
            return Of(bytes);
        }
    }

    /// <summary>The code of every packet in <paramref name="bytes"/>, which must hold whole packets only.</summary>
    public static string Of(byte[] bytes)
    {
        var codes = new StringBuilder();
        for (int at = 0; at < bytes.Length;)
        {
            bytes.Length.Should().BeGreaterThanOrEqualTo(at + 5, "replies are whole packets");
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            codes.Append((char)bytes[at + 4]);
            at += 4 + length;
        }

        return codes.ToString();
    }
}
