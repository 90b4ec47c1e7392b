using System.Diagnostics;
using System.Net;
using FluentAssertions;
using Milter.Host.Leases.Feeds.Drac;
using NUnit.Framework;

namespace Milter.Host.Tests.Leases.Feeds;

/// <summary>
/// Unmodified DRAC clients find rpc.dracd through the portmapper (<c>clnt_create</c>): the milter registers program
/// 900101 with the real rpcbind (Debian package rpcbind, on its protocol port 111) and unregisters at stop. The
/// machine's rpcbind is used when one runs; else the test starts one and stops it again.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class DracPortmapperTests
{
    /// <summary>What rpcbind leaves behind when it stops (it has dropped root by then, so it cannot unlink them).</summary>
    private static readonly string[] RpcbindFiles = ["/run/rpcbind.sock", "/run/rpcbind.lock", "/run/rpcbind"];

    private static async Task<string> RpcinfoAsync()
    {
        var info = new ProcessStartInfo(Prerequisite.Program("rpcinfo", "rpcbind")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-p");
        info.ArgumentList.Add("127.0.0.1");
        using Process process = Process.Start(info) ?? throw new InvalidOperationException("rpcinfo did not start");
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        await error;
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : string.Empty;
    }

    /// <summary>
    /// The machine's rpcbind if one answers; else one started here in the foreground (<c>rpcbind -f</c>), returned so
    /// the test stops it again: a test run leaves no daemon listening on port 111 that was not there before.
    /// </summary>
    private static async Task<(Process Process, string[] CreatedFiles)?> EnsureRpcbindAsync()
    {
        if ((await RpcinfoAsync()).Length > 0)
        {
            return null;
        }

        Prerequisite.Root("rpcbind binds the portmapper port 111");
        var info = new ProcessStartInfo(Prerequisite.Program("rpcbind", "rpcbind")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-f");
        string[] created = RpcbindFiles.Where(path => !Path.Exists(path)).ToArray();
        Process rpcbind = Process.Start(info) ?? throw new InvalidOperationException("rpcbind did not start");
        rpcbind.OutputDataReceived += (_, _) => { };
        rpcbind.ErrorDataReceived += (_, _) => { };
        rpcbind.BeginOutputReadLine();
        rpcbind.BeginErrorReadLine();
        await Eventually.HoldsAsync(async () => rpcbind.HasExited || (await RpcinfoAsync()).Length > 0, TimeSpan.FromSeconds(10));

        return (rpcbind, created);
    }

    /// <summary>Stops an rpcbind this test started (SIGTERM, killed after 10 s) and removes the files it created.</summary>
    private static async Task StopAsync((Process Process, string[] CreatedFiles) started)
    {
        Process rpcbind = started.Process;
        using (rpcbind)
        {
            if (!rpcbind.HasExited)
            {
                using (Process kill = Process.Start("kill", ["-TERM", rpcbind.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await rpcbind.WaitForExitAsync(patience.Token);
                }
                catch (OperationCanceledException)
                {
                    rpcbind.Kill();
                    await rpcbind.WaitForExitAsync();
                }
            }
        }

        foreach (string path in started.CreatedFiles)
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
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
        (Process Process, string[] CreatedFiles)? ourRpcbind = await EnsureRpcbindAsync();
        try
        {
            await RegisterLookUpAddAndUnregisterAsync();
        }
        finally
        {
            if (ourRpcbind is not null)
            {
                await StopAsync(ourRpcbind.Value);
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task DracListener_ReplacesAStaleRegistrationLeftByACrashedRun()
    {
        (Process Process, string[] CreatedFiles)? ourRpcbind = await EnsureRpcbindAsync();
        try
        {
            // What a milter killed with SIGKILL leaves: program 900101 mapped to a port nobody listens on any more.
            foreach (uint version in new uint[] { 1, 2 })
            {
                (await Portmapper.SetAsync(900101, version, 9, Portmapper.DefaultEndpoint, CancellationToken.None)).Should().BeTrue("rpcbind takes the stale mapping");
            }

            (await MappedPortAsync()).Should().Be(9);
            await RegisterLookUpAddAndUnregisterAsync(stalePort: 9);
        }
        finally
        {
            foreach (uint version in new uint[] { 1, 2 })
            {
                await Portmapper.UnsetAsync(900101, version, Portmapper.DefaultEndpoint, CancellationToken.None);
            }

            if (ourRpcbind is not null)
            {
                await StopAsync(ourRpcbind.Value);
            }
        }
    }

    private static async Task RegisterLookUpAddAndUnregisterAsync(int stalePort = 0)
    {
        (await RpcinfoAsync()).Should().NotBeEmpty("rpcbind must answer on 127.0.0.1:111");
        int port;
        RunningMilter milter = await RunningMilter.StartAsync("""{ "Leases": { "Drac": { "Listen": "127.0.0.1:0" } } }""");
        try
        {
            port = 0;
            await Eventually.HoldsAsync(async () => (port = await MappedPortAsync()) != 0 && port != stalePort, TimeSpan.FromSeconds(5));

            port.Should().BeGreaterThan(0, "program 900101 is registered:\n{0}", milter.Output);
            port.Should().NotBe(stalePort, "the milter's own port replaces the stale mapping:\n{0}", milter.Output);
            // rpcbind shows the mapping as soon as it takes the SET; the milter logs it after the reply.
            string registered = $"registered with the portmapper at 127.0.0.1:111 on udp port {port}";
            (await milter.OutputOnceItContainsAsync(registered, TimeSpan.FromSeconds(10))).Should().Contain(registered);

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
