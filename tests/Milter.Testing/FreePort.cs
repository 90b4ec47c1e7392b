using System.Net;
using System.Net.Sockets;

namespace Milter.Testing;

/// <summary>Loopback ports nobody uses right now (bind port 0, read the port, release it): tests never take fixed ones.</summary>
public static class FreePort
{
    /// <summary>A loopback TCP port nobody listens on right now.</summary>
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>A loopback UDP port nobody is bound to right now (a DRAC feed's datagram port).</summary>
    public static int NextUdp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A loopback port free for both TCP and UDP right now (a DNS server listens on both).</summary>
    public static int NextForTcpAndUdp()
    {
        for (int i = 0; i < 20; i++)
        {
            int port = Next();
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("no free port for both UDP and TCP on 127.0.0.1");
    }
}
