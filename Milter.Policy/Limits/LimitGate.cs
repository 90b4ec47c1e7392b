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
    private readonly LimitEngine _engine;
    private readonly FloodLimits _limits;
    private readonly ILimitedSession _session;
    private LimitKey? _client;
    private LimitKey? _network;
    private LimitKey? _senderKey;
    private LimitKey? _userKey;
    private string? _sender;
    private AuthFacts _auth;
    private bool? _connectOk;
    private bool? _leased;
    private int _recipients;
    private int _slot; // 1 while this session holds an open-connection slot
    private int _counted; // 1 while this session is in the engine's OpenConnections
    private int _closed;

    internal LimitGate(LimitEngine engine, ILimitedSession session)
    {
        _engine = engine;
        _limits = engine.Limits;
        _session = session;
        _client = LimitKey.ForClient(session.Client.Address);
        _network = LimitKey.ForNetwork(session.Client.Address, _limits.NetworkPrefixV4, _limits.NetworkPrefixV6);
    }

    /// <summary>This session holds an open-connection slot (given back by <see cref="Close"/>).</summary>
    public bool HoldsConnectionSlot => Volatile.Read(ref _slot) == 1;

    /// <summary>
    /// Counts this connection as Sendmail's daemon does before check_relay, every connection alike: its
    /// <c>{client_rate}</c> and <c>{client_connections}</c> go to the session, which compares them with the client's
    /// <c>ClientRate:</c>/<c>ClientConn:</c> entries where Sendmail does (ratecontrol/conncontrol). Call it once, at
    /// connect, before the policy's connect stage. Nothing is counted for local clients or without <see cref="FloodLimits.AccessEntries"/>.
    /// </summary>
    public void Register()
    {
        if (!_limits.AccessEntries || _client is not { } client || Interlocked.Exchange(ref _counted, 1) == 1)
        {
            return;
        }

        var rate = _engine.RateWindow.Add(client);
        _engine.OpenConnections.TryAcquire(client, int.MaxValue, force: true, out var open);
        _session.Count(new ClientCounts(rate, open, _limits));
        if (Volatile.Read(ref _closed) == 1)
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
        if (_client is not { } client)
        {
            return null;
        }

        var conn = _limits.ClientConnections ?? s_noConnectionLimit;
        var max = conn.Max;
        var rate = _limits.ClientConnectionRate;
        if (_limits.AccessEntries)
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
            var audit = conn.Audit || _limits.Audit;
            var within = _engine.Connections.TryAcquire(client, max, force: audit, out var open);
            if (within || audit)
            {
                Volatile.Write(ref _slot, 1);
                if (Volatile.Read(ref _closed) == 1)
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
                    return _limits.ConnectionsReply;
                }
            }
        }

        var refusal = await CheckAsync(rate, _client, PolicyStage.Connect, _limits.ConnectionRateReply, cancellationToken).ConfigureAwait(false);
        if (refusal is not null)
        {
            ReleaseSlot();
        }

        return refusal;
    }

    /// <summary>Message rates by user, sender, client, network, server. <paramref name="auth"/> decides the Authenticated exemption.</summary>
    public async ValueTask<PolicyReply?> MailAsync(string? sender, AuthFacts auth = default, CancellationToken cancellationToken = default)
    {
        _sender = sender;
        _auth = auth;
        _recipients = 0;
        _senderKey = LimitKey.ForSender(sender);
        _userKey = auth.IsAuthenticated ? LimitKey.ForUser(auth.User) : null;
        var reply = _limits.RateReply;
        return await CheckAsync(_limits.UserMessageRate, _userKey, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.SenderMessageRate, _senderKey, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.ClientMessageRate, _client, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.NetworkMessageRate, _network, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.ServerMessageRate, LimitKey.Server, PolicyStage.Mail, reply, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Recipients per message, then recipient rates by user, sender, client, network, server, then the mail bomb.</summary>
    public async ValueTask<PolicyReply?> RcptAsync(string? recipient, CancellationToken cancellationToken = default)
    {
        _recipients++;
        if (_limits.RecipientsPerMessage is { Max: > 0 } perMessage && _recipients > perMessage.Max
            && !await IsExemptAsync(perMessage.Exempt, cancellationToken).ConfigureAwait(false))
        {
            var audit = perMessage.Audit || _limits.Audit;
            Report(perMessage.Name, PolicyStage.Rcpt, _senderKey ?? _client ?? LimitKey.Server, _recipients, perMessage.Max, TimeSpan.Zero, audit);
            if (!audit)
            {
                _recipients--;
                return _limits.RecipientsReply;
            }
        }

        var reply = _limits.RateReply;
        var refusal = await CheckAsync(_limits.UserRecipientRate, _userKey, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.SenderRecipientRate, _senderKey, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.ClientRecipientRate, _client, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.NetworkRecipientRate, _network, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false)
            ?? await CheckAsync(_limits.ServerRecipientRate, LimitKey.Server, PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false);
        if (refusal is null && _limits.MailBomb is { } bomb)
        {
            refusal = await CheckAsync(bomb, LimitKey.ForPair(_sender, recipient), PolicyStage.Rcpt, reply, cancellationToken).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            _recipients--;
        }

        return refusal;
    }

    /// <summary>The message ended (end of message, RSET, abort): the recipient count starts again.</summary>
    public void EndMessage() => _recipients = 0;

    /// <summary>The session ended (QUIT, QUIT_NC, hang-up, error): gives the open-connection slot back, once.</summary>
    public void Close()
    {
        Volatile.Write(ref _closed, 1);
        ReleaseSlot();
        if (Interlocked.Exchange(ref _counted, 0) == 1 && _client is { } counted)
        {
            _engine.OpenConnections.Release(counted);
        }
    }

    private void ReleaseSlot()
    {
        if (Interlocked.Exchange(ref _slot, 0) == 1 && _client is { } client)
        {
            _engine.Connections.Release(client);
        }
    }

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
            return _limits.StoreDownReply; // the store logs the outage once
        }

        var audit = limit.Audit || _limits.Audit;
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

        if ((exempt & LimitExemptions.Authenticated) != 0 && _auth.IsAuthenticated)
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
