using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Testing;

/// <summary>
/// A private NSD (Debian package <c>nsd</c>) serving a tiny authoritative zone on 127.0.0.1 and a free port, from a temp
/// directory it writes (config, zone, pid, log); stopped and removed at dispose. Names, all under <c>example.</c>:
/// <list type="bullet">
/// <item><c>sender.example</c> (A), <c>mxonly.example</c> (MX only), <c>v6only.example</c> (AAAA only),
/// <c>alias.example</c> (CNAME to sender.example): they resolve;</item>
/// <item><c>txtonly.example</c> (TXT only) and any other name under <c>example.</c> (NXDOMAIN): they do not exist
/// (negative TTL <see cref="NegativeTtlSeconds"/>);</item>
/// <item>anything under <c>broken.example.</c>: SERVFAIL (a configured zone with no data), a temporary failure;</item>
/// <item>the DNS list <see cref="ListZone"/>: 127.0.0.2 and 127.0.0.11 listed (A 127.0.0.2, TXT), 127.0.0.12 listed
/// with 127.0.0.4 (for enhdnsbl); every name under <see cref="BrokenListZone"/> is SERVFAIL.</item>
/// </list>
/// Used by Milter.Host.Tests and Milter.Interop.Tests.
/// </summary>
public sealed class TestDnsServer : IDisposable
{
    public const string ListZone = "bl.example";

    /// <summary>A DNS list zone whose every answer is SERVFAIL.</summary>
    public const string BrokenListZone = "bl.broken.example";

    public const int NegativeTtlSeconds = 60;

    private const string Zone = """
        $ORIGIN example.
        $TTL 300
        @ IN SOA ns.example. hostmaster.example. 1 3600 600 86400 60
        @ IN NS ns.example.
        ns IN A 127.0.0.1
        sender IN A 192.0.2.10
        mxonly IN MX 10 mail.sender.example.
        v6only IN AAAA 2001:db8::10
        alias IN CNAME sender.example.
        txtonly IN TXT "no address"
        2.0.0.127.bl IN A 127.0.0.2
        2.0.0.127.bl IN TXT "listed for testing"
        11.0.0.127.bl IN A 127.0.0.2
        11.0.0.127.bl IN TXT "listed for testing"
        12.0.0.127.bl IN A 127.0.0.4

        """;

    private static readonly string[] NsdPaths = ["/usr/sbin/nsd", "/usr/bin/nsd"];

    private readonly Process _process;
    private readonly string _directory;

    private TestDnsServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as <c>Milter:Dns:Servers</c> takes it.</summary>
    public string Server => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<TestDnsServer> StartAsync()
    {
        string nsd = NsdPaths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nsd not found: install Debian package 'nsd' (.ci/install-deps.sh does)");
        string directory = Directory.CreateTempSubdirectory("milter-test-dns-").FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "example.zone"), Zone.Replace("\r", string.Empty, StringComparison.Ordinal));
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.NextForTcpAndUdp();
            string config = Path.Combine(directory, "nsd.conf");
            await File.WriteAllTextAsync(config, Config(directory, port));
            var info = new ProcessStartInfo(nsd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("-d");
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(config);
            Process process = Process.Start(info) ?? throw new InvalidOperationException("nsd did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new TestDnsServer(process, directory, port);
            if (await server.AnswersAsync(TimeSpan.FromSeconds(15)))
            {
                return server;
            }

            string log = File.Exists(Path.Combine(directory, "nsd.log")) ? await File.ReadAllTextAsync(Path.Combine(directory, "nsd.log")) : "(no log)";
            server.Stop();
            if (attempt == 3)
            {
                Directory.Delete(directory, recursive: true);
                throw new InvalidOperationException($"nsd did not answer on 127.0.0.1:{port}:\n{log}");
            }
        }
    }

    /// <summary>The DNS response code NSD gives for an A question (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN), or -1 without an answer.</summary>
    public async Task<int> ResponseCodeAsync(string name, TimeSpan timeout)
    {
        using var udp = new UdpClient(AddressFamily.InterNetwork);
        byte[] query = Query(name);
        await udp.SendAsync(query, new IPEndPoint(IPAddress.Loopback, Port));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            UdpReceiveResult result = await udp.ReceiveAsync(cts.Token);
            return result.Buffer.Length >= 4 && result.Buffer[0] == query[0] && result.Buffer[1] == query[1] ? result.Buffer[3] & 0x0F : -1;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // nsd's server and xfrd children go with it
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private async Task<bool> AnswersAsync(TimeSpan timeout) =>
        await Eventually.HoldsAsync(async () => _process.HasExited || await ResponseCodeAsync("sender.example", TimeSpan.FromMilliseconds(200)) == 0, timeout)
        && !_process.HasExited;

    private static string Config(string directory, int port) => $"""
        server:
          ip-address: 127.0.0.1@{port}
          username: ""
          chroot: ""
          zonesdir: "{directory}"
          zonelistfile: "{directory}/zone.list"
          database: ""
          pidfile: "{directory}/nsd.pid"
          xfrdfile: "{directory}/xfrd.state"
          xfrdir: "{directory}"
          logfile: "{directory}/nsd.log"
          server-count: 1
          do-ip6: no
          reuseport: no
          hide-version: yes
          verbosity: 1
        remote-control:
          control-enable: no
        zone:
          name: example.
          zonefile: example.zone
        zone:
          name: broken.example.
          zonefile: broken.zone

        """;

    private static byte[] Query(string name)
    {
        var bytes = new List<byte>();
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)Random.Shared.Next(1, 65535));
        header[5] = 1; // one question, no recursion asked
        bytes.AddRange(header);
        foreach (string label in name.TrimEnd('.').Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.AddRange([0, 0, 1, 0, 1]); // root, type A, class IN
        return [.. bytes];
    }
}
