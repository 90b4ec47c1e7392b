using System.Text;
using Milter.Host.Logging;

namespace Milter.Host.Tests.Logging;

/// <summary>A log output that keeps every batch; <see cref="Hold"/> makes writes block (a stalled journal).</summary>
internal sealed class MemoryLogTarget : LogTarget
{
    private readonly List<byte[]> _batches = [];

    public ManualResetEventSlim Hold { get; } = new(initialState: true);

    public int Writes
    {
        get
        {
            lock (_batches)
            {
                return _batches.Count;
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_batches)
            {
                return string.Concat(_batches.Select(b => Encoding.UTF8.GetString(b)));
            }
        }
    }

    public string[] Lines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override void Write(ReadOnlySpan<byte> lines)
    {
        Hold.Wait();
        byte[] copy = lines.ToArray();
        lock (_batches)
        {
            _batches.Add(copy);
        }
    }
}
