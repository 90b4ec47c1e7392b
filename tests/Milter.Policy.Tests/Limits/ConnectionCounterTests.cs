using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Limits;
using Milter.Policy.Model;

namespace Milter.Policy.Tests.Limits;

/// <summary>Open connections per client: the table holds exactly the clients with a connection open.</summary>
public sealed class ConnectionCounterTests
{
    private static readonly LimitKey A = LimitKey.ForClient(ClientAddress.FromIPv4(0xC0000201u))!.Value;
    private static readonly LimitKey B = LimitKey.ForClient(ClientAddress.FromIPv4(0xC0000202u))!.Value;

    [Test]
    public void Clients_CountsEveryClientWithAConnectionOpen()
    {
        var counter = new ConnectionCounter();
        counter.TryAcquire(A, 5, force: false, out _).Should().BeTrue();
        counter.TryAcquire(A, 5, force: false, out var count).Should().BeTrue();
        counter.TryAcquire(B, 5, force: false, out _).Should().BeTrue();
        count.Should().Be(2);
        counter.Clients.Should().Be(2);
    }

    [Test]
    public void LastRelease_DropsTheClient_AndEarlierOnesCountDown()
    {
        var counter = new ConnectionCounter();
        counter.TryAcquire(A, 5, force: false, out _);
        counter.TryAcquire(A, 5, force: false, out _);
        counter.Release(A);
        counter.Open(A).Should().Be(1);
        counter.Clients.Should().Be(1);
        counter.Release(A);
        counter.Open(A).Should().Be(0);
        counter.Clients.Should().Be(0);
    }

    [Test]
    public void RefusedFirstConnection_LeavesNoEntry()
    {
        var counter = new ConnectionCounter();
        counter.TryAcquire(A, 0, force: false, out var count).Should().BeFalse();
        count.Should().Be(1);
        counter.Clients.Should().Be(0);
        counter.Open(A).Should().Be(0);
    }

    [Test]
    public void Engine_UsesTheCounterItIsGiven()
    {
        var counter = new ConnectionCounter();
        new LimitEngine(new FloodLimits(), new MemoryRateLimitStore(), connections: counter).Connections.Should().BeSameAs(counter);
    }

    [Test]
    public void RateWindow_RefusesMissingClockNoRoomAndNegativeWindow()
    {
        var time = new FakeTimeProvider();
        var noClock = () => new ConnectionRateWindow(TimeSpan.FromMinutes(1), null!, 10);
        noClock.Should().Throw<ArgumentNullException>().WithParameterName("time");
        var noRoom = () => new ConnectionRateWindow(TimeSpan.FromMinutes(1), time, 0);
        noRoom.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxEntries");
        var negative = () => new ConnectionRateWindow(TimeSpan.FromSeconds(-1), time, 10);
        negative.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("window");
    }
}
