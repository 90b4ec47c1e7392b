using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Milter.Host.Logging;
using Milter.Host.Metrics;
using Milter.Policy;
using Milter.Policy.Limits;
using Milter.Policy.Model;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;
using SmtpReply = Milter.Policy.Model.SmtpReply;

namespace Milter.Host.Adapters;

/// <summary>
/// The one type that knows both Milter.Protocol and Milter.Policy: turns milter stages into policy questions and
/// verdicts into milter responses. One instance per milter connection. With flood limits, each stage the policy
/// lets through is then asked of the session's <see cref="LimitGate"/>; its open-connection slot is given back at
/// <see cref="CloseAsync"/>, which the session calls on every end (QUIT, QUIT_NC, hang-up, error, timeout).
/// Every decision is counted in <see cref="MilterMetrics"/>, with its latency from the stage's command, and logged as
/// Sendmail does: one line (Information) per refusal, discard or quarantine, one summary line per accepted message at
/// its end, every other decision at Debug (<see cref="DecisionEntry"/>, written without allocation).
/// </summary>
internal sealed partial class PolicyMilterHandler(PolicyEngine engine, ILogger logger, LimitEngine? limits = null, MilterMetrics? metrics = null) : IMilterHandler
{
    /// <summary>Connect to RCPT only; the macros the relay decision needs; nothing sent after DATA.</summary>
    public static readonly MilterNegotiation PolicyNegotiation = new()
    {
        OptionalActions = MilterActions.Quarantine,
        Events = MilterEvents.Connect | MilterEvents.Helo | MilterEvents.Mail | MilterEvents.Rcpt,
        SymbolLists = new Dictionary<MacroStage, string>
        {
            [MacroStage.Connect] = "j _ {daemon_name} {client_addr} {client_name} {client_resolve}",
            [MacroStage.Mail] = "i {auth_type} {auth_authen} {mail_addr}",
            [MacroStage.Rcpt] = "i {rcpt_addr} {rcpt_mailer}",
            [MacroStage.EndOfMessage] = "i",
        },
    };

    private const string MessageStage = "Message";
    private static readonly string[] StageNames = ["Connect", "Helo", "Mail", "Rcpt"];
    private static readonly EventId DecisionEvent = new(DecisionEntry.EventId, "Decision");

    private PolicySession? _session;
    private LimitGate? _gate;
    private string? _quarantine;
    private bool _open;
    private long _stageStarted;

    // The current message, for its summary line: sender, accepted recipients (the first one and its rule).
    private string? _sender;
    private string? _firstRecipient;
    private string? _acceptedBy;
    private int _accepted;

    public MilterNegotiation Negotiation => PolicyNegotiation;

    public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        if (metrics is not null)
        {
            if (_open)
            {
                metrics.SessionClosed();
            }

            metrics.SessionOpened();
            _open = true;
        }

        ConnectInfo? client = context.Connection;
        ClientResolve resolve = ParseResolve(context.GetMacro("{client_resolve}"));
        // IPv4: the CONNECT text is already the address (no second string per session); IPv6 and v4-mapped: the parsed form.
        string? address = client is { Family: ConnectFamily.Inet, IPAddress.AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } ? client.Address : client?.IPAddress?.ToString();
        _gate?.Close(); // a previous SMTP session on this connection (QUIT_NC) that was not closed
        _gate = null;
        ForgetMessage();
        _session = engine.OpenSession(new ClientFacts(address, client?.Hostname, resolve));
        if (limits is not null)
        {
            _gate = limits.Open(_session);
            _gate.Register(); // Sendmail's {client_rate}/{client_connections}: every connection counts, before check_relay
        }

        ValueTask<Verdict> connectVerdict = _session.ConnectAsync(cancellationToken);
        if (!connectVerdict.IsCompletedSuccessfully)
        {
            return ConnectAfterDnsAsync(context, connectVerdict, cancellationToken);
        }

