namespace Milter.Host.Logging;

/// <summary>Standard output (or any stream): one write call per batch.</summary>
internal sealed class StreamLogTarget(Stream stream) : LogTarget
{
    public static StreamLogTarget StandardOutput() => new(Console.OpenStandardOutput());

    public override void Write(ReadOnlySpan<byte> lines)
    {
        try
        {
            stream.Write(lines);
            stream.Flush();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
        {
            // stdout closed (the journal went away): nothing left to tell
        }
    }
}
