namespace Milter.Policy.Limits;

/// <summary>
/// Open connections per client address in this process (Sendmail's <c>ClientConn:</c>, Postfix's
/// <c>smtpd_client_connection_count_limit</c>). A key is dropped when its count returns to 0, so the table holds
/// only clients with open connections.
/// </summary>
public sealed class ConnectionCounter
{
    private readonly Dictionary<(ulong, ulong), int> _open = [];

    /// <summary>Client addresses with at least one open connection.</summary>
    public int Clients
    {
        get
        {
            lock (_open)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Open connections of <paramref name="key"/>.</summary>
    public int Open(in LimitKey key)
    {
        lock (_open)
        {
            return _open.GetValueOrDefault((key.Hi, key.Lo));
        }
    }

    /// <summary>
    /// Takes a slot when fewer than <paramref name="max"/> are open (or always, with <paramref name="force"/>: audit
    /// mode counts too). Returns whether it was within the limit, and the count including this connection.
    /// </summary>
    public bool TryAcquire(in LimitKey key, int max, bool force, out int count)
    {
        lock (_open)
        {
            ref var n = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_open, (key.Hi, key.Lo), out _);
            var within = n < max;
            if (within || force)
            {
                n++;
                count = n;
            }
            else
            {
                count = n + 1;
                if (n == 0)
                {
                    _open.Remove((key.Hi, key.Lo));
                }
            }

            return within;
        }
    }

    /// <summary>Gives a slot back (once per successful <see cref="TryAcquire"/> or forced acquire).</summary>
    public void Release(in LimitKey key)
    {
        lock (_open)
        {
            if (_open.TryGetValue((key.Hi, key.Lo), out var n))
            {
                if (n <= 1)
                {
                    _open.Remove((key.Hi, key.Lo));
                }
                else
                {
                    _open[(key.Hi, key.Lo)] = n - 1;
                }
            }
        }
    }
}
