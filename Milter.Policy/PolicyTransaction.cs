using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy;

/// <summary>
/// The one verdict per stage of one milter connection: the access rules, relay decision and leases of a
/// <see cref="PolicySession"/>, then, for a stage they let through, the flood limits of its <see cref="LimitGate"/>
/// (a limit's refusal is a verdict whose <see cref="Verdict.Reason"/> is <see cref="LimitsReason"/>). A connect-stage
/// verdict of the rules is <see cref="Verdict.IsWithheld"/> (Sendmail ignores the text of a connect-stage reply: it is
/// delivered at HELO, MAIL or RCPT); a limit's refusal at connect is not. A quarantine is carried to the end of the
/// message (<see cref="Quarantine"/>). A new SMTP session on the same connection (QUIT_NC) starts with
/// <see cref="ConnectAsync"/>; <see cref="Close"/> gives the open-connection slot back. Not thread-safe. Not sealed: an
/// adapter may derive from it, so that its connection holds one object, not an adapter and a transaction.
/// </summary>
public class PolicyTransaction
{
    /// <summary>The <see cref="Verdict.Reason"/> of a refusal by the flood limits.</summary>
    public const string LimitsReason = "limits";

    private const string DefaultQuarantine = "quarantined by policy";

    private readonly TransactionEngines _engines;
    private PolicySession? _session;
    private LimitGate? _gate;

    /// <summary>A transaction with engines of its own (one object more per connection than <see cref="PolicyTransaction(TransactionEngines)"/>).</summary>
    public PolicyTransaction(PolicyEngine engine, LimitEngine? limits = null)
        : this(new TransactionEngines(engine, limits))
    {
    }

    /// <summary>A transaction asking <paramref name="engines"/>, shared by the listener's connections (one reference per connection).</summary>
    public PolicyTransaction(TransactionEngines engines) => _engines = engines ?? throw new ArgumentNullException(nameof(engines));

    /// <summary>A session is open (<see cref="ConnectAsync"/> or <see cref="Open"/> was called).</summary>
    public bool IsOpen => _session is not null;

    /// <summary>The shared engines this transaction asks (an adapter reaches its own shared services through them).</summary>
    protected TransactionEngines Engines => _engines;

    /// <summary>
    /// The quarantine reason of the current message, kept from the stage that decided it until <see cref="EndMessage"/>
    /// or the next MAIL (held by the session's message facts: no field per idle connection); a new session starts without one.
    /// </summary>
    public string? Quarantine => _session?.Quarantine;

    /// <summary>The sender of the current message as given to <see cref="MailAsync"/>; null before MAIL and after <see cref="EndMessage"/>.</summary>
    public string? Sender => _session?.Sender;

    /// <summary>
    /// Connect: the client is counted (Sendmail's <c>{client_rate}</c>/<c>{client_connections}</c>, every connection alike),
    /// check_relay runs (DNS lists first when it needs them), then, unless it refused, the connect limits.
    /// </summary>
    public ValueTask<Verdict> ConnectAsync(ClientFacts client, CancellationToken cancellationToken)
    {
        _gate?.Close(); // a previous SMTP session on this connection (QUIT_NC) that was not closed
        _gate = null;
        _session = _engines.Engine.OpenSession(client);
        if (_engines.Limits is { } limits)
        {
            _gate = limits.Open(_session);
            _gate.Register(); // before check_relay, as Sendmail's daemon counts
        }

        ValueTask<Verdict> pending = _session.ConnectAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? ConnectLimits(pending.Result, cancellationToken) : ConnectAfterDnsAsync(pending, cancellationToken);
    }

    /// <summary>A session for a client whose connect stage was never seen: no limits apply to it.</summary>
    public void Open(ClientFacts client) => _session = _engines.Engine.OpenSession(client);

    /// <summary>HELO/EHLO: a connect-stage refusal is delivered here.</summary>
    public Verdict Helo(string? name) => Session.Helo(name);

