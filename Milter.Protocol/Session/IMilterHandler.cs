using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;

namespace Milter.Protocol.Session;

/// <summary>
/// A filter: one method per SMTP stage, each answering with a <see cref="MilterResponse"/> (default: continue).
/// One instance serves one milter connection, so it may keep per-connection state in fields. Command data
/// (<see cref="MilterString"/> views, body chunks) is valid only until the method returns: call ToString() to keep it.
/// </summary>
public interface IMilterHandler
{
    /// <summary>What this filter asks for at option negotiation.</summary>
    MilterNegotiation Negotiation => MilterNegotiation.Default;

    ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> HeloAsync(MilterContext context, HeloCommand helo, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> DataAsync(MilterContext context, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> HeaderAsync(MilterContext context, HeaderCommand header, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> EndOfHeadersAsync(MilterContext context, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> BodyAsync(MilterContext context, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken) => Continue;

    /// <summary>End of message: the only place where <see cref="MilterContext"/>'s message changes are allowed.</summary>
    ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken) => Continue;

    ValueTask<MilterResponse> UnknownAsync(MilterContext context, UnknownCommand command, CancellationToken cancellationToken) => Continue;

    /// <summary>The current message ended without end-of-message (RSET, another milter rejected, client gone…).</summary>
    ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The SMTP session ended (QUIT, QUIT_NC, the MTA hung up, or the connection was closed on an error).</summary>
    ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    private static ValueTask<MilterResponse> Continue => new(MilterResponse.Continue);
}
