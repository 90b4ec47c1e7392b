using System.Net;
using System.Net.Sockets;

namespace Milter.Testing;

/// <summary>Probes of a loopback port a process under test is to listen on.</summary>
public static class Loopback
{
    /// <summary>True when a TCP connection to 127.0.0.1:<paramref name="port"/> is accepted now (the probe is closed at once).</summary>
    public static async Task<bool> AcceptsAsync(int port)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
