using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Milter.Protocol.Client;
using NUnit.Framework;

namespace Milter.Host.Tests.Service;

/// <summary>
/// <c>milter run</c> under a service manager's <c>NOTIFY_SOCKET</c> (a unix datagram socket bound in a temp dir here):
/// READY=1 once it listens, STOPPING=1 at SIGTERM, as <c>Type=notify</c> expects.
/// </summary>
[Category("Sockets")]
[NonParallelizable]
public class SystemdNotifyTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task MilterRun_SendsReadyOnceListening_AndStoppingAtSigterm(CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("milter-notify-test").FullName;
        string path = Path.Combine(dir, "notify");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(path));
        string spec = $"inet:{FreePort.Next()}@127.0.0.1";
        using System.Diagnostics.Process milter = MilterProgram.StartWith(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path }, "run", "--listen", spec, "--state-dir", dir);
        try
        {
            (await ReceiveAsync(notify, cancellationToken)).Should().Contain("READY=1");
            await using (MilterClient client = await MilterClient.ConnectAsync(spec, null, cancellationToken))
            {
                await client.NegotiateAsync(cancellationToken); // listening before READY=1, not after
            }

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", milter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(cancellationToken);
            }

            (await ReceiveAsync(notify, cancellationToken)).Should().Contain("STOPPING=1");
            await milter.WaitForExitAsync(cancellationToken);
            milter.ExitCode.Should().Be(0);
        }
        finally
        {
            if (!milter.HasExited)
            {
                milter.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[4096];
        int length = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
