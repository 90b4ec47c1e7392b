using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// The limits of one SMTP session, asked after the policy allowed the stage: connect (open connections, connection
/// rate), MAIL (message rates), RCPT (recipients per message, recipient rates, mail bomb). Each answer is null
/// (go on) or the reply to refuse with. Checks run from the narrowest key to the widest and stop at the first
/// refusal, so a refused command is not charged to the wider buckets. <see cref="Close"/> gives the connection
/// slot back and is safe to call more than once. Not thread-safe (one per session, like the <see cref="ILimitedSession"/> it guards).
/// </summary>
public sealed class LimitGate
{
    private static readonly CountLimit s_noConnectionLimit = new(nameof(FloodLimits.ClientConnections), 0);

    // The bits of _state, each set and cleared atomically: Close may run while a connect awaits the lease store.
    private const int HoldsSlot = 1; // this session holds an open-connection slot
    private const int Counted = 2; // this session is in the engine's OpenConnections
    private const int Closed = 4;
    private readonly LimitEngine _engine;
    private readonly ILimitedSession _session;

    // The current message's keys and recipient count, from the session's first MAIL on (reused by later messages); the
    // client and network keys are made from the session's client address when a limit asks for them.
    private LimitMessage? _message;
    private bool? _connectOk;
    private bool? _leased;
    private int _state;

    internal LimitGate(LimitEngine engine, ILimitedSession session)
    {
        _engine = engine;
        _session = session;
    }

    /// <summary>This session holds an open-connection slot (given back by <see cref="Close"/>).</summary>
    public bool HoldsConnectionSlot => (Volatile.Read(ref _state) & HoldsSlot) != 0;

    /// <summary>
    /// Counts this connection as Sendmail's daemon does before check_relay, every connection alike: its
    /// <c>{client_rate}</c> and <c>{client_connections}</c> go to the session, which compares them with the client's
    /// <c>ClientRate:</c>/<c>ClientConn:</c> entries where Sendmail does (ratecontrol/conncontrol). Call it once, at
    /// connect, before the policy's connect stage. Nothing is counted for local clients or without <see cref="FloodLimits.AccessEntries"/>.
    /// </summary>
    public void Register()
    {
        if (!Limits.AccessEntries || ClientKey is not { } client || (Interlocked.Or(ref _state, Counted) & Counted) != 0)
        {
            return;
        }

        var rate = _engine.RateWindow.Add(client);
        _engine.OpenConnections.TryAcquire(client, int.MaxValue, force: true, out var open);
        _session.Count(rate, open, Limits);
        if (IsClosed)
        {
            Close();
        }
    }

    /// <summary>
    /// The configured limits at connect: open connections, then connection rate, for the client address (local clients:
    /// nothing). A <c>ClientConn:</c> or <c>ClientRate:</c> entry that applies to the client replaces the configured limit.
    /// </summary>
    public async ValueTask<PolicyReply?> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (ClientKey is not { } client)
        {
            return null;
        }

        var limits = Limits;
        var conn = limits.ClientConnections ?? s_noConnectionLimit;
        var max = conn.Max;
        var rate = limits.ClientConnectionRate;
        if (limits.AccessEntries)
        {
            if (_session.FindClientLimit(ILimitedSession.ClientConnTag) is not null)
            {
                max = 0;
            }

            if (rate is not null && _session.FindClientLimit(ILimitedSession.ClientRateTag) is not null)
            {
                rate = null;
            }
        }

        if (max > 0 && !await IsExemptAsync(conn.Exempt, cancellationToken).ConfigureAwait(false))
        {
            var audit = conn.Audit || limits.Audit;
            var within = _engine.Connections.TryAcquire(client, max, force: audit, out var open);
            if (within || audit)
            {
                Interlocked.Or(ref _state, HoldsSlot);
                if (IsClosed)
                {
                    Close(); // closed while the lease store answered: give the slot back now
                    return null;
                }
            }

            if (!within)
            {
                Report(conn.Name, PolicyStage.Connect, client, open, max, TimeSpan.Zero, audit);
                if (!audit)
                {
                    return limits.ConnectionsReply;
                }
            }
        }

        var refusal = await CheckAsync(rate, client, PolicyStage.Connect, limits.ConnectionRateReply, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            ReleaseSlot();
        }

