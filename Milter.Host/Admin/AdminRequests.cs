using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.Extensions.Logging;
using Milter.Host.Listening;
using Milter.Policy.Leases;

namespace Milter.Host.Admin;

/// <summary>
/// The admin socket's lines for <see cref="RequestLoop"/>: a request is a line of at most
/// <see cref="AdminProtocol.MaxLineLength"/> bytes (CR LF or LF); every line gets its answer, the ones that fail
/// validation included (<c>ERR …</c>); a longer line is answered <c>ERR line too long</c> and the connection closed.
/// </summary>
internal sealed partial class AdminRequests(ILeaseTable leases, ILogger logger) : IRequestProtocol
{
    public OperationStatus TryRead(ref ReadOnlySequence<byte> buffer, out string request)
    {
        request = string.Empty;
        ReadOnlySequence<byte> window = buffer.Length > AdminProtocol.MaxLineLength + 2 ? buffer.Slice(0, AdminProtocol.MaxLineLength + 2) : buffer;
        if (window.PositionOf((byte)'\n') is not { } newline)
        {
            return buffer.Length > AdminProtocol.MaxLineLength + 1 ? OperationStatus.InvalidData : OperationStatus.NeedMoreData;
        }

        ReadOnlySequence<byte> line = buffer.Slice(0, newline);
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        if (line.Length > AdminProtocol.MaxLineLength)
        {
            return OperationStatus.InvalidData;
        }

        request = Encoding.UTF8.GetString(line);
        buffer = buffer.Slice(buffer.GetPosition(1, newline));
        return OperationStatus.Done;
    }

    public async ValueTask AnswerAsync(string request, PipeWriter output, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> answer;
        if (request.Any(char.IsControl))
        {
            request = "(a request with control characters)"; // nor do they reach the log
            answer = ["ERR control characters are not allowed in a request"];
        }
        else
        {
            try
            {
                answer = await AdminProtocol.ExecuteAsync(request, leases, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Failed(logger, ex, request);
                answer = ["ERR the milter could not carry this out (see its log)"];
            }
        }

        Log.Command(logger, request, answer[^1]);
        foreach (string line in answer)
        {
            Write(output, line);
        }
    }

    public void WriteInvalid(PipeWriter output) => Write(output, "ERR line too long");

    private static void Write(PipeWriter output, string line)
    {
        Span<byte> span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(line.Length) + 1);
        int length = Encoding.UTF8.GetBytes(line, span);
        span[length] = (byte)'\n';
        output.Advance(length + 1);
    }
}
