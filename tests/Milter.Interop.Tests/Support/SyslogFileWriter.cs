using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// A syslog daemon in miniature, as rsyslog writes a traditional file: a unix datagram socket anyone may write to
/// (mode 0666, like /dev/log), each message <c>&lt;PRI&gt;TIMESTAMP TAG: MSG</c> (<c>logger --rfc3164</c>) appended
/// to <see cref="LogFile"/> as <c>TIMESTAMP HOST TAG: MSG</c>. The file is written by root, as a syslog file is:
/// which is exactly why any local user can put a line in it.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed partial class SyslogFileWriter : IDisposable
{
    private readonly Socket _socket;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();

    private SyslogFileWriter(Socket socket, string socketPath, string logFile)
    {
        _socket = socket;
        SocketPath = socketPath;
        LogFile = logFile;
        _loop = Task.Run(ReceiveAsync);
    }

    public string SocketPath { get; }

    public string LogFile { get; }

    public static SyslogFileWriter Start(string socketPath, string logFile)
    {
        File.WriteAllText(logFile, string.Empty);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, (UnixFileMode)0b110_110_110);
        return new SyslogFileWriter(socket, socketPath, logFile);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the receive ended with the socket
        }

        _stop.Dispose();
        File.Delete(SocketPath);
    }

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[8192];
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Match message = Rfc3164().Match(Encoding.UTF8.GetString(buffer, 0, length));
            if (message.Success)
            {
                // logger puts this host's name after the time (glibc's syslog does not): the file gets it once
                string rest = message.Groups["rest"].Value.TrimEnd('\n');
                string host = Environment.MachineName + " ";
                rest = rest.StartsWith(host, StringComparison.Ordinal) ? rest[host.Length..] : rest;
                await File.AppendAllTextAsync(LogFile, $"{message.Groups["time"].Value} testhost {rest}\n").ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex(@"^<\d{1,3}>(?<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex Rfc3164();
}
