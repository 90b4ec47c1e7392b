using Microsoft.Extensions.Logging;
using Milter.Policy;
using Milter.Policy.Model;
using Milter.Protocol;
using Milter.Protocol.Commands;
using Milter.Protocol.Negotiation;
using Milter.Protocol.Responses;
using Milter.Protocol.Session;

namespace Milter.Host.Adapters;

/// <summary>
/// The one type that knows both Milter.Protocol and Milter.Policy: turns milter stages into policy questions and
/// verdicts into milter responses. One instance per milter connection.
/// </summary>
internal sealed partial class PolicyMilterHandler(PolicyEngine engine, ILogger logger) : IMilterHandler
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
    private string? _quarantine;

    public MilterNegotiation Negotiation => PolicyNegotiation;

    public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
    {
        ConnectInfo? client = context.Connection;
        ClientResolve resolve = ParseResolve(context.GetMacro("{client_resolve}"));
        string? address = client?.IPAddress?.ToString();
        _session = engine.OpenSession(new ClientFacts(address, client?.Hostname, resolve));
        Verdict verdict = _session.Connect();
        // Sendmail ignores connect-stage reply text (spec §1.11): refusals are delivered at HELO/MAIL/RCPT.
        return Answer(context, verdict, connect: true);
    }

    public ValueTask<MilterResponse> HeloAsync(MilterContext context, HeloCommand helo, CancellationToken cancellationToken) =>
        Answer(context, Session(context).Helo(helo.Name.ToString()));

    public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken)
    {
        PolicySession session = Session(context);
        session.Reset();
        _quarantine = null;
        var auth = new AuthFacts(context.GetMacro("{auth_type}"), context.GetMacro("{auth_authen}"));
        return Answer(context, session.Mail(sender.Address.ToString(), auth));
    }

    public async ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken)
    {
        Verdict verdict = await Session(context).RcptAsync(recipient.Address.ToString(), cancellationToken).ConfigureAwait(false);
        return await Answer(context, verdict).ConfigureAwait(false);
    }

    public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_quarantine is not null && context.Options.Has(MilterActions.Quarantine))
        {
            context.Quarantine(_quarantine);
        }

        _quarantine = null;
        _session?.Reset();
        return new(MilterResponse.Continue);
    }

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        _quarantine = null;
        _session?.Reset();
        return ValueTask.CompletedTask;
    }

    private PolicySession Session(MilterContext context) =>
        _session ??= engine.OpenSession(new ClientFacts(context.Connection?.IPAddress?.ToString(), context.Connection?.Hostname));

    private ValueTask<MilterResponse> Answer(MilterContext context, Verdict verdict, bool connect = false)
    {
        Log.Decision(logger, context.GetMacro("i") ?? "-", context.Connection?.Address ?? "-", verdict.Stage, verdict.Outcome, verdict.DecidedBy?.Location ?? verdict.Reason);
        if (connect)
        {
            return new(MilterResponse.Continue);
        }

        MilterResponse response = verdict.Action switch
        {
            VerdictAction.Reject or VerdictAction.TempFail when verdict.Reply is { } reply =>
                MilterResponse.Reply(reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.EnhancedCode, reply.Text),
            VerdictAction.Reject => MilterResponse.Reject,
            VerdictAction.TempFail => MilterResponse.TempFail,
            VerdictAction.Discard => MilterResponse.Discard,
            VerdictAction.Quarantine => Remember(verdict.QuarantineReason),
            _ => MilterResponse.Continue, // Accept = continue: ACCEPT would stop all further filtering
        };
        return new(response);
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
    }
}
