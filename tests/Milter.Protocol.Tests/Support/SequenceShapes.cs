using System.Buffers;

namespace Milter.Protocol.Tests.Support;

/// <summary>The same bytes as one segment, one byte per segment, and with empty segments between bytes.</summary>
public static class SequenceShapes
{
    public static readonly string[] Names = ["single", "byte-per-segment", "empty-between"];

    public static ReadOnlySequence<byte> Make(string shape, byte[] bytes) => shape switch
    {
        "single" => new ReadOnlySequence<byte>(bytes),
        "byte-per-segment" => Build(bytes.Select(b => new[] { b }).ToList()),
        "empty-between" => Build(bytes.SelectMany(b => new[] { Array.Empty<byte>(), new[] { b } }).Append([]).ToList()),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    private static ReadOnlySequence<byte> Build(IReadOnlyList<byte[]> parts)
    {
        if (parts.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(parts[0], 0);
        Segment last = first;
        for (int i = 1; i < parts.Count; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
