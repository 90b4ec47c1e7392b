using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>Sendmail's ratectrl.c window: 6 buckets of window/6 whole seconds.</summary>
public sealed class ConnectionRateWindowTests
{
    // 12:00:00 UTC is a multiple of 10 s: bucket boundaries fall on whole tens of seconds.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly LimitKey _client = LimitKey.ForClient(new ClientFacts("192.0.2.1").Address)!.Value;

    [Test]
    public void Connections_CountUntilTheirBucketIsSixBucketsOld()
    {
        var window = new ConnectionRateWindow(TimeSpan.FromSeconds(60), _time, 100);
        window.GranularitySeconds.Should().Be(10);
        window.Add(_client).Should().Be(1);
        _time.Advance(TimeSpan.FromSeconds(9));
        window.Add(_client).Should().Be(2, "same bucket");
        _time.Advance(TimeSpan.FromSeconds(41)); // 50 s after the first
        window.Count(_client).Should().Be(2);
        _time.Advance(TimeSpan.FromSeconds(10)); // 60 s: the first bucket's index is reused now
        window.Count(_client).Should().Be(0);
    }

    [Test]
    public void ALateConnection_StopsCountingBetweenFiveSixthsAndTheWholeWindow()
    {
        var window = new ConnectionRateWindow(TimeSpan.FromSeconds(60), _time, 100);
        _time.Advance(TimeSpan.FromSeconds(9)); // the end of its bucket
        window.Add(_client);
        _time.Advance(TimeSpan.FromSeconds(51)); // 51 s later, 6 buckets on
        window.Count(_client).Should().Be(0);
    }

    [Test]
    public void TinyWindow_UsesTenSecondBuckets_AsSendmail()
    {
        new ConnectionRateWindow(TimeSpan.FromSeconds(5), _time, 1).GranularitySeconds.Should().Be(10);
    }

    [Test]
    public void Full_DropsIdleClients_ElseCountsTheNewOneAlone()
    {
        var window = new ConnectionRateWindow(TimeSpan.FromSeconds(60), _time, 1);
        var other = LimitKey.ForClient(new ClientFacts("192.0.2.2").Address)!.Value;
        window.Add(_client);
        window.Add(other).Should().Be(1);
        window.Add(other).Should().Be(1, "not kept: the table is full of a client still in its window");
        _time.Advance(TimeSpan.FromMinutes(2));
        window.Add(other);
        window.Add(other).Should().Be(2);
        window.Clients.Should().Be(1);
    }
}
