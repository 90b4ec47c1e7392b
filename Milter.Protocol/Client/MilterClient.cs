using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Milter.Protocol.Commands;
using Milter.Protocol.Framing;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Transport;

namespace Milter.Protocol.Client;

/// <summary>
/// The MTA side of the milter protocol: negotiates, sends commands with their macro packets the way Sendmail
/// 8.17 (default) or Postfix does, honours the negotiated <c>NO*</c>/<c>NR*</c> steps, and raises a
/// <see cref="MilterProtocolException"/> when the milter answers where it must not, with a response not allowed
/// at that step, or not in time. Not thread-safe: one command at a time, as an MTA does.
/// </summary>
public sealed class MilterClient : IAsyncDisposable
{
    private static readonly IReadOnlyList<KeyValuePair<string, string>> NoMacros = [];
    private readonly IDuplexPipe _transport;
    private readonly MilterClientOptions _options;
    private readonly IAsyncDisposable? _owned;
    private string _lastUnanswered = "connect";
    private bool _connectionVerdict;
    private bool _heloSeen;

    // One timer for every reply read, reset after each (TryReset drops registrations, so the caller's token is
    // not linked to it: a registration cancels the pending read instead, as MilterSession does).
    private CancellationTokenSource _readTimeout = new();

    // Reply data lives here until the next read: only message changes need their own copy (Parse makes it).
    private byte[] _replyData = new byte[256];

    public MilterClient(IDuplexPipe transport, MilterClientOptions? options = null)
        : this(transport, options, null)
    {
    }

    private MilterClient(IDuplexPipe transport, MilterClientOptions? options, IAsyncDisposable? owned)
    {
        _transport = transport;
        _options = options ?? new MilterClientOptions();
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
        offer.Write(_transport.Output);
        (byte code, ReadOnlyMemory<byte> data) = await SendAndReadAsync("OPTNEG", _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        if (code != (byte)MilterResponseCode.OptionNegotiation)
        {
            throw Unexpected(code, "OPTNEG");
        }

        OptionNegotiationReply reply = OptionNegotiationReply.Parse(data);
        if (reply.Version < ProtocolLimits.MinimumProtocolVersion || reply.Version > _options.Version)
        {
            throw new MilterProtocolException(ProtocolViolation.NegotiationFailed, $"milter answered version {reply.Version} to an offer of {_options.Version}");
        }

        MilterActions extraActions = reply.Actions & ~_options.OfferedActions;
        MilterProtocolFlags extraFlags = reply.Flags & ~_options.OfferedFlags;
        if (extraActions != 0 || extraFlags != 0)
        {
            throw new MilterProtocolException(
                ProtocolViolation.NegotiationFailed,
                $"milter asked for what was not offered: actions 0x{(uint)extraActions:X}, steps 0x{(uint)extraFlags:X}");
        }

        int maxData = (reply.Flags & MilterProtocolFlags.MaxDataSize1M) != 0 ? ProtocolLimits.MaxDataSize1M
            : (reply.Flags & MilterProtocolFlags.MaxDataSize256K) != 0 ? ProtocolLimits.MaxDataSize256K
            : ProtocolLimits.DefaultMaxDataSize;
        NegotiationReply = reply;
        Negotiated = new NegotiatedOptions(reply.Version, reply.Actions, reply.Flags, _options.OfferedActions, _options.OfferedFlags, maxData);
        return reply;
    }

    /// <summary>CONNECT with an IP client, written the way the flavor writes it (Sendmail: <c>IPv6:</c> prefix).</summary>
    public ValueTask<MilterReply> ConnectAsync(string hostname, IPAddress address, ushort port, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        string text = v6 && _options.Flavor == MtaFlavor.Sendmail ? "IPv6:" + address : address.ToString();
        return ConnectAsync(hostname, v6 ? ConnectFamily.Inet6 : ConnectFamily.Inet, port, text, macros, cancellationToken);
    }

    /// <summary>CONNECT with explicit family and address text.</summary>
    public async ValueTask<MilterReply> ConnectAsync(string hostname, ConnectFamily family, ushort port, string address, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('C', MilterProtocolFlags.NoConnect, macros))
        {
            return MilterReply.NotSent;
        }

        new ConnectCommand(hostname, family, port, address).Write(_transport.Output);
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

        new HeloCommand(name).Write(_transport.Output);
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

        EnvelopeCommand.Write(_transport.Output, MilterCommandCode.Mail, sender, arguments ?? []);
        return FinishStepAsync(MilterProtocolFlags.NoReplyMail, "MAIL", cancellationToken);
    }

