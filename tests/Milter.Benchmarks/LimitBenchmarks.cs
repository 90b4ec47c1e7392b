using BenchmarkDotNet.Attributes;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Benchmarks;

/// <summary>
/// Limit checks per second on one thread with the in-memory store (issue 5: at least 5 million). Each invocation
/// runs <see cref="Batch"/> checks over prebuilt keys: 100,000 distinct client addresses (a table of realistic size,
/// misses in the CPU cache included), one hot key being refused, and sender addresses hashed per check.
/// checks/s = 1e9 / (mean ns per operation).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LimitBenchmarks
{
    private const int Batch = 100_000;
    private readonly LimitKey[] _clients = new LimitKey[Batch];
    private readonly string[] _senders = new string[1024];
    private MemoryRateLimitStore _store = null!;
    private RateLimit _wide = null!;
    private RateLimit _tight = null!;
    private RateLimit _sender = null!;
    private LimitKey _hot;

    [GlobalSetup]
    public void Setup()
    {
        _store = new MemoryRateLimitStore(TimeProvider.System);
        _wide = new RateLimit("ClientMessageRate", LimitScope.Client, 1_000_000_000, TimeSpan.FromSeconds(60));
        _tight = new RateLimit("ClientConnectionRate", LimitScope.Client, 10, TimeSpan.FromSeconds(60));
        _sender = new RateLimit("SenderMessageRate", LimitScope.Sender, 1_000_000_000, TimeSpan.FromSeconds(60));
        for (var i = 0; i < Batch; i++)
        {
            _clients[i] = LimitKey.ForClient(ClientAddress.FromIPv4(0x0A000000u + (uint)(i * 7919)))!.Value;
        }

        for (var i = 0; i < _senders.Length; i++)
        {
            _senders[i] = $"<User{i}+news@Sender{i % 17}.Example>";
        }

        _hot = _clients[0];
        foreach (var key in _clients)
        {
            _store.Acquire(_wide, key);
        }
    }

    /// <summary>Allowed checks spread over 100,000 stored keys.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Check_100kClients()
    {
        var allowed = 0;
        foreach (var key in _clients)
        {
            allowed += _store.Acquire(_wide, key).Allowed ? 1 : 0;
        }

        return allowed;
    }

    /// <summary>One flooding client, refused on every check.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Check_HotKeyRefused()
    {
        var allowed = 0;
        for (var i = 0; i < Batch; i++)
        {
            allowed += _store.Acquire(_tight, _hot).Allowed ? 1 : 0;
        }

        return allowed;
    }

    /// <summary>Sender addresses normalized (case, +detail) and hashed, then checked.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Check_SenderAddress()
    {
        var allowed = 0;
        var senders = _senders;
        for (var i = 0; i < Batch; i++)
        {
            allowed += _store.Acquire(_sender, LimitKey.ForSender(senders[i & 1023])!.Value).Allowed ? 1 : 0;
        }

        return allowed;
    }
}
