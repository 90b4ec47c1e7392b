namespace Milter.Policy.Limits;

/// <summary>
/// The flood limits of one process: the limits, the store of rate buckets (memory or shared), the open-connection
/// counter. One <see cref="LimitGate"/> per SMTP session asks it at connect, MAIL and RCPT.
/// </summary>
public sealed class LimitEngine
{
    /// <summary>Clients whose connections <see cref="RateWindow"/> keeps (about 150 bytes each).</summary>
    public const int RateWindowClients = 65536;

    public LimitEngine(FloodLimits limits, IRateLimitStore store, ILimitObserver? observer = null, ConnectionCounter? connections = null, TimeProvider? time = null)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Observer = observer;
        Connections = connections ?? new ConnectionCounter();
        RateWindow = new ConnectionRateWindow(limits.ConnectionRateWindow, time ?? TimeProvider.System, RateWindowClients);
    }

    public FloodLimits Limits { get; }

    public IRateLimitStore Store { get; }

    public ILimitObserver? Observer { get; }

    /// <summary>Open connections held by the <see cref="FloodLimits.ClientConnections"/> limit (exempt clients are not counted).</summary>
    public ConnectionCounter Connections { get; }

    /// <summary>Every open connection per client, as Sendmail's <c>{client_connections}</c> (for <c>ClientConn:</c>).</summary>
    public ConnectionCounter OpenConnections { get; } = new();

    /// <summary>Every connection per client in Sendmail's rate window, as <c>{client_rate}</c> (for <c>ClientRate:</c>).</summary>
    public ConnectionRateWindow RateWindow { get; }

    /// <summary>Starts the limits of one SMTP session (call <see cref="LimitGate.Register"/> next, <see cref="LimitGate.Close"/> at the end).</summary>
    public LimitGate Open(ILimitedSession session) => new(this, session ?? throw new ArgumentNullException(nameof(session)));
}
