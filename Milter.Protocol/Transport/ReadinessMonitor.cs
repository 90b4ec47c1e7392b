using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>Something told when its socket has bytes (or an end) to read.</summary>
internal interface IReadinessTarget : IThreadPoolWorkItem
{
}

/// <summary>
/// One epoll instance and one thread for the whole process, for sockets with nothing to read (and for listening
/// sockets with nothing to accept, <see cref="Listening.ReadinessAcceptor"/>): an idle connection is
/// watched here (one slot, one edge-triggered registration for its lifetime) instead of holding a pending receive of
/// the runtime's socket engine, which costs about a kilobyte per connection (event args, operation, state machine,
/// async context). When bytes arrive the target runs: on this thread when it is the only socket ready (a lone
/// session then costs no thread hop per command: what decides its latency), on the thread pool when several are
/// (they then run in parallel), and always on this thread when the process has one processor (nothing can run in
/// parallel there, and a hop to the pool only adds a context switch) or when
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> asks the runtime's own engine to do so. Linux only:
/// <see cref="Shared"/> is null elsewhere, and the readers then wait with a zero-byte receive.
/// </summary>
internal sealed partial class ReadinessMonitor
{
    private const int EpollCtlAdd = 1;
    private const uint EpollIn = 0x001;
    private const uint EpollErr = 0x008;
    private const uint EpollHup = 0x010;
    private const uint EpollRdHup = 0x2000;
    private const uint EpollEdgeTriggered = 1u << 31;
    private const int EpollCloexec = 0x80000;
    private const int MaxEvents = 256;

    private static readonly Lazy<ReadinessMonitor?> Instance = new(Create);

    // epoll_event is packed on x86 and x86-64 (12 bytes), naturally aligned elsewhere (16).
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86 ? 12 : 16;
    private static readonly int DataOffset = EventSize - 8;

    private readonly int _epoll;
    private readonly bool _inline = ServesEveryTargetInline(Environment.ProcessorCount, Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"));
    private readonly Lock _lock = new();
    private IReadinessTarget?[] _targets = new IReadinessTarget?[1024];
    private uint[] _generations = new uint[1024];
    private readonly Stack<int> _free = new();
    private int _used;

    private ReadinessMonitor(int epoll)
    {
        _epoll = epoll;
        var thread = new Thread(Run) { IsBackground = true, Name = "Milter readiness" };
        thread.Start();
    }

    /// <summary>Whether every ready target runs on the monitor's thread, not only a lone one.</summary>
    internal static bool ServesEveryTargetInline(int processorCount, string? inlineCompletions) =>
        processorCount == 1 || inlineCompletions == "1";

    /// <summary>The process's monitor; null where epoll is not available.</summary>
    public static ReadinessMonitor? Shared => Instance.Value;

    /// <summary>Gives <paramref name="target"/> a slot; its key (slot and generation) goes into <see cref="Watch"/>.</summary>
    public ulong Register(IReadinessTarget target)
    {
        lock (_lock)
        {
            if (!_free.TryPop(out int slot))
            {
                if (_used == _targets.Length)
                {
                    Array.Resize(ref _targets, _targets.Length * 2);
                    Array.Resize(ref _generations, _generations.Length * 2);
                }

                slot = _used++;
            }

            _targets[slot] = target;
            return ((ulong)_generations[slot] << 32) | (uint)slot;
        }
    }

    /// <summary>Frees the slot of <paramref name="key"/>: a late event for it is dropped.</summary>
    public void Unregister(ulong key)
    {
        int slot = (int)(uint)key;
        lock (_lock)
        {
            if (_generations[slot] == (uint)(key >> 32))
            {
                _targets[slot] = null;
                _generations[slot]++;
                _free.Push(slot);
            }
        }
    }

    /// <summary>
    /// Watches the socket of <paramref name="handle"/> until it is closed: every arrival of bytes (or the end) runs the target of
    /// <paramref name="key"/>. Edge-triggered, so the target must remember an arrival it was not waiting for; bytes
    /// there already when the watch starts count as an arrival. False when epoll refused the socket.
    /// </summary>
    public bool Watch(SafeHandle handle, ulong key)
    {
        using var use = new DescriptorUse(handle);
        Span<byte> ev = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(ev, EpollIn | EpollRdHup | EpollEdgeTriggered);
        BinaryPrimitives.WriteUInt64LittleEndian(ev[DataOffset..], key);
        return Native.epoll_ctl(_epoll, EpollCtlAdd, use.Fd, ref MemoryMarshal.GetReference(ev)) == 0;
    }

    private static ReadinessMonitor? Create()
    {
        if (!OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian)
        {
            return null;
        }

        int epoll = Native.epoll_create1(EpollCloexec);
        return epoll < 0 ? null : new ReadinessMonitor(epoll);
    }

    private void Run()
    {
        byte[] events = GC.AllocateArray<byte>(MaxEvents * EventSize, pinned: true);
        while (true)
        {
            int count = Native.epoll_wait(_epoll, ref events[0], MaxEvents, -1);
            for (int i = 0; i < count; i++)
            {
                ReadOnlySpan<byte> ev = events.AsSpan(i * EventSize, EventSize);
                if ((BinaryPrimitives.ReadUInt32LittleEndian(ev) & (EpollIn | EpollRdHup | EpollHup | EpollErr)) == 0)
                {
                    continue;
                }

                ulong key = BinaryPrimitives.ReadUInt64LittleEndian(ev[DataOffset..]);
                IReadinessTarget? target;
                lock (_lock)
                {
                    int slot = (int)(uint)key;
                    target = slot < _used && _generations[slot] == (uint)(key >> 32) ? _targets[slot] : null;
                }

                if (target is null)
                {
                    continue;
                }

                if (_inline || count == 1)
                {
                    target.Execute();
                }
                else
                {
                    ThreadPool.UnsafeQueueUserWorkItem(target, preferLocal: false);
                }
            }
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc")]
        public static partial int epoll_create1(int flags);

        [LibraryImport("libc")]
        public static partial int epoll_ctl(int epoll, int operation, int fd, ref byte ev);

        [LibraryImport("libc")]
        public static partial int epoll_wait(int epoll, ref byte events, int maxEvents, int timeout);
    }
}
