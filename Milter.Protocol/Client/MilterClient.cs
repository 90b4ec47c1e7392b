using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Client;

/// <summary>
/// The MTA side of the milter protocol: negotiates, sends commands with their macro packets the way Sendmail
/// 8.17 (default) or Postfix does (<see cref="MtaHabits"/>), honours the negotiated <c>NO*</c>/<c>NR*</c> steps, and
/// raises a <see cref="MilterProtocolException"/> when the milter answers where it must not, with a response not
/// allowed at that step (<see cref="ReplyConformance"/>), or not in time (<see cref="ReplyChannel"/>). Not
/// thread-safe: one command at a time, as an MTA does.
/// </summary>
public sealed class MilterClient : IAsyncDisposable
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoMacros = [];
    private readonly ReplyChannel _channel;
    private readonly PipeWriter _output;
    private readonly MilterClientOptions _options;
    private readonly MtaHabits _habits;
    private readonly IAsyncDisposable? _owned;
    private bool _connectionVerdict;
    private bool _heloSeen;

    public MilterClient(IDuplexPipe transport, MilterClientOptions? options = null)
        : this(transport, options, null)
    {
    }

    private MilterClient(IDuplexPipe transport, MilterClientOptions? options, IAsyncDisposable? owned)
    {
        _channel = new ReplyChannel(transport);
        _output = transport.Output;
        _options = options ?? new MilterClientOptions();
        _habits = MtaHabits.Of(_options.Flavor);
        _owned = owned;
    }

    /// <summary>The milter's negotiation answer, after <see cref="NegotiateAsync"/>.</summary>
    public OptionNegotiationReply? NegotiationReply { get; private set; }

    /// <summary>The agreed options, after <see cref="NegotiateAsync"/>.</summary>
    public NegotiatedOptions Negotiated { get; private set; } = NegotiatedOptions.Initial;

    public MilterClientOptions Options => _options;

    /// <summary>Connects to a milter listening on a socket spec (<c>inet:PORT@HOST</c>, <c>unix:PATH</c>…).</summary>
    public static async Task<MilterClient> ConnectAsync(string socketSpec, MilterClientOptions? options, CancellationToken cancellationToken)
    {
        // The MTA side waits for a reply right after each send: a zero-byte read would only add a receive call.
        SocketTransport transport = await SocketTransport.ConnectAsync(MilterSocketSpec.Parse(socketSpec), SocketTransportOptions.Client, cancellationToken).ConfigureAwait(false);
        return new MilterClient(transport, options, transport);
    }

    /// <summary>Connects to a milter at an endpoint resolved once (a load generator opening many sessions).</summary>
    public static async Task<MilterClient> ConnectAsync(EndPoint endPoint, MilterClientOptions? options, CancellationToken cancellationToken)
    {
        SocketTransport transport = await SocketTransport.ConnectAsync(endPoint, SocketTransportOptions.Client, cancellationToken).ConfigureAwait(false);
        return new MilterClient(transport, options, transport);
    }

    /// <summary>OPTNEG: offers the configured version, actions and steps; checks the answer is a subset.</summary>
    public async Task<OptionNegotiationReply> NegotiateAsync(CancellationToken cancellationToken)
    {
        var offer = new OptionNegotiationCommand(_options.Version, _options.OfferedActions, _options.OfferedFlags);
        offer.Write(_output);
        (byte code, ReadOnlyMemory<byte> data) = await _channel.SendAndReadAsync("OPTNEG", _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        if (code != (byte)MilterResponseCode.OptionNegotiation)
        {
            throw ReplyConformance.Unexpected(code, "OPTNEG");
        }

        OptionNegotiationReply reply = OptionNegotiationReply.Parse(data);
        Negotiated = ReplyConformance.Negotiated(reply, _options);
        NegotiationReply = reply;
        return reply;
    }

    /// <summary>CONNECT with an IP client, written the way the flavor writes it (Sendmail: <c>IPv6:</c> prefix).</summary>
    public ValueTask<MilterReply> ConnectAsync(string hostname, IPAddress address, ushort port, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        ConnectFamily family = address.AddressFamily == AddressFamily.InterNetworkV6 ? ConnectFamily.Inet6 : ConnectFamily.Inet;
        return ConnectAsync(hostname, family, port, _habits.ClientAddress(address), macros, cancellationToken);
    }

    /// <summary>CONNECT with explicit family and address text.</summary>
    public async ValueTask<MilterReply> ConnectAsync(string hostname, ConnectFamily family, ushort port, string address, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('C', MilterProtocolFlags.NoConnect, macros))
        {
            return MilterReply.NotSent;
        }

        new ConnectCommand(hostname, family, port, address).Write(_output);
        MilterReply reply = await FinishStepAsync(MilterProtocolFlags.NoReplyConnect, "CONNECT", cancellationToken).ConfigureAwait(false);
        _connectionVerdict = reply.Kind == MilterReplyKind.Answered && reply.Code != MilterResponseCode.Continue;
        return reply;
    }

    public async ValueTask<MilterReply> HeloAsync(string name, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        _heloSeen = true; // the SMTP session said HELO, whether or not the milter is told
        if (!TryBeginStep('H', MilterProtocolFlags.NoHelo, macros))
        {
            return MilterReply.NotSent;
        }

        new HeloCommand(name).Write(_output);
        MilterReply reply = await FinishStepAsync(MilterProtocolFlags.NoReplyHelo, "HELO", cancellationToken).ConfigureAwait(false);
        _connectionVerdict |= reply.Kind == MilterReplyKind.Answered && reply.Code != MilterResponseCode.Continue;
        return reply;
    }

    public ValueTask<MilterReply> MailAsync(string sender, IReadOnlyList<string>? arguments = null, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('M', MilterProtocolFlags.NoMail, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        EnvelopeCommand.Write(_output, MilterCommandCode.Mail, sender, arguments ?? []);
        return FinishStepAsync(MilterProtocolFlags.NoReplyMail, "MAIL", cancellationToken);
    }

    public ValueTask<MilterReply> RcptAsync(string recipient, IReadOnlyList<string>? arguments = null, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('R', MilterProtocolFlags.NoRcpt, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        EnvelopeCommand.Write(_output, MilterCommandCode.Rcpt, recipient, arguments ?? []);
        return FinishStepAsync(MilterProtocolFlags.NoReplyRcpt, "RCPT", cancellationToken);
    }

    public ValueTask<MilterReply> DataAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (Negotiated.Version < 4 || !TryBeginStep('T', MilterProtocolFlags.NoData, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        MilterFrameWriter.WriteEmpty(_output, (byte)MilterCommandCode.Data);
        return FinishStepAsync(MilterProtocolFlags.NoReplyData, "DATA", cancellationToken);
    }

    public ValueTask<MilterReply> HeaderAsync(string name, string value, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('L', MilterProtocolFlags.NoHeaders, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        new HeaderCommand(name, value).Write(_output);
        return FinishStepAsync(MilterProtocolFlags.NoReplyHeader, "HEADER", cancellationToken);
    }

    public ValueTask<MilterReply> EndOfHeadersAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('N', MilterProtocolFlags.NoEndOfHeaders, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        MilterFrameWriter.WriteEmpty(_output, (byte)MilterCommandCode.EndOfHeaders);
        return FinishStepAsync(MilterProtocolFlags.NoReplyEndOfHeaders, "EOH", cancellationToken);
    }

    /// <summary>Sends the body in chunks of at most 65535 bytes; returns the first non-continue reply, else the last one.</summary>
    public async ValueTask<MilterReply> BodyAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        MilterReply last = MilterReply.NotSent;
        while (!body.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = body[..Math.Min(body.Length, ProtocolLimits.ChunkSize)];
            body = body[chunk.Length..];
            if (!TryBeginStep('B', MilterProtocolFlags.NoBody, null))
            {
                return MilterReply.NotSent;
            }

            MilterFrameWriter.WriteFrame(_output, (byte)MilterCommandCode.Body, chunk.Span);
            last = await FinishStepAsync(MilterProtocolFlags.NoReplyBody, "BODY", cancellationToken).ConfigureAwait(false);
            if (last.Kind == MilterReplyKind.Answered && last.Code != MilterResponseCode.Continue)
            {
                break;
            }
        }

        return last;
    }

    /// <summary>BODYEOB: collects the changes and PROGRESS packets, then the final reply. Postfix flavor sends ABORT afterwards.</summary>
    public async Task<EndOfMessageResult> EndOfMessageAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        _channel.CheckNoStrayResponse();
        WriteMacros('E', macros);
        MilterFrameWriter.WriteEmpty(_output, (byte)MilterCommandCode.EndOfMessage);
        var modifications = new List<MessageModification>();
        int progress = 0;
        // The overall limit is a deadline each reply read is cut to, not a second timer.
        long deadline = _options.EndOfMessageTimeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Environment.TickCount64 + (long)_options.EndOfMessageTimeout.TotalMilliseconds;
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            bool overall = deadline != long.MaxValue
                && (_options.ReadTimeout == Timeout.InfiniteTimeSpan || deadline - Environment.TickCount64 < (long)_options.ReadTimeout.TotalMilliseconds);
            TimeSpan timeout = overall ? TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)) : _options.ReadTimeout;
            (byte code, ReadOnlyMemory<byte> data) = await _channel.ReadAsync(overall ? "EOM (overall limit)" : "EOM", timeout, cancellationToken).ConfigureAwait(false);
            var response = (MilterResponseCode)code;
            if (response == MilterResponseCode.Progress)
            {
                progress++;
                continue;
            }

            if (MessageModification.IsModification(response))
            {
                modifications.Add(ReplyConformance.Modification(response, data, Negotiated));
                continue;
            }

            MilterReply reply = ReplyConformance.FinalReply(code, data, "EOM", endOfMessage: true, Negotiated, _habits) with { ProgressCount = progress };
            if (_habits.AbortsAfterMessage)
            {
                await AbortAsync(cancellationToken).ConfigureAwait(false);
            }

            return new EndOfMessageResult(reply, modifications);
        }
    }

    public ValueTask<MilterReply> UnknownAsync(string line, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (Negotiated.Version < 3)
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        if (!TryBeginStep('U', MilterProtocolFlags.NoUnknown, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        new UnknownCommand(line).Write(_output);
        return FinishStepAsync(MilterProtocolFlags.NoReplyUnknown, "UNKNOWN", cancellationToken);
    }

    /// <summary>A macro packet on its own (never answered).</summary>
    public async ValueTask SendMacrosAsync(char stage, IReadOnlyList<KeyValuePair<string, string>> macros, CancellationToken cancellationToken = default)
    {
        _channel.CheckNoStrayResponse();
        MacroCommand.Write(_output, (byte)stage, macros);
        await _channel.FlushNoReplyAsync("MACRO", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>ABORT (never answered).</summary>
    public ValueTask AbortAsync(CancellationToken cancellationToken = default) => SendNoReplyAsync(MilterCommandCode.Abort, "ABORT", cancellationToken);

    /// <summary>QUIT_NC: the connection stays open for another SMTP session (never answered).</summary>
    public ValueTask QuitNewConnectionAsync(CancellationToken cancellationToken = default)
    {
        _connectionVerdict = false;
        _heloSeen = false;
        return SendNoReplyAsync(MilterCommandCode.QuitNewConnection, "QUIT_NC", cancellationToken);
    }

    /// <summary>
    /// QUIT and close. Postfix sends ABORT first when the SMTP client said HELO, and closes without QUIT after a
    /// connection-level verdict; so does this client in the Postfix flavor.
    /// </summary>
    public async ValueTask QuitAsync(CancellationToken cancellationToken = default)
    {
        if (_habits.AbortsBeforeQuit(_heloSeen, _connectionVerdict))
        {
            await AbortAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_habits.QuitsAfter(_connectionVerdict))
        {
            await SendNoReplyAsync(MilterCommandCode.Quit, "QUIT", cancellationToken).ConfigureAwait(false);
        }

        await _output.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Writes raw bytes (for malformed-input tests) and flushes.</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one raw response packet (for tests that sent raw bytes).</summary>
    public async Task<(MilterResponseCode Code, byte[] Data)> ReadResponseAsync(CancellationToken cancellationToken = default)
    {
        (byte code, ReadOnlyMemory<byte> data) = await _channel.ReadAsync("raw", _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        return ((MilterResponseCode)code, data.ToArray());
    }

    /// <summary>True when the milter closed the connection (reads end of stream within <paramref name="wait"/>).</summary>
    public Task<bool> IsClosedByPeerAsync(TimeSpan wait) => _channel.IsClosedByPeerAsync(wait);

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        if (_owned is not null)
        {
            await _owned.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>False when the step was negotiated away; else checks for stray data and writes the stage's macros.</summary>
    private bool TryBeginStep(char stage, MilterProtocolFlags notSentFlag, IReadOnlyList<KeyValuePair<string, string>>? macros)
    {
        if (notSentFlag != MilterProtocolFlags.None && Negotiated.Has(notSentFlag))
        {
            return false;
        }

        _channel.CheckNoStrayResponse();
        WriteMacros(stage, macros);
        return true;
    }

    /// <summary>Flushes the macro packet and command together, then reads the reply unless it is a no-reply step.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MilterReply> FinishStepAsync(MilterProtocolFlags noReplyFlag, string what, CancellationToken cancellationToken)
    {
        if (Negotiated.Has(noReplyFlag))
        {
            await _channel.FlushNoReplyAsync(what, cancellationToken).ConfigureAwait(false);
            return MilterReply.NoReply;
        }

        (byte code, ReadOnlyMemory<byte> data) = await _channel.SendAndReadAsync(what, _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        while (_habits.TakesInterimPackets && code is (byte)MilterResponseCode.Progress or (byte)MilterResponseCode.Quarantine)
        {
            // A quarantine packet is checked, then the real reply follows (the step's reply carries no change list).
            if (code == (byte)MilterResponseCode.Quarantine)
            {
                MessageModification.Parse(MilterResponseCode.Quarantine, data);
            }

            (code, data) = await _channel.ReadAsync(what, _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        }

        return ReplyConformance.FinalReply(code, data, what, endOfMessage: false, Negotiated, _habits);
    }

    private void WriteMacros(char stage, IReadOnlyList<KeyValuePair<string, string>>? macros)
    {
        macros ??= _options.Macros.TryGetValue(stage, out IReadOnlyList<KeyValuePair<string, string>>? configured) ? configured : null;
        if (macros is not null || _habits.SendsMacroPacket(stage))
        {
            MacroCommand.Write(_output, (byte)stage, macros ?? NoMacros);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendNoReplyAsync(MilterCommandCode code, string what, CancellationToken cancellationToken)
    {
        _channel.CheckNoStrayResponse();
        MilterFrameWriter.WriteEmpty(_output, (byte)code);
        await _channel.FlushNoReplyAsync(what, cancellationToken).ConfigureAwait(false);
    }
}