    public ValueTask<MilterReply> RcptAsync(string recipient, IReadOnlyList<string>? arguments = null, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('R', MilterProtocolFlags.NoRcpt, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        EnvelopeCommand.Write(_transport.Output, MilterCommandCode.Rcpt, recipient, arguments ?? []);
        return FinishStepAsync(MilterProtocolFlags.NoReplyRcpt, "RCPT", cancellationToken);
    }

    public ValueTask<MilterReply> DataAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (Negotiated.Version < 4 || !TryBeginStep('T', MilterProtocolFlags.NoData, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        MilterFrameWriter.WriteEmpty(_transport.Output, (byte)MilterCommandCode.Data);
        return FinishStepAsync(MilterProtocolFlags.NoReplyData, "DATA", cancellationToken);
    }

    public ValueTask<MilterReply> HeaderAsync(string name, string value, IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('L', MilterProtocolFlags.NoHeaders, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        new HeaderCommand(name, value).Write(_transport.Output);
        return FinishStepAsync(MilterProtocolFlags.NoReplyHeader, "HEADER", cancellationToken);
    }

    public ValueTask<MilterReply> EndOfHeadersAsync(IReadOnlyList<KeyValuePair<string, string>>? macros = null, CancellationToken cancellationToken = default)
    {
        if (!TryBeginStep('N', MilterProtocolFlags.NoEndOfHeaders, macros))
        {
            return ValueTask.FromResult(MilterReply.NotSent);
        }

        MilterFrameWriter.WriteEmpty(_transport.Output, (byte)MilterCommandCode.EndOfHeaders);
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

            MilterFrameWriter.WriteFrame(_transport.Output, (byte)MilterCommandCode.Body, chunk.Span);
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
        CheckNoStrayResponse();
        WriteMacros('E', macros);
        MilterFrameWriter.WriteEmpty(_transport.Output, (byte)MilterCommandCode.EndOfMessage);
        var modifications = new List<MessageModification>();
        int progress = 0;
        // The overall limit is a deadline each reply read is cut to, not a second timer.
        long deadline = _options.EndOfMessageTimeout == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : Environment.TickCount64 + (long)_options.EndOfMessageTimeout.TotalMilliseconds;
        await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            bool overall = deadline != long.MaxValue
                && (_options.ReadTimeout == Timeout.InfiniteTimeSpan || deadline - Environment.TickCount64 < (long)_options.ReadTimeout.TotalMilliseconds);
            TimeSpan timeout = overall ? TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64)) : _options.ReadTimeout;
            (byte code, ReadOnlyMemory<byte> data) = await ReadFrameAsync(overall ? "EOM (overall limit)" : "EOM", timeout, cancellationToken).ConfigureAwait(false);
            var response = (MilterResponseCode)code;
            if (response == MilterResponseCode.Progress)
            {
                progress++;
                continue;
            }

            if (MessageModification.IsModification(response))
            {
                MessageModification change = MessageModification.Parse(response, data);
                if (!Negotiated.Has(change.RequiredAction))
                {
                    throw new MilterProtocolException(
                        ProtocolViolation.UnexpectedResponse,
                        $"milter sent {response} ('{(char)code}') without the {change.RequiredAction} action it did not negotiate");
                }

                modifications.Add(change);
                continue;
            }

            MilterReply reply = ToFinalReply(code, data, "EOM", endOfMessage: true) with { ProgressCount = progress };
            if (_options.Flavor == MtaFlavor.Postfix)
            {
                // Postfix's mail_reset() sends ABORT after every message, completed or not.
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

        new UnknownCommand(line).Write(_transport.Output);
        return FinishStepAsync(MilterProtocolFlags.NoReplyUnknown, "UNKNOWN", cancellationToken);
    }

    /// <summary>A macro packet on its own (never answered).</summary>
    public async ValueTask SendMacrosAsync(char stage, IReadOnlyList<KeyValuePair<string, string>> macros, CancellationToken cancellationToken = default)
    {
        CheckNoStrayResponse();
        MacroCommand.Write(_transport.Output, (byte)stage, macros);
        await FlushNoReplyAsync("MACRO", cancellationToken).ConfigureAwait(false);
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
        if (_options.Flavor == MtaFlavor.Postfix && _heloSeen && !_connectionVerdict)
        {
            // smtpd's helo_reset() at the end of a session that said HELO calls milter_abort() (captured: A, A, Q
            // after a message; Q alone after a session without HELO).
            await AbortAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!(_options.Flavor == MtaFlavor.Postfix && _connectionVerdict))
        {
            await SendNoReplyAsync(MilterCommandCode.Quit, "QUIT", cancellationToken).ConfigureAwait(false);
        }

        await _transport.Output.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Writes raw bytes (for malformed-input tests) and flushes.</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _transport.Output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one raw response packet (for tests that sent raw bytes).</summary>
    public async Task<(MilterResponseCode Code, byte[] Data)> ReadResponseAsync(CancellationToken cancellationToken = default)
    {
        (byte code, ReadOnlyMemory<byte> data) = await ReadFrameAsync("raw", _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        return ((MilterResponseCode)code, data.ToArray());
    }

    /// <summary>True when the milter closed the connection (reads end of stream within <paramref name="wait"/>).</summary>
    public async Task<bool> IsClosedByPeerAsync(TimeSpan wait)
    {
        using var cts = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                ReadResult result = await _transport.Input.ReadAsync(cts.Token).ConfigureAwait(false);
                _transport.Input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _readTimeout.Dispose();
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

        CheckNoStrayResponse();
        WriteMacros(stage, macros);
        return true;
    }

    /// <summary>Flushes the macro packet and command together, then reads the reply unless it is a no-reply step.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<MilterReply> FinishStepAsync(MilterProtocolFlags noReplyFlag, string what, CancellationToken cancellationToken)
    {
        if (Negotiated.Has(noReplyFlag))
        {
            await FlushNoReplyAsync(what, cancellationToken).ConfigureAwait(false);
            return MilterReply.NoReply;
        }

        (byte code, ReadOnlyMemory<byte> data) = await SendAndReadAsync(what, _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        while (_options.Flavor == MtaFlavor.Postfix && code is (byte)MilterResponseCode.Progress or (byte)MilterResponseCode.Quarantine)
        {
            // Postfix accepts PROGRESS and QUARANTINE at any step; a quarantine packet is checked, then the real
            // reply follows (the step's reply carries no change list).
            if (code == (byte)MilterResponseCode.Quarantine)
            {
                MessageModification.Parse(MilterResponseCode.Quarantine, data);
            }

            (code, data) = await ReadFrameAsync(what, _options.ReadTimeout, cancellationToken).ConfigureAwait(false);
        }

        return ToFinalReply(code, data, what, endOfMessage: false);
    }

    private void WriteMacros(char stage, IReadOnlyList<KeyValuePair<string, string>>? macros)
    {
        macros ??= _options.Macros.TryGetValue(stage, out IReadOnlyList<KeyValuePair<string, string>>? configured) ? configured : null;
        bool habitual = _options.Flavor == MtaFlavor.Postfix ? "CHMRTNELBU".Contains(stage, StringComparison.Ordinal) : "CHMRE".Contains(stage, StringComparison.Ordinal);
        if (macros is not null || habitual)
        {
            MacroCommand.Write(_transport.Output, (byte)stage, macros ?? NoMacros);
        }
    }

    private MilterReply ToFinalReply(byte code, ReadOnlyMemory<byte> data, string what, bool endOfMessage)
    {
        var response = (MilterResponseCode)code;
        switch (response)
        {
            case MilterResponseCode.Continue:
            case MilterResponseCode.Accept:
            case MilterResponseCode.Reject:
            case MilterResponseCode.TempFail:
            case MilterResponseCode.Discard:
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.Skip when !endOfMessage && Negotiated.Has(MilterProtocolFlags.Skip):
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.Shutdown when _options.Flavor == MtaFlavor.Postfix:
                return new MilterReply(response, null, MilterReplyKind.Answered);
            case MilterResponseCode.ReplyCode:
                string text = ReplyText(data, what);
                return new MilterReply(response, text, MilterReplyKind.Answered);
            default:
                throw Unexpected(code, what);
        }
    }

    private string ReplyText(ReadOnlyMemory<byte> data, string what)
    {
        int nul = data.Span.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new MilterProtocolException(ProtocolViolation.MissingNul, $"{what}: REPLYCODE text is not NUL-terminated");
        }

        string text = Encoding.Latin1.GetString(data.Span[..nul]);
        string? problem = _options.Flavor == MtaFlavor.Postfix
            ? SmtpReply.Validate(text)
            : text.Length < 3 || text[0] is not ('4' or '5') ? "first digit must be 4 or 5 and the code 3 characters" : null;
        if (problem is not null)
        {
            throw new MilterProtocolException(ProtocolViolation.InvalidReply, $"{what}: invalid REPLYCODE \"{text}\": {problem}");
        }

        return text;
    }

    private static MilterProtocolException Unexpected(byte code, string what)
    {
        string detail = code switch
        {
            (byte)MilterResponseCode.Progress => " (Sendmail accepts PROGRESS only at end of message)",
            (byte)MilterResponseCode.Shutdown => " (Sendmail 8.17 treats SHUTDOWN as an error)",
            (byte)MilterResponseCode.Skip => " (SKIP was not negotiated or is not allowed here)",
            (byte)MilterResponseCode.ConnectionFailure => " (no MTA accepts CONN_FAIL)",
            _ when MessageModification.IsModification((MilterResponseCode)code) => " (message changes are allowed only at end of message)",
            _ => string.Empty,
        };
        return new MilterProtocolException(ProtocolViolation.UnexpectedResponse, $"milter answered {what} with '{(char)code}'{detail}");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendNoReplyAsync(MilterCommandCode code, string what, CancellationToken cancellationToken)
    {
        CheckNoStrayResponse();
        MilterFrameWriter.WriteEmpty(_transport.Output, (byte)code);
        await FlushNoReplyAsync(what, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushNoReplyAsync(string what, CancellationToken cancellationToken)
    {
        await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        _lastUnanswered = what;
    }

    /// <summary>Data waiting before a command is sent answers something that must not be answered.</summary>
    private void CheckNoStrayResponse()
    {
        if (!_transport.Input.TryRead(out ReadResult result))
        {
            return;
        }

        ReadOnlySequence<byte> buffer = result.Buffer;
        _transport.Input.AdvanceTo(buffer.Start, buffer.Start);
        if (buffer.Length >= ProtocolLimits.HeaderBytes)
        {
            byte code = buffer.Slice(4, 1).FirstSpan[0];
            throw new MilterProtocolException(ProtocolViolation.UnexpectedResponse, $"milter sent '{(char)code}' where no reply was due (after {_lastUnanswered})");
        }

        if (result.IsCompleted && buffer.IsEmpty)
        {
            throw new MilterProtocolException(ProtocolViolation.EndOfStreamMidFrame, $"milter closed the connection (after {_lastUnanswered})");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(byte Code, ReadOnlyMemory<byte> Data)> SendAndReadAsync(string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new MilterProtocolException($"milter closed the connection before {what} could be sent: {ex.Message}", ex);
        }

        return await ReadFrameAsync(what, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one reply packet; its data stays valid until the next read.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(byte Code, ReadOnlyMemory<byte> Data)> ReadFrameAsync(string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PipeReader input = _transport.Input;
        using CancellationTokenRegistration caller = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input)
            : default;
        try
        {
            _readTimeout.CancelAfter(timeout);
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(_readTimeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new MilterProtocolException(ProtocolViolation.Timeout, $"milter did not answer {what} within {timeout}");
                }
                catch (IOException ex)
                {
                    // A reset is the milter dropping the connection (e.g. over its connection limit): for the MTA
                    // that is the same protocol failure as a close.
                    throw new MilterProtocolException($"milter closed the connection instead of answering {what}: {ex.Message}", ex);
                }

                if (result.IsCanceled && cancellationToken.IsCancellationRequested)
                {
                    input.AdvanceTo(result.Buffer.Start);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                if (MilterFrameReader.TryReadFrame(ref buffer, ProtocolLimits.MaxDataSize1M * 1024, MilterFrameReader.IsResponseCode, out byte code, out ReadOnlySequence<byte> data))
                {
                    ReadOnlyMemory<byte> copy = ReadOnlyMemory<byte>.Empty;
                    if (!data.IsEmpty)
                    {
                        if (_replyData.Length < data.Length)
                        {
                            _replyData = new byte[Math.Max(data.Length, _replyData.Length * 2)];
                        }

                        data.CopyTo(_replyData);
                        copy = _replyData.AsMemory(0, (int)data.Length);
                    }

                    input.AdvanceTo(buffer.Start);
                    _lastUnanswered = what;
                    return (code, copy);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new MilterProtocolException(
                        buffer.IsEmpty ? ProtocolViolation.UnexpectedResponse : ProtocolViolation.EndOfStreamMidFrame,
                        $"milter closed the connection instead of answering {what}");
                }
            }
        }
        finally
        {
            if (!_readTimeout.TryReset())
            {
                // The timer fired: a cancelled source cannot be reused.
                _readTimeout.Dispose();
                _readTimeout = new CancellationTokenSource();
            }
        }
    }
}
