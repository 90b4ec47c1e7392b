using System.IO.Pipelines;

namespace Milter.Host.Tests.Adapters;

/// <summary>One end of an in-memory milter connection: what it reads, what it writes.</summary>
internal sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;
}