        return refusal;
    }

    /// <summary>Message rates by user, sender, client, network, server. <paramref name="auth"/> decides the Authenticated exemption.</summary>
    public async ValueTask<PolicyReply?> MailAsync(string? sender, AuthFacts auth = default, CancellationToken cancellationToken = default)
    {
        Message.Begin(sender, auth);
        var limits = Limits;
        var reply = limits.RateReply;
        return await CheckAsync(limits.UserMessageRate, LimitScope.User, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.SenderMessageRate, LimitScope.Sender, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.ClientMessageRate, LimitScope.Client, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.NetworkMessageRate, LimitScope.Network, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.ServerMessageRate, LimitScope.Server, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Recipients per message, then recipient rates by user, sender, client, network, server, then the mail bomb.</summary>
    public async ValueTask<PolicyReply?> RcptAsync(string? recipient, CancellationToken cancellationToken = default)
    {
        var message = Message;
        var recipients = ++message.Recipients;
        var limits = Limits;
        if (limits.RecipientsPerMessage is { Max: > 0 } perMessage && recipients > perMessage.Max
            && !await IsExemptAsync(perMessage.Exempt, cancellationToken).ConfigureAwait(false))
        {
            var audit = perMessage.Audit || limits.Audit;
            Report(perMessage.Name, PolicyStage.Rcpt, KeyOf(LimitScope.Sender) ?? ClientKey ?? LimitKey.Server, recipients, perMessage.Max, TimeSpan.Zero, audit);
            if (!audit)
            {
                message.Recipients--;
                return limits.RecipientsReply;
            }
        }

        var reply = limits.RateReply;
        var refusal = await CheckAsync(limits.UserRecipientRate, LimitScope.User, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.SenderRecipientRate, LimitScope.Sender, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.ClientRecipientRate, LimitScope.Client, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.NetworkRecipientRate, LimitScope.Network, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(limits.ServerRecipientRate, LimitScope.Server, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false);
        if (refusal is null && limits.MailBomb is { } bomb)
        {
            refusal = await CheckAsync(bomb, LimitKey.ForPair(message.Sender, recipient), PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            message.Recipients--;
        }

        return refusal;
    }

    /// <summary>The message ended (end of message, RSET, abort): the recipient count starts again.</summary>
    public void EndMessage()
    {
        if (_message is { } message)
        {
            message.Recipients = 0;
        }
    }

    /// <summary>The session ended (QUIT, QUIT_NC, hang-up, error): gives the open-connection slot back, once.</summary>
    public void Close()
    {
        Interlocked.Or(ref _state, Closed);
        ReleaseSlot();
        if ((Interlocked.And(ref _state, ~Counted) & Counted) != 0 && ClientKey is { } counted)
        {
            _engine.OpenConnections.Release(counted);
        }
    }

    private void ReleaseSlot()
    {
        if ((Interlocked.And(ref _state, ~HoldsSlot) & HoldsSlot) != 0 && ClientKey is { } client)
        {
            _engine.Connections.Release(client);
        }
    }

    private FloodLimits Limits => _engine.Limits;

    /// <summary>The message's keys and count, made at the session's first MAIL (or RCPT) and reused by its later messages.</summary>
    private LimitMessage Message => _message ??= new LimitMessage();

    private bool IsClosed => (Volatile.Read(ref _state) & Closed) != 0;

    /// <summary>The client's address; null for a local client (no address). Made again for each use: a few instructions, no field per session.</summary>
    private LimitKey? ClientKey => LimitKey.ForClient(_session.Client.Address);

    /// <summary>The key <paramref name="scope"/> counts this session in (null: not counted, e.g. no address, the null sender, not authenticated).</summary>
    private LimitKey? KeyOf(LimitScope scope) => scope switch
    {
        LimitScope.Client => ClientKey,
        LimitScope.Network => LimitKey.ForNetwork(_session.Client.Address, Limits.NetworkPrefixV4, Limits.NetworkPrefixV6),
        LimitScope.Sender => _message?.SenderKey,
        LimitScope.User => _message?.UserKey,
        _ => LimitKey.Server,
    };

    /// <summary>A limit that is off asks for no key.</summary>
    private ValueTask<PolicyReply?> CheckAsync(RateLimit? limit, LimitScope scope, PolicyStage stage, PolicyReply reply, CancellationToken cancellationToken) =>
        limit is null ? default : CheckAsync(limit, KeyOf(scope), stage, reply, cancellationToken);

    private async ValueTask<PolicyReply?> CheckAsync(RateLimit? limit, LimitKey? key, PolicyStage stage, PolicyReply reply, CancellationToken cancellationToken)
    {
        if (limit is null || key is not { } k)
        {
            return null;
        }

        if (limit.Exempt != LimitExemptions.None && await IsExemptAsync(limit.Exempt, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var pending = _engine.Store.AcquireAsync(limit, k, 1, cancellationToken);
        var decision = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
        if (decision.Allowed)
        {
            return null;
        }

        if (decision.Unavailable)
        {
            return Limits.StoreDownReply; // the store logs the outage once
        }

        var audit = limit.Audit || Limits.Audit;
        Report(limit.Name, stage, k, decision.Count + 1, limit.Burst, limit.Period, audit);
        return audit ? null : reply;
    }

    private void Report(string name, PolicyStage stage, in LimitKey key, long count, long max, TimeSpan period, bool audit) =>
        _engine.Observer?.Exceeded(new LimitHit(name, stage, key.Text, count, max, period, audit, _session.Client.Address.IsNone ? string.Empty : _session.Client.Address.ToString()));

    private ValueTask<bool> IsExemptAsync(LimitExemptions exempt, CancellationToken cancellationToken)
    {
        if ((exempt & LimitExemptions.ConnectOk) != 0 && (_connectOk ??= _session.ClientIsTrusted()))
        {
            return new ValueTask<bool>(true);
        }

        if ((exempt & LimitExemptions.Authenticated) != 0 && _message is { Authenticated: true })
        {
            return new ValueTask<bool>(true);
        }

        if ((exempt & LimitExemptions.Leased) == 0 || _leased is false)
        {
            return new ValueTask<bool>(false);
        }

        return _leased is true ? new ValueTask<bool>(true) : LeasedAsync(cancellationToken);
    }

    private async ValueTask<bool> LeasedAsync(CancellationToken cancellationToken)
    {
        // A lease store that cannot answer, or fails, exempts nobody (as the relay decision reads a failure as no answer).
        try
        {
            _leased = await _session.CheckLeaseAsync(cancellationToken).ConfigureAwait(false) == LeaseStatus.Leased;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _leased = false;
        }

        return _leased.Value;
    }
}
