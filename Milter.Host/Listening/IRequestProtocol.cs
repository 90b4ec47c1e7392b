using System.Buffers;
using System.IO.Pipelines;

namespace Milter.Host.Listening;

/// <summary>A request/answer protocol served by <see cref="RequestLoop"/>: how a request is cut from the bytes, and answered.</summary>
internal interface IRequestProtocol
{
    /// <summary>
    /// Cuts one request from the front of <paramref name="buffer"/>: <see cref="OperationStatus.Done"/> (consumed),
    /// <see cref="OperationStatus.NeedMoreData"/> (nothing consumed) or <see cref="OperationStatus.InvalidData"/> (the
    /// stream cannot be resynchronised: answered with <see cref="WriteInvalid"/>, then closed).
    /// </summary>
    OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out string request);

    /// <summary>Writes the answer to one request (flushed with the others of its batch).</summary>
    ValueTask AnswerAsync(string request, PipeWriter output, CancellationToken cancellationToken);

    /// <summary>Writes the answer to bytes that are not a request.</summary>
    void WriteInvalid(PipeWriter output);
}
