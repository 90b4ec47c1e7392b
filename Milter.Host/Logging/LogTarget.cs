namespace Milter.Host.Logging;

/// <summary>Where <see cref="LogSink"/> writes its batches: whole lines, each ending in <c>\n</c>.</summary>
internal abstract class LogTarget : IDisposable
{
    /// <summary>Writes one batch of complete lines; never throws (a log output that fails must not stop the milter).</summary>
    public abstract void Write(ReadOnlySpan<byte> lines);

    /// <summary>Releases what the target holds; a later <see cref="Write"/> still works (it reopens what it needs).</summary>
    public virtual void Dispose()
    {
    }
}
