using System.Net.Sockets;
using System.Text;

namespace Milter.Host.Logging;

/// <summary>
/// Sends each line of a batch as one datagram (without its <c>\n</c>) to the local syslog socket
/// (<c>Milter:Logging:SyslogSocket</c>, default <c>/dev/log</c>). The socket is (re)connected on demand, so a restarted
/// syslog daemon is found again; when it cannot be reached the line goes to <c>fallback</c> (stderr) instead of being
/// lost. A send that blocks longer than a second (the daemon's queue full) drops that line rather than stall the writer.
/// </summary>
internal sealed class SyslogLogTarget(string path, TextWriter? fallback = null) : LogTarget
{
    private const int MaxDatagram = 16 * 1024;
    private readonly TextWriter _fallback = fallback ?? Console.Error;
    private Socket? _socket;

    public override void Write(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            int end = lines.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? lines : lines[..end];
            lines = end < 0 ? default : lines[(end + 1)..];
            if (line.IsEmpty)
            {
                continue;
            }

            line = line[..Math.Min(line.Length, MaxDatagram)];
            if (!TrySend(line) && !TrySend(line)) // the second try on a fresh socket: the daemon may have restarted
            {
                try
                {
                    _fallback.WriteLine(Encoding.UTF8.GetString(line));
                    _fallback.Flush();
                }
                catch (IOException)
                {
                }
            }
        }
    }

    public override void Dispose()
    {
        _socket?.Dispose();
        _socket = null;
        base.Dispose();
    }

    private bool TrySend(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _socket ??= Connect();
            _socket.Send(datagram, SocketFlags.None);
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            return true; // dropped: see the class remarks
        }
        catch (SocketException)
        {
            _socket?.Dispose();
            _socket = null;
            return false;
        }
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 1000 };
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
