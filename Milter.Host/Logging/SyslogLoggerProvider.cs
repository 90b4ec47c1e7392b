using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Logging;

/// <summary>
/// Sends each log line as one datagram to the local syslog socket (<c>Milter:Logging:SyslogSocket</c>, default
/// <c>/dev/log</c>) in the format glibc's <c>syslog(3)</c> uses, facility <c>Milter:Logging:SyslogFacility</c> (mail).
/// The socket is (re)connected on demand, so a restarted syslog daemon is found again; when it cannot be reached
/// the line goes to stderr in the same format instead of being lost. A send that blocks longer than a second (the
/// daemon's queue full) drops that line rather than stall mail.
/// </summary>
[ProviderAlias("Syslog")]
internal sealed class SyslogLoggerProvider : ILoggerProvider
{
    private const int MaxDatagram = 16 * 1024;
    private readonly string _path;
    private readonly int _facility;
    private readonly string _tag;
    private readonly TimeProvider _time;
    private readonly TextWriter _fallback;
    private readonly int _pid = Environment.ProcessId;
    private readonly Lock _lock = new();
    private Socket? _socket;

    public SyslogLoggerProvider(LoggingSettings settings, TimeProvider? time = null, TextWriter? fallback = null)
    {
        _path = settings.SyslogSocket;
        _facility = Syslog.TryFacility(settings.SyslogFacility, out int facility) ? facility : 2;
        _tag = settings.SyslogTag;
        _time = time ?? TimeProvider.System;
        _fallback = fallback ?? Console.Error;
    }

    public ILogger CreateLogger(string categoryName) => new SyslogLogger(this);

    public void Write(LogLevel level, string message)
    {
        string line = Syslog.Line(_facility, level, _time.GetLocalNow(), _tag, _pid, message);
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        lock (_lock)
        {
            if (TrySend(bytes) || TrySend(bytes)) // the second try on a fresh socket: the daemon may have restarted
            {
                return;
            }

            _fallback.WriteLine(line);
        }
    }

    private bool TrySend(byte[] bytes)
    {
        try
        {
            _socket ??= Connect();
            _socket.Send(bytes, 0, Math.Min(bytes.Length, MaxDatagram), SocketFlags.None);
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
            socket.Connect(new UnixDomainSocketEndPoint(_path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _socket?.Dispose();
            _socket = null;
        }
    }
}