    /// <summary>MAIL: a new message (the sender and quarantine of the previous one are forgotten), check_mail, then the message rates.</summary>
    public ValueTask<Verdict> MailAsync(string sender, AuthFacts auth, CancellationToken cancellationToken)
    {
        PolicySession session = Session;
        session.Reset(); // the quarantine too
        ValueTask<Verdict> pending = session.MailAsync(sender, auth, cancellationToken);
        return pending.IsCompletedSuccessfully ? MailLimits(pending.Result, sender, auth, cancellationToken) : MailAfterDnsAsync(pending, sender, auth, cancellationToken);
    }

    /// <summary>RCPT: check_rcpt and the relay decision, then the recipient limits.</summary>
    public async ValueTask<Verdict> RcptAsync(string recipient, CancellationToken cancellationToken)
    {
        Verdict verdict = await Session.RcptAsync(recipient, cancellationToken).ConfigureAwait(false);
        if (_gate is null || verdict.IsRefusal)
        {
            return Kept(verdict);
        }

        return Limited(verdict, await _gate.RcptAsync(recipient, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>End of message, RSET or abort: the sender, the quarantine and the recipient count are forgotten.</summary>
    public void EndMessage()
    {
        _session?.Reset(); // the quarantine too
        _gate?.EndMessage();
    }

    /// <summary>The connection ended: the open-connection slot is given back (safe to call more than once).</summary>
    public void Close() => _gate?.Close();

    private PolicySession Session => _session ?? throw new InvalidOperationException("no session: call ConnectAsync or Open first");

    private async ValueTask<Verdict> ConnectAfterDnsAsync(ValueTask<Verdict> pending, CancellationToken cancellationToken) =>
        await ConnectLimits(await pending.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    private ValueTask<Verdict> ConnectLimits(Verdict verdict, CancellationToken cancellationToken)
    {
        if (_gate is null || verdict.IsRefusal)
        {
            return new(verdict);
        }

        ValueTask<PolicyReply?> pending = _gate.ConnectAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? new(Limited(verdict, pending.Result)) : LimitedAsync(verdict, pending);
    }

    private async ValueTask<Verdict> MailAfterDnsAsync(ValueTask<Verdict> pending, string sender, AuthFacts auth, CancellationToken cancellationToken) =>
        await MailLimits(await pending.ConfigureAwait(false), sender, auth, cancellationToken).ConfigureAwait(false);

    private ValueTask<Verdict> MailLimits(Verdict verdict, string sender, AuthFacts auth, CancellationToken cancellationToken)
    {
        if (_gate is null || verdict.IsRefusal)
        {
            return new(Kept(verdict));
        }

        ValueTask<PolicyReply?> pending = _gate.MailAsync(sender, auth, cancellationToken);
        return pending.IsCompletedSuccessfully ? new(Limited(verdict, pending.Result)) : LimitedAsync(verdict, pending);
    }

    private async ValueTask<Verdict> LimitedAsync(Verdict verdict, ValueTask<PolicyReply?> pending) =>
        Limited(verdict, await pending.ConfigureAwait(false));

    /// <summary>The rules' verdict when no limit refused; else the limit's refusal at the same stage.</summary>
    private Verdict Limited(in Verdict verdict, PolicyReply? refusal) =>
        refusal is null
            ? Kept(verdict)
            : new Verdict(verdict.Stage, refusal.Code >= 500 ? VerdictAction.Reject : VerdictAction.TempFail, refusal, null, null, LimitsReason, verdict.RuleSetVersion, null);

    /// <summary>A delivered quarantine is remembered until the end of the message.</summary>
    private Verdict Kept(in Verdict verdict)
    {
        if (verdict.Action == VerdictAction.Quarantine && !verdict.IsWithheld)
        {
            Session.Quarantined(string.IsNullOrEmpty(verdict.QuarantineReason) ? DefaultQuarantine : verdict.QuarantineReason);
        }

        return verdict;
    }
}
