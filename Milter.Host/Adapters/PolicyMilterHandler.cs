using System.Diagnostics;
using Microsoft.Extensions.Logging;
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
/// Every decision is logged as one line and counted in <see cref="MilterMetrics"/>, with its latency from the
/// stage's command.
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

    private PolicySession? _session;
    private LimitGate? _gate;
    private string? _quarantine;
    private bool _open;
    private long _stageStarted;

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
        string? address = client?.IPAddress?.ToString();
        _gate?.Close(); // a previous SMTP session on this connection (QUIT_NC) that was not closed
        _gate = null;
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
        var auth = new AuthFacts(context.GetMacro("{auth_type}"), context.GetMacro("{auth_authen}"));
        string address = sender.Address.ToString();
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
            return await Answer(context, verdict).ConfigureAwait(false);
        }

        SmtpReply? refusal = await _gate.RcptAsync(address, cancellationToken).ConfigureAwait(false);
        return await AnswerLimited(context, verdict, refusal).ConfigureAwait(false);
    }

    public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_quarantine is not null && context.Options.Has(MilterActions.Quarantine))
        {
            context.Quarantine(_quarantine);
        }

        _quarantine = null;
        _session?.Reset();
        _gate?.EndMessage();
        return new(MilterResponse.Continue);
    }

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _quarantine = null;
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

        // Sendmail ignores connect-stage reply text (spec §1.11): refusals are delivered at HELO/MAIL/RCPT.
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

    private ValueTask<MilterResponse> AnswerLimited(MilterContext context, Verdict verdict, SmtpReply? refusal) =>
        refusal is null ? Answer(context, verdict) : new(Refuse(context, verdict.Stage, refusal));

    /// <summary>A limit refused the stage: the decision line names the limits, the reply goes out as is (421 at connect closes the SMTP session).</summary>
    private MilterResponse Refuse(MilterContext context, PolicyStage stage, SmtpReply reply)
    {
        Log.Decision(logger, context.GetMacro("i") ?? "-", context.Connection?.Address ?? "-", stage, reply.Line, "limits");
        metrics?.Decision(stage, reply.Code >= 500 ? VerdictAction.Reject : VerdictAction.TempFail, "limits", _stageStarted);
        return ReplyResponse(reply);
    }

    private PolicySession Session(MilterContext context) =>
        _session ??= engine.OpenSession(new ClientFacts(context.Connection?.IPAddress?.ToString(), context.Connection?.Hostname));

    private ValueTask<MilterResponse> Answer(MilterContext context, Verdict verdict, bool connect = false)
    {
        string rule = verdict.DecidedBy?.Location ?? verdict.Reason;
        Log.Decision(logger, context.GetMacro("i") ?? "-", context.Connection?.Address ?? "-", verdict.Stage, verdict.Outcome, rule);
        metrics?.Decision(verdict.Stage, verdict.Action, rule, _stageStarted);
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
            Log.UnsendableReply(logger, reply.Line, ex.Message);
            return reply.IsTemporary ? MilterResponse.TempFail : MilterResponse.Reject;
        }
    }

    private MilterResponse Remember(string? reason)
    {
        _quarantine = string.IsNullOrEmpty(reason) ? "quarantined by policy" : reason;
        return MilterResponse.Continue;
    }

    private static ClientResolve ParseResolve(string? value) => value?.ToUpperInvariant() switch
    {
        "OK" => ClientResolve.Ok,
        "FAIL" => ClientResolve.Fail,
        "FORGED" => ClientResolve.Forged,
        "TEMP" => ClientResolve.Temp,
        _ => ClientResolve.Unknown,
    };

    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Information, "decision qid={QueueId} client={Client} stage={Stage} verdict=\"{Verdict}\" rule={Rule}")]
        public static partial void Decision(ILogger logger, string queueId, string client, PolicyStage stage, string verdict, string rule);

        [LoggerMessage(3002, LogLevel.Warning, "reply \"{Reply}\" cannot be sent ({Reason}): answered as a plain reject or tempfail")]
        public static partial void UnsendableReply(ILogger logger, string reply, string reason);
    }
}
