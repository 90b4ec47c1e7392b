namespace Milter.Host.Logging;

/// <summary>
/// The bounded, batching queue between the sessions and the log output. A line is formatted under a short lock straight
/// into the current chunk (UTF-8, no allocation: <see cref="Begin"/>); a background thread hands whole chunks to the
/// <see cref="LogTarget"/>, one write per chunk. When every chunk is waiting for the output (a stalled journal or
/// syslog daemon), new lines are dropped and counted rather than making a session wait; the count is reported in the
/// output once per <see cref="DropReportInterval"/> and read by the <c>log.lines.dropped.total</c> metric.
/// <see cref="Dispose"/> writes everything still queued: no line is lost at a clean stop.
/// </summary>
internal sealed class LogSink : IDisposable
{
    /// <summary>The longest line; longer ones are cut.</summary>
    public const int MaxLineBytes = 8192;

    public static readonly TimeSpan DropReportInterval = TimeSpan.FromSeconds(10);

    private readonly LogTarget _target;
    private readonly int _chunkBytes;
    private readonly int _maxChunks;
    private readonly TimeSpan _batchDelay;
    private readonly Func<long, byte[], int>? _dropReport;
    private readonly Lock _lock = new();
    // Neither wait spins (spin count 0): the writer shares the sessions' processor, and where the milter has one (a
    // container, a pinned benchmark) a spinning or yielding writer takes it from the session whose reply is due.
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 0);
    private readonly ManualResetEventSlim _cutShort = new(false, spinCount: 0); // a full chunk or the stop ends the batch wait
    private readonly Queue<Chunk> _ready = new();
    private readonly Stack<Chunk> _free = new();
    private readonly Thread _thread;
    private readonly byte[] _late = new byte[MaxLineBytes];
    private Chunk? _current;
    private int _chunks;
    private bool _signalled;
    private bool _stopping;
    private bool _disposed;
    private long _dropped;
    private long _lines;
    private int _commitLength; // of the line being written (under the lock)
    private bool _batching;
    private int _writerThreadId;

    /// <param name="target">Where the batches go (written from the background thread only, and at dispose).</param>
    /// <param name="chunkBytes">Bytes per chunk, at least <see cref="MaxLineBytes"/>.</param>
    /// <param name="maxChunks">The bound: at most this many chunks exist (64 KiB × 16 = 1 MiB by default).</param>
    /// <param name="batchDelay">At most one write per this interval while lines keep coming (the first after a quiet spell and a full chunk go at once).</param>
    /// <param name="dropReport">Formats the line that reports N dropped lines into the buffer and returns its length.</param>
    public LogSink(LogTarget target, int chunkBytes = 64 * 1024, int maxChunks = 16, TimeSpan? batchDelay = null, Func<long, byte[], int>? dropReport = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, MaxLineBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 2);
        _target = target;
        _chunkBytes = chunkBytes;
        _maxChunks = maxChunks;
        _batchDelay = batchDelay ?? TimeSpan.FromMilliseconds(20);
        _dropReport = dropReport;
        _thread = new Thread(Run) { IsBackground = true, Name = "milter log writer" };
        _thread.Start();
    }

    /// <summary>Lines dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The writer is letting lines gather (tests wait for this before they stop the sink).</summary>
    internal bool Batching => Volatile.Read(ref _batching);

    /// <summary>The writer thread's id on Linux once it runs (0 before, or elsewhere).</summary>
    internal int WriterThreadId => Volatile.Read(ref _writerThreadId);

    /// <summary>Lines accepted into the queue, since start.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>
    /// Reserves up to <paramref name="maxBytes"/> (capped at <see cref="MaxLineBytes"/>) for one line and holds the lock
    /// until the returned scope is disposed; format into <see cref="LineScope.Buffer"/> and call <see cref="LineScope.Commit"/>.
    /// An empty buffer means the line is dropped (queue full).
    /// </summary>
    public LineScope Begin(int maxBytes)
    {
        maxBytes = Math.Clamp(maxBytes, 1, MaxLineBytes);
        _lock.Enter();
        try
        {
            if (_disposed)
            {
                return new LineScope(this, _late.AsSpan(0, maxBytes), null);
            }

            if (_current is null || _current.Free < maxBytes)
            {
                Rotate();
            }

            if (_current is null)
            {
                _dropped++;
                _lock.Exit();
                return default;
            }

            return new LineScope(this, _current.Buffer.AsSpan(_current.Length, maxBytes), _current);
        }
        catch
        {
            _lock.Exit();
            throw;
        }
    }

    /// <summary>Queues a line formatted elsewhere (copied).</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        LineScope scope = Begin(line.Length);
        using (scope)
        {
            if (scope.Buffer.Length >= line.Length)
            {
                line.CopyTo(scope.Buffer);
                scope.Commit(line.Length);
            }
        }
    }

    /// <summary>Writes everything queued, then stops the writer. Lines logged afterwards are written at once.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        _cutShort.Set();
        _signal.Set();
        if (!_thread.Join(TimeSpan.FromSeconds(10)))
        {
            return; // the output is stuck (a blocked pipe): do not hang the stop on it
        }

        lock (_lock)
        {
            _disposed = true;
        }

        _target.Dispose(); // a line logged after this is written at once (the target reopens what it needs)
    }

    private void Rotate()
    {
        if (_current is { Length: > 0 })
        {
            _ready.Enqueue(_current);
            _current = null;
            Signal();
            _cutShort.Set();
        }

        if (_current is null)
        {
            if (_free.Count > 0)
            {
                _current = _free.Pop();
            }
            else if (_chunks < _maxChunks)
            {
                _chunks++;
                _current = new Chunk(_chunkBytes);
            }
        }
    }

    private void EndLine(Chunk? chunk, Span<byte> line)
    {
        int length = _commitLength;
        _commitLength = 0;
        try
        {
            if (length <= 0)
            {
                return;
            }

            if (chunk is null)
            {
                _target.Write(line[..length]); // after dispose: no writer thread any more
                return;
            }

            chunk.Length += length;
            _lines++;
            if (!_signalled)
            {
                Signal();
            }
        }
        finally
        {
            _lock.Exit();
        }
    }

    private void Signal()
    {
        _signalled = true;
        _signal.Set();
    }

    private void Run()
    {
        WriterPriority.LowerCurrentThread();
        Volatile.Write(ref _writerThreadId, WriterPriority.CurrentThreadIdOrZero());
        var batch = new List<Chunk>(_maxChunks);
        byte[] report = new byte[MaxLineBytes];
        long reported = 0;
        long nextReport = 0;
        long lastWrite = long.MinValue / 2;
        while (true)
        {
            _signal.Wait();
            bool stopping, full;
            lock (_lock)
            {
                stopping = _stopping;
                full = _ready.Count > 0;
            }

            // After a quiet spell the first line goes out at once; while lines keep coming, they gather for the rest of
            // the batch delay (one write for many). A chunk filled meanwhile, or the stop, cuts the wait short.
            long wait = lastWrite + (long)_batchDelay.TotalMilliseconds - Environment.TickCount64;
            if (!stopping && !full && wait > 0)
            {
                Volatile.Write(ref _batching, true);
                _cutShort.Wait(TimeSpan.FromMilliseconds(wait));
                Volatile.Write(ref _batching, false);
            }

            lock (_lock)
            {
                while (_ready.Count > 0)
                {
                    batch.Add(_ready.Dequeue());
                }

                if (_current is { Length: > 0 })
                {
                    batch.Add(_current);
                    _current = _free.Count > 0 ? _free.Pop() : null;
                }

                _signalled = false;
                stopping = _stopping;
                _signal.Reset(); // the lines of every signal so far are in this batch (signals are sent under the lock)
                if (!stopping)
                {
                    _cutShort.Reset(); // every full chunk so far is in this batch too
                }
            }

            foreach (Chunk chunk in batch)
            {
                _target.Write(chunk.Buffer.AsSpan(0, chunk.Length));
            }

            lastWrite = Environment.TickCount64;

            lock (_lock)
            {
                foreach (Chunk chunk in batch)
                {
                    chunk.Length = 0;
                    if (_current is null)
                    {
                        _current = chunk;
                    }
                    else
                    {
                        _free.Push(chunk);
                    }
                }
            }

            batch.Clear();
            long dropped = Dropped;
            long now = Environment.TickCount64;
            if (dropped > reported && _dropReport is not null && (now >= nextReport || stopping))
            {
                _target.Write(report.AsSpan(0, _dropReport(dropped - reported, report)));
                reported = dropped;
                nextReport = now + (long)DropReportInterval.TotalMilliseconds;
            }

            if (stopping)
            {
                lock (_lock)
                {
                    if (_ready.Count == 0 && _current is not { Length: > 0 })
                    {
                        return;
                    }
                }

                _signal.Set();
            }
        }
    }

    /// <summary>The lock held for one line: dispose releases it, and queues the line if <see cref="Commit"/> was called.</summary>
    internal readonly ref struct LineScope
    {
        private readonly LogSink? _sink;
        private readonly Chunk? _chunk;

        internal LineScope(LogSink sink, Span<byte> buffer, Chunk? chunk)
        {
            _sink = sink;
            Buffer = buffer;
            _chunk = chunk;
        }

        /// <summary>Where the line goes; empty when it was dropped.</summary>
        public Span<byte> Buffer { get; }

        /// <summary>The line is the first <paramref name="length"/> bytes of <see cref="Buffer"/>.</summary>
        public void Commit(int length)
        {
            if (_sink is not null)
            {
                _sink._commitLength = length;
            }
        }

        public void Dispose() => _sink?.EndLine(_chunk, Buffer);
    }

    internal sealed class Chunk(int size)
    {
        public byte[] Buffer { get; } = new byte[size];

        public int Length { get; set; }

        public int Free => Buffer.Length - Length;
    }
}
