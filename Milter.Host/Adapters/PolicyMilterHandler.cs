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

namespace Milter.Host.Adapters;

/// <summary>
/// The one type that knows both Milter.Protocol and Milter.Policy: asks each milter stage of the
/// <see cref="PolicyTransaction"/> it is (which decides, flood limits included: one object per connection, not two) and
/// maps its <see cref="Verdict"/> to a milter response. One instance per milter connection; <see cref="CloseAsync"/>, which the session calls on every end (QUIT,
/// QUIT_NC, hang-up, error, timeout), gives the open-connection slot back.
/// Every decision is counted in <see cref="MilterMetrics"/>, with its latency from the stage's command, and logged as
/// Sendmail does: one line (Information) per refusal, discard or quarantine, one summary line per accepted message at
/// its end, every other decision at Debug (<see cref="DecisionEntry"/>, written without allocation). The engines, logger
/// and metrics are reached through one reference shared by the listener's handlers (<see cref="HandlerServices"/>).
/// </summary>
internal sealed partial class PolicyMilterHandler : PolicyTransaction, IMilterHandler
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

    private bool _open;
    private long _stageStarted;

    // The current message, for its summary line; null until the connection's first accepted recipient.
    private MessageSummary? _summary;

    /// <summary>A handler sharing <paramref name="services"/> with the listener's other handlers.</summary>
    public PolicyMilterHandler(HandlerServices services)
        : base(services)
    {
    }

    /// <summary>A handler with services of its own (tests, one-off uses).</summary>
    public PolicyMilterHandler(PolicyEngine engine, ILogger logger, LimitEngine? limits = null, MilterMetrics? metrics = null)
        : this(new HandlerServices(engine, logger, limits, metrics))
    {
    }

    public MilterNegotiation Negotiation => PolicyNegotiation;

    public ValueTask<MilterResponse> ConnectAsync(MilterContext context, ConnectCommand connect, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        if (Services.Metrics is { } metrics)
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
        ForgetMessage();
        return Answer(context, ConnectAsync(new ClientFacts(ClientAddressOf(client), client?.Hostname, resolve), cancellationToken));
    }

    public ValueTask<MilterResponse> HeloAsync(MilterContext context, HeloCommand helo, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        EnsureOpen(context);
        return new(Answer(context, Helo(helo.Name.ToString())));
    }

    public ValueTask<MilterResponse> MailAsync(MilterContext context, EnvelopeCommand sender, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        EnsureOpen(context);
        ForgetMessage();
        var auth = new AuthFacts(context.GetMacro("{auth_type}"), context.GetMacro("{auth_authen}"));
        return Answer(context, MailAsync(sender.Address.ToString(), auth, cancellationToken));
    }

    public ValueTask<MilterResponse> RcptAsync(MilterContext context, EnvelopeCommand recipient, CancellationToken cancellationToken)
    {
        _stageStarted = Stopwatch.GetTimestamp();
        EnsureOpen(context);
        string address = recipient.Address.ToString();
        return Answer(context, RcptAsync(address, cancellationToken), address);
    }

    public ValueTask<MilterResponse> EndOfMessageAsync(MilterContext context, CancellationToken cancellationToken)
    {
        string? quarantine = Quarantine;
        if (quarantine is not null && context.Options.Has(MilterActions.Quarantine))
        {
            context.Quarantine(quarantine);
        }

        if (_summary is { Accepted: > 0 } summary)
        {
            Log(LogLevel.Information, new DecisionEntry(
                MessageStage, context.GetMacro("i"), context.Connection?.Address, Sender, summary.FirstRecipient, summary.Accepted,
                quarantine is null ? "accept" : "quarantine: " + quarantine, summary.AcceptedBy ?? "-"));
        }

        ForgetMessage();
        EndMessage();
        return new(MilterResponse.Continue);
    }

    public ValueTask AbortAsync(MilterContext context, CancellationToken cancellationToken)
    {
        ForgetMessage();
        EndMessage();
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(MilterContext context, CancellationToken cancellationToken)
    {
        if (_open)
        {
            _open = false;
            Services.Metrics?.SessionClosed();
        }

        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Opens a session for a client whose connect stage was never seen.</summary>
    private void EnsureOpen(MilterContext context)
    {
        if (!IsOpen)
        {
            Open(new ClientFacts(ClientAddressOf(context.Connection), context.Connection?.Hostname));
        }
    }

    /// <summary>
    /// The client address the policy is given. IPv4: the CONNECT text when it is already the address's canonical form
    /// (no second string per session); IPv6, v4-mapped and other spellings (<c>0</c>, <c>127.1</c>, <c>0177.0.0.1</c>):
    /// the parsed form (so an inet <c>0</c> is 0.0.0.0, never the local <c>{client_addr}</c> 0); family unknown or unix: none, a local client (Relay_ok's
    /// "originated locally", as Sendmail's empty <c>{client_addr}</c>). Fail closed on what an MTA should never send: an
    /// inet or inet6 address that does not parse, or no CONNECT at all, is passed as a text that is no address, so the
    /// client is neither local nor found by an address rule.
    /// </summary>
    private static string? ClientAddressOf(ConnectInfo? client) => client switch
    {
        null => UnknownAddress,
        { Family: ConnectFamily.Inet, IPAddress: { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork } address } when IsCanonical(address, client.Value.Address) => client.Value.Address,
        { IPAddress: { } address } => address.ToString(),
        { Family: ConnectFamily.Inet or ConnectFamily.Inet6 } => UnknownAddress,
        _ => null,
    };

    private const string UnknownAddress = "unknown";

    private static bool IsCanonical(System.Net.IPAddress address, string text)
    {
        Span<char> canonical = stackalloc char[15]; // 255.255.255.255
        return address.TryFormat(canonical, out int length) && canonical[..length].SequenceEqual(text);
    }

    private ValueTask<MilterResponse> Answer(MilterContext context, ValueTask<Verdict> pending, string? recipient = null) =>
        pending.IsCompletedSuccessfully ? new(Answer(context, pending.Result, recipient)) : AnswerAsync(context, pending, recipient);

    private async ValueTask<MilterResponse> AnswerAsync(MilterContext context, ValueTask<Verdict> pending, string? recipient) =>
        Answer(context, await pending.ConfigureAwait(false), recipient);

    /// <summary>
    /// The verdict as the MTA hears it, counted and logged. A withheld connect verdict is answered continue (Sendmail
    /// ignores the text of a connect-stage reply: it is delivered at HELO, MAIL or RCPT); accept and quarantine are
    /// continue too (ACCEPT would stop all further filtering; the quarantine is asked for at end of message).
    /// </summary>
    private MilterResponse Answer(MilterContext context, in Verdict verdict, string? recipient = null)
    {
        string rule = verdict.DecidedBy?.Location ?? verdict.Reason;
        Services.Metrics?.Decision(verdict.Stage, verdict.Action, rule, _stageStarted);
        Note(context, verdict, rule, recipient);
        if (verdict.IsWithheld)
        {
            return MilterResponse.Continue;
        }

        return verdict.Action switch
        {
            VerdictAction.Reject or VerdictAction.TempFail when verdict.Reply is { } reply => ReplyResponse(reply),
            VerdictAction.Reject => MilterResponse.Reject,
            VerdictAction.TempFail => MilterResponse.TempFail,
            VerdictAction.Discard => MilterResponse.Discard,
            _ => MilterResponse.Continue, // Continue, Accept, Quarantine
        };
    }

    /// <summary>
    /// SMFIR_REPLYCODE for <paramref name="reply"/>. Policy replies are made fit for the wire when built (no control
    /// characters, bounded lines); one the wire still refuses (an enhanced code of the wrong class) is logged and sent
    /// as a plain reject or tempfail of the same class, never dropping the connection (which, without F=T, lets the
    /// next transaction through).
    /// </summary>
    private MilterResponse ReplyResponse(PolicyReply reply)
    {
        try
        {
            return MilterResponse.Reply(reply.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.EnhancedCode, reply.TextLines);
        }
        catch (ArgumentException ex)
        {
            Host.Log.UnsendableReply(Services.Logger, reply.Line, ex.Message);
            return reply.IsTemporary ? MilterResponse.TempFail : MilterResponse.Reject;
        }
    }

    private static ClientResolve ParseResolve(string? value) =>
        string.Equals(value, "OK", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Ok
        : string.Equals(value, "FAIL", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Fail
        : string.Equals(value, "FORGED", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Forged
        : string.Equals(value, "TEMP", StringComparison.OrdinalIgnoreCase) ? ClientResolve.Temp
        : ClientResolve.Unknown; // compared in place: no upper-cased copy per connection

    /// <summary>
    /// The decision's log line: refusals, discards and quarantines at Information (a withheld connect verdict is only
    /// noted at Debug: it is delivered, and logged, at HELO, MAIL or RCPT); an accepted recipient is kept for the message's
    /// summary at its end; the rest at Debug.
    /// </summary>
    private void Note(MilterContext context, in Verdict verdict, string rule, string? recipient)
    {
        bool blocks = verdict.Action is VerdictAction.Reject or VerdictAction.TempFail or VerdictAction.Discard or VerdictAction.Quarantine;
        if (verdict.Stage == PolicyStage.Rcpt && !verdict.IsRefusal && verdict.Action != VerdictAction.Discard)
        {
            (_summary ??= new MessageSummary()).Accept(recipient, rule);
        }

        LogLevel level = blocks && !verdict.IsWithheld ? LogLevel.Information : LogLevel.Debug;
        if (Services.Logger.IsEnabled(level))
        {
            Log(level, new DecisionEntry(
                StageNames[(int)verdict.Stage], context.GetMacro("i"), context.Connection?.Address,
                verdict.Stage is PolicyStage.Mail or PolicyStage.Rcpt ? Sender : null, recipient, 0, VerdictText(verdict), rule));
        }
    }

    private void Log(LogLevel level, in DecisionEntry entry) => Services.Logger.Log(level, DecisionEvent, entry, null, DecisionEntry.Formatter);

    private void ForgetMessage() => _summary?.Clear();

    /// <summary>The listener's shared services: the engines given to the base are always a <see cref="HandlerServices"/>.</summary>
    private HandlerServices Services => (HandlerServices)Engines;

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
}
