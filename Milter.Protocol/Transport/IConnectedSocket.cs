using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Milter.Protocol.Transport;

/// <summary>
/// A connected stream socket as the transport uses it: its descriptor, for the calls that never wait
/// (<see cref="NonBlocking"/>, <see cref="ReadinessMonitor"/>), and a <see cref="System.Net.Sockets.Socket"/> for the
/// runtime's waits, which a connection accepted on Linux makes only when one is needed (a peer that does not read,
/// a platform without epoll): an idle connection then holds no <see cref="System.Net.Sockets.Socket"/>, endpoint or address objects.
/// </summary>
internal interface IConnectedSocket
{
    SafeHandle Handle { get; }

    Socket Socket { get; }
}
