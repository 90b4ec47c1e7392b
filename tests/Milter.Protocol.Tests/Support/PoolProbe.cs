using System.Buffers;
using System.Runtime.InteropServices;
using FluentAssertions;

namespace Milter.Protocol.Tests.Support;

/// <summary>
/// Tells whether an array went back to <see cref="ArrayPool{T}.Shared"/>. The shared pool keeps the array returned
/// last on a thread in that thread's slot for its size and hands it out first to the next rent of that size on the
/// same thread. So right after the code under test returned an array synchronously on this thread, renting its
/// size gives that very array back; any other array means it was kept (a leak) or not returned yet.
/// </summary>
internal static class PoolProbe
{
    /// <summary>The pooled array behind <paramref name="memory"/>.</summary>
    public static byte[] ArrayOf(ReadOnlyMemory<byte> memory)
    {
        MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment).Should().BeTrue();
        segment.Array!.Length.Should().BeGreaterThan(0);
        return segment.Array;
    }

    /// <summary>True when <paramref name="array"/> was the last array of its size returned to the shared pool on this thread.</summary>
    public static bool WasJustReturned(byte[] array)
    {
        byte[] next = ArrayPool<byte>.Shared.Rent(array.Length);
        ArrayPool<byte>.Shared.Return(next);
        return ReferenceEquals(next, array);
    }
}
