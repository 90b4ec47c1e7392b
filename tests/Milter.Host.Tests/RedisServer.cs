using System.Diagnostics;
using System.Net.Sockets;
using NUnit.Framework;

namespace Milter.Host.Tests;

/// <summary>A private redis-server (Debian package redis-server) on a free loopback port, no persistence.</summary>
internal sealed class RedisServer : IDisposable
{
    private Process? _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <param name="password">Require this password (<c>--requirepass</c>: the default user needs AUTH).</param>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        string server = Prerequisite.Program("redis-server", "redis-server");
        int port = FreePort.Next();
        var info = new ProcessStartInfo(server) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }
            .Concat(password is null ? [] : ["--requirepass", password]))
        {
            info.ArgumentList.Add(arg);
        }

        Process process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisServer(process, port);
        if (await Eventually.HoldsAsync(() => Loopback.AcceptsAsync(port), TimeSpan.FromSeconds(5)))
        {
            return redis;
        }

        redis.Dispose();
        Assert.Fail("redis-server did not listen");
        return redis;
    }

    /// <summary>Hangs the server (SIGSTOP): connections stay open, nothing is answered. <see cref="Resume"/> or <see cref="Dispose"/> ends it.</summary>
    public void Pause() => Signal("-STOP");

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Signal("-CONT");

    private void Signal(string signal)
    {
        using Process kill = Process.Start("kill", [signal, _process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.That(kill.ExitCode, Is.Zero, $"kill {signal} redis-server");
    }

    /// <summary>Stops the server (tests of an outage call this mid-test); idempotent.</summary>
    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }
}