        return ConnectLimits(context, connectVerdict.Result, cancellationToken);
    }

    public ValueTask<MilterResponse> HeloAsync(MilterContext context, HeloCommand helo, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        return Answer(context, Session(context).Helo(helo.Name.ToString()));
    }

    public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        PolicySession session = Session(context);
        session.Reset();
        _quarantine = null;
        ForgetMessage();
        var auth = new AuthFacts(context.GetMacro("{auth_type}"), context.GetMacro("{auth_authen}"));
        string address = sender.Address.ToString();
        _sender = address;
        ValueTask<Verdict> pending = session.MailAsync(address, auth, cancellationToken);
        return pending.IsCompletedSuccessfully ? MailLimits(context, pending.Result, address, auth, cancellationToken) : MailAfterDnsAsync(context, pending, address, auth, cancellationToken);
    }

    public async ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        string address = recipient.Address.ToString();
        Verdict verdict = await Session(context).RcptAsync(address, cancellationToken).ConfigureAwait(false);
        if (_gate is null || verdict.IsRefusal)
        {
            return await Answer(context, verdict, address).ConfigureAwait(false);
        }

        SmtpReply? refusal = await _gate.RcptAsync(address, cancellationToken).ConfigureAwait(false);
        return await AnswerLimited(context, verdict, refusal, address).ConfigureAwait(false);
    }

    public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_quarantine is not null && context.Options.Has(MilterActions.Quarantine))
        {
            context.Quarantine(_quarantine);
        }

        if (_accepted > 0)
        {
            Log(LogLevel.Information, new DecisionEntry(
                MessageStage, context.GetMacro("i"), context.Connection?.Address, _sender, _firstRecipient, _accepted,
                _quarantine is null ? "accept" : "quarantine: " + _quarantine, _acceptedBy ?? "-"));
        }

        ForgetMessage();
        _quarantine = null;
        _session?.Reset();
        _gate?.EndMessage();
        return new(MilterResponse.Continue);
    }

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _quarantine = null;
        ForgetMessage();
        _session?.Reset();
        _gate?.EndMessage();
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_open)
        {
            _open = false;
            metrics?.SessionClosed();
        }

        _gate?.Close();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<MilterResponse> ConnectAfterDnsAsync(MilterContext context, ValueTask<Verdict> pending, CancellationToken cancellationToken) =>
        await ConnectLimits(context, await pending.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The configured connect limits for a client the policy let through; then the connect answer.</summary>
    private ValueTask<MilterResponse> ConnectLimits(MilterContext context, Verdict verdict, CancellationToken cancellationToken)
    {
        if (_gate is not null && !verdict.IsRefusal)
        {
            ValueTask<SmtpReply?> pending = _gate.ConnectAsync(cancellationToken);
            if (!pending.IsCompletedSuccessfully)
            {
                return ConnectLimitedAsync(context, verdict, pending);
            }

            if (pending.Result is { } refusal)
            {
                return new(Refuse(context, PolicyStage.Connect, refusal));
            }
        }

        // Sendmail ignores the text of a connect-stage SMFIR_REPLYCODE (it keeps only 4xx/5xx): refusals are delivered at HELO/MAIL/RCPT.
        return Answer(context, verdict, connect: true);
    }

    private async ValueTask<MilterResponse> ConnectLimitedAsync(MilterContext context, Verdict verdict, ValueTask<SmtpReply?> pending)
    {
        SmtpReply? refusal = await pending.ConfigureAwait(false);
        return refusal is null ? await Answer(context, verdict, connect: true).ConfigureAwait(false) : Refuse(context, PolicyStage.Connect, refusal);
    }

    private async ValueTask<MilterResponse> MailAfterDnsAsync(MilterContext context, ValueTask<Verdict> pending, string address, AuthFacts auth, CancellationToken cancellationToken) =>
        await MailLimits(context, await pending.ConfigureAwait(false), address, auth, cancellationToken).ConfigureAwait(false);

    private ValueTask<MilterResponse> MailLimits(MilterContext context, Verdict verdict, string address, AuthFacts auth, CancellationToken cancellationToken)
    {
        if (_gate is null || verdict.IsRefusal)
        {
            return Answer(context, verdict);
        }

        ValueTask<SmtpReply?> pending = _gate.MailAsync(address, auth, cancellationToken);
        return pending.IsCompletedSuccessfully ? AnswerLimited(context, verdict, pending.Result) : AnswerLimitedAsync(context, verdict, pending);
    }

    private async ValueTask<MilterResponse> AnswerLimitedAsync(MilterContext context, Verdict verdict, ValueTask<SmtpReply?> pending) =>
        await AnswerLimited(context, verdict, await pending.ConfigureAwait(false)).ConfigureAwait(false);

    private ValueTask<MilterResponse> AnswerLimited(MilterContext context, Verdict verdict, SmtpReply? refusal, string? recipient = null) =>
        refusal is null ? Answer(context, verdict, recipient) : new(Refuse(context, verdict.Stage, refusal, recipient));

    /// <summary>A limit refused the stage: the decision line names the limits, the reply goes out as is (421 at connect closes the SMTP session).</summary>
    private MilterResponse Refuse(MilterContext context, PolicyStage stage, SmtpReply reply, string? recipient = null)
    {
        Log(LogLevel.Information, new DecisionEntry(
            StageNames[(int)stage], context.GetMacro("i"), context.Connection?.Address, _sender, recipient, 0, reply.Line, "limits"));
        metrics?.Decision(stage, reply.Code >= 500 ? VerdictAction.Reject : VerdictAction.TempFail, "limits", _stageStarted);
        return ReplyResponse(reply);
    }

    private PolicySession Session(MilterContext context) =>
        _session ??= engine.OpenSession(new ClientFacts(context.Connection?.IPAddress?.ToString(), context.Connection?.Hostname));

    private ValueTask<MilterResponse> Answer(MilterContext context, in Verdict verdict, string? recipient = null, bool connect = false)
    {
        string rule = verdict.DecidedBy?.Location ?? verdict.Reason;
        metrics?.Decision(verdict.Stage, verdict.Action, rule, _stageStarted);
        Note(context, verdict, rule, recipient);
        if (connect)
        {
            return new(MilterResponse.Continue);
        }

        MilterResponse response = verdict.Action switch
        {
            VerdictAction.Reject or VerdictAction.TempFail when verdict.Reply is { } reply => ReplyResponse(reply),
            VerdictAction.Reject => MilterResponse.Reject,
            VerdictAction.TempFail => MilterResponse.TempFail,
            VerdictAction.Discard => MilterResponse.Discard,
            VerdictAction.Quarantine => Remember(verdict.QuarantineReason),
            _ => MilterResponse.Continue, // Accept = continue: ACCEPT would stop all further filtering
        };
        return new(response);
    }

    /// <summary>
    /// SMFIR_REPLYCODE for <paramref name="reply"/>. Policy replies are made fit for the wire when built (no control
    /// characters, bounded lines); one the wire still refuses (an enhanced code of the wrong class) is logged and sent
    /// as a plain reject or tempfail of the same class, never dropping the connection (which, without F=T, lets the
    /// next transaction through).
    /// </summary>
    private MilterResponse ReplyResponse(SmtpReply reply)
    {
        try
        {
            return MilterResponse.Reply(reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.EnhancedCode, reply.TextLines);
        }
        catch (ArgumentException ex)
        {
            AdapterLog.UnsendableReply(logger, reply.Line, ex.Message);
            return reply.IsTemporary ? MilterResponse.TempFail : MilterResponse.Reject;
        }
    }

    private MilterResponse Remember(string? reason)
    {
        _quarantine = string.IsNullOrEmpty(reason) ? "quarantined by policy" : reason;
        return MilterResponse.Continue;
    }

    private static ClientResolve ParseResolve(string? value) =>
        string.Equals(value, "OK", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Ok
        : string.Equals(value, "FAIL", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Fail
        : string.Equals(value, "FORGED", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Forged
        : string.Equals(value, "TEMP", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Temp
        : ClientResolve.Unknown; // compared in place: no upper-cased copy per connection

    /// <summary>
    /// The decision's log line: refusals, discards and quarantines at Information (a connect verdict is only noted at
    /// Debug: it is delivered, and logged, at HELO, MAIL or RCPT); an accepted recipient is kept for the message's
    /// summary at its end; the rest at Debug.
    /// </summary>
    private void Note(MilterContext context, in Verdict verdict, string rule, string? recipient)
    {
        bool blocks = verdict.Action is VerdictAction.Reject or VerdictAction.TempFail or VerdictAction.Discard or VerdictAction.Quarantine;
        if (verdict.Stage == PolicyStage.Rcpt && !verdict.IsRefusal && verdict.Action != VerdictAction.Discard)
        {
            _accepted++;
            _firstRecipient ??= recipient;
            _acceptedBy ??= rule;
        }

        LogLevel level = blocks && verdict.Stage != PolicyStage.Connect ? LogLevel.Information : LogLevel.Debug;
        if (logger.IsEnabled(level))
        {
            Log(level, new DecisionEntry(
                StageNames[(int)verdict.Stage], context.GetMacro("i"), context.Connection?.Address,
                verdict.Stage is PolicyStage.Mail or PolicyStage.Rcpt ? _sender : null, recipient, 0, VerdictText(verdict), rule));
        }
    }

    private void Log(LogLevel level, in DecisionEntry entry) => logger.Log(level, DecisionEvent, entry, null, DecisionEntry.Formatter);

    private void ForgetMessage()
    {
        _sender = null;
        _firstRecipient = null;
        _acceptedBy = null;
        _accepted = 0;
    }

    /// <summary>The reply line, or the action's word: constant strings, nothing built per decision.</summary>
    private static string VerdictText(in Verdict verdict) => verdict.Action switch
    {
        VerdictAction.Reject => verdict.Reply?.Line ?? "reject",
        VerdictAction.TempFail => verdict.Reply?.Line ?? "tempfail",
        VerdictAction.Discard => "discard",
        VerdictAction.Quarantine => "quarantine: " + verdict.QuarantineReason,
        VerdictAction.Accept => "accept",
        _ => "continue",
    };

    private static partial class AdapterLog
    {
        [LoggerMessage(3002, LogLevel.Warning, "reply \"{Reply}\" cannot be sent ({Reason}): answered as a plain reject or tempfail")]
        public static partial void UnsendableReply(ILogger logger, string reply, string reason);
    }
}
