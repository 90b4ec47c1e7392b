using System.Buffers;
using System.IO.Pipelines;

namespace Milter.Host.SocketMap;

/// <summary>Socketmap netstrings for the shared request loop: each request answered by <see cref="SocketMapResponder"/>; a malformed one gets <c>PERM</c>.</summary>
internal sealed class SocketMapRequests(SocketMapResponder responder) : Listening.IRequestProtocol
{
    public OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out string request)
    {
        OperationStatus status = Netstring.TryRead(ref buffer, out string? payload);
        request = payload ?? string.Empty;
        return status;
    }

    public async ValueTask AnswerAsync(string request, PipeWriter output, CancellationToken cancellationToken) =>
        Netstring.Write(output, await responder.AnswerAsync(request, cancellationToken).ConfigureAwait(false));

    public void WriteInvalid(PipeWriter output) => Netstring.Write(output, "PERM malformed netstring");
}
