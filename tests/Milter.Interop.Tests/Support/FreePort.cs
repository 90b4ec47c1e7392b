using System.Net;
using System.Net.Sockets;

namespace Milter.Interop.Tests.Support;

/// <summary>A loopback TCP port nobody listens on right now (bind port 0, read the port, release it).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
