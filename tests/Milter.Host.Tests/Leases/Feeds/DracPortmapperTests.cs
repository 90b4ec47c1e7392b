using System.Diagnostics;
using System.Net;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// Unmodified DRAC clients find rpc.dracd through the portmapper (<c>clnt_create</c>): the milter registers program
/// 900101 with the real rpcbind (Debian package rpcbind, on its protocol port 111) and unregisters at stop.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DracPortmapperTests
{
    private static async Task<string> RpcinfoAsync()
    {
        var info = new ProcessStartInfo("rpcinfo") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add("127.0.0.1");
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("rpcinfo missing (apt-get install rpcbind)");
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : string.Empty;
    }

    private static async Task EnsureRpcbindAsync()
    {
        if ((await RpcinfoAsync()).Length > 0)
        {
            return;
        }

        using (Process start = Process.Start("rpcbind") ?? throw new InvalidOperationException("rpcbind missing (apt-get install rpcbind)"))
        {
            await start.WaitForExitAsync();
        }

        for (int i = 0; i < 50 && (await RpcinfoAsync()).Length == 0; i++)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>The udp port rpcbind maps program 900101 version 1 to, or 0.</summary>
    private static async Task<int> MappedPortAsync()
    {
        foreach (string line in (await RpcinfoAsync()).Split('\n'))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 4 && f[0] == "900101" && f[1] == "1" && f[2] == "udp")
            {
                return int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DracListener_RegistersWithRpcbind_AClientFindingItThereAddsALease_AndStopUnregisters()
    {
        await EnsureRpcbindAsync();
        (await RpcinfoAsync()).Should().NotBeEmpty("rpcbind must answer on 127.0.0.1:111");
        int port;
        RunningMilter milter = await RunningMilter.StartAsync("""{ "Leases": { "Drac": { "Listen": "127.0.0.1:0" } } }""");
        try
        {
            port = 0;
            for (int i = 0; i < 50 && port == 0; i++)
            {
                port = await MappedPortAsync();
                await Task.Delay(100);
            }

            port.Should().BeGreaterThan(0, "program 900101 is registered:\n{0}", milter.Output);
            milter.Output.Should().Contain($"registered with the portmapper at 127.0.0.1:111 on udp port {port}");

            // As clnt_create does: ask the portmapper, then call the port it gave.
            // rpcbind needs root, so this test runs as root and calls from a reserved port as a root POP server would
            byte[]? reply = await DracTestClient.SendAsync(new IPEndPoint(IPAddress.Loopback, port), DracTestClient.AddV1(7, "192.0.2.77"), privileged: true);
            DracTestClient.Words(reply!)[^1].Should().Be(DracTestClient.AddSuccess, milter.Output);
            (await MilterProgram.RunAsync("lease", "show", "192.0.2.77", "--state-dir", milter.StateDir)).Exit.Should().Be(0);
            (await milter.TerminateAsync()).Should().Be(0);
        }
        finally
        {
            await milter.DisposeAsync();
        }

        (await MappedPortAsync()).Should().Be(0, "the milter unregisters at stop, as rpc.dracd's svc_unregister");
    }
}
