using System.Collections.Concurrent;

namespace Milter.Policy.Limits;

/// <summary>
/// The flood limits of one process: the limits, the store of rate buckets (memory or shared), the open-connection
/// counter. One <see cref="LimitGate"/> per SMTP session asks it at connect, MAIL and RCPT.
/// </summary>
public sealed class LimitEngine
{
    private static readonly TimeSpan SendmailRateWindow = TimeSpan.FromSeconds(60); // ConnectionRateWindowSize
    private readonly ConcurrentDictionary<int, RateLimit> _clientRateVariants = new();

    public LimitEngine(FloodLimits limits, IRateLimitStore store, ILimitObserver? observer = null, ConnectionCounter? connections = null)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Observer = observer;
        Connections = connections ?? new ConnectionCounter();
        // ClientRate:/ClientConn: entries need buckets even when the configured limit is off (Sendmail's exemption:
        // Connect: OK/RELAY, as ratecontrol runs at the end of check_relay).
        ClientRateBase = limits.ClientConnectionRate
            ?? new RateLimit(nameof(FloodLimits.ClientConnectionRate), LimitScope.Client, 1, SendmailRateWindow, exempt: LimitExemptions.ConnectOk);
        ClientConnBase = limits.ClientConnections ?? new CountLimit(nameof(FloodLimits.ClientConnections), 0, Exempt: LimitExemptions.ConnectOk);
    }

    public FloodLimits Limits { get; }

    public IRateLimitStore Store { get; }

    public ILimitObserver? Observer { get; }

    public ConnectionCounter Connections { get; }

    internal RateLimit ClientRateBase { get; }

    internal CountLimit ClientConnBase { get; }

    /// <summary>Starts the limits of one SMTP session (call <see cref="LimitGate.ConnectAsync"/> next, <see cref="LimitGate.Close"/> at the end).</summary>
    public LimitGate Open(PolicySession session) => new(this, session ?? throw new ArgumentNullException(nameof(session)));

    /// <summary>The connection rate a <c>ClientRate:</c> entry of <paramref name="count"/> sets (same buckets as the configured one).</summary>
    internal RateLimit ClientRate(int count) =>
        count == ClientRateBase.Count && ClientRateBase.Burst == count
            ? ClientRateBase
            : _clientRateVariants.GetOrAdd(count, static (n, b) => b.WithCount(n), ClientRateBase);
}
