namespace Milter.Protocol.Listening;

/// <summary>
/// The connections a listener is serving, with their count per peer: admits a new one only under both caps, drops
/// ended ones, and hands out a snapshot for a stop. The open connections are a list threaded through the connections
/// themselves (two references each) rather than a dictionary's entry and bucket: 26 bytes less per idle connection.
/// </summary>
internal sealed class ConnectionRegistry(int maxConnections, int maxPerPeer)
{
    private readonly Dictionary<string, int> _perPeer = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private ListenerConnection? _first;
    private int _count;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public Admission TryAdd(ListenerConnection connection)
    {
        lock (_lock)
        {
            if (connection.Registered)
            {
                throw new InvalidOperationException($"connection {connection.Id} is registered already");
            }

            if (_count >= maxConnections)
            {
                return Admission.ListenerFull;
            }

            if (connection.Peer is { } peer && maxPerPeer > 0)
            {
                int count = _perPeer.GetValueOrDefault(peer);
                if (count >= maxPerPeer)
                {
                    return Admission.PeerFull;
                }

                _perPeer[peer] = count + 1;
            }

            connection.Registered = true;
            connection.NextOpen = _first;
            _first?.PreviousOpen = connection;
            _first = connection;
            _count++;
            return Admission.Admitted;
        }
    }

    /// <summary>Drops <paramref name="connection"/>; returns how many stay open.</summary>
    public int Remove(ListenerConnection connection)
    {
        lock (_lock)
        {
            if (!Unlink(connection) || connection.Peer is not { } peer || maxPerPeer <= 0)
            {
                return _count;
            }

            int count = _perPeer.GetValueOrDefault(peer) - 1;
            if (count > 0)
            {
                _perPeer[peer] = count;
            }
            else
            {
                _perPeer.Remove(peer);
            }

            return _count;
        }
    }

    public ListenerConnection[] Snapshot()
    {
        lock (_lock)
        {
            var open = new ListenerConnection[_count];
            int i = 0;
            for (ListenerConnection? connection = _first; connection is not null; connection = connection.NextOpen)
            {
                open[i++] = connection;
            }

            return open;
        }
    }

    /// <summary>Takes <paramref name="connection"/> out of the list; false when it was not in it (already removed).</summary>
    private bool Unlink(ListenerConnection connection)
    {
        if (!connection.Registered)
        {
            return false;
        }

        if (connection.PreviousOpen is { } previous)
        {
            previous.NextOpen = connection.NextOpen;
        }
        else
        {
            _first = connection.NextOpen;
        }

        connection.NextOpen?.PreviousOpen = connection.PreviousOpen;
        connection.PreviousOpen = null;
        connection.NextOpen = null;
        connection.Registered = false;
        _count--;
        return true;
    }
}

/// <summary>What <see cref="ConnectionRegistry.TryAdd"/> decided.</summary>
internal enum Admission
{
    Admitted,
    ListenerFull,
    PeerFull,
}
