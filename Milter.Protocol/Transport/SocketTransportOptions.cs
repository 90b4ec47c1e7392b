namespace Milter.Protocol.Transport;

/// <summary>How a <see cref="SocketTransport"/> reads and writes.</summary>
public sealed class SocketTransportOptions
{
    /// <summary>The milter side: idle connections wait with a zero-byte read and hold no receive buffer.</summary>
    public static SocketTransportOptions Server { get; } = new();

    /// <summary>
    /// The MTA side: a reply is expected right after every send, so reads go straight into a buffer (a zero-byte
    /// read first would cost one more receive call per reply).
    /// </summary>
    public static SocketTransportOptions Client { get; } = new() { WaitForDataBeforeAllocatingBuffer = false };

    /// <summary>
    /// Wait for data with a zero-byte receive before taking a buffer from the pool (as Kestrel does), so that an
    /// idle connection holds no buffer; costs one extra receive call per read that has to wait.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; init; } = true;

    /// <summary>Smallest buffer a receive is given.</summary>
    public int MinimumReceiveSize { get; init; } = 2048;

    /// <summary>Smallest buffer handed to a writer.</summary>
    public int MinimumSendBufferSize { get; init; } = 4096;

    /// <summary>
    /// How long a flush may wait for the peer to take the bytes (its socket buffer full because it does not read);
    /// then the flush throws <see cref="TimeoutException"/> and the connection is done. Infinite waits for ever.
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
