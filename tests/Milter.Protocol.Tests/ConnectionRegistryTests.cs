using FluentAssertions;
using Microsoft.Win32.SafeHandles;
using Milter.Protocol.Listening;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

public class ConnectionRegistryTests
{
    private readonly SocketListener _listener = new(new SocketListenerOptions { Name = "Test" }, static _ => Task.CompletedTask);

    [TearDown]
    public async Task DisposeListener() => await _listener.DisposeAsync();

    [Test]
    public void RemovingFirstMiddleAndLast_LeavesTheOthersInTheSnapshot_AndTheCountRight()
    {
        var registry = new ConnectionRegistry(maxConnections: 10, maxPerPeer: 0);
        ListenerConnection[] connections = [.. Enumerable.Range(1, 5).Select(i => Connection(i))];
        foreach (ListenerConnection connection in connections)
        {
            registry.TryAdd(connection).Should().Be(Admission.Admitted);
        }

        registry.Remove(connections[2]).Should().Be(4);
        registry.Remove(connections[0]).Should().Be(3);
        registry.Remove(connections[4]).Should().Be(2);
        registry.Snapshot().Select(c => c.Id).Should().BeEquivalentTo([2L, 4L]);
        registry.Count.Should().Be(2);
    }

    [Test]
    public void RemovingTwice_CountsOnce_AndGivesThePeersPlaceBackOnce()
    {
        var registry = new ConnectionRegistry(maxConnections: 10, maxPerPeer: 2);
        ListenerConnection a = Connection(1, "uid 1000"), b = Connection(2, "uid 1000"), c = Connection(3, "uid 1000");
        registry.TryAdd(a).Should().Be(Admission.Admitted);
        registry.TryAdd(b).Should().Be(Admission.Admitted);
        registry.TryAdd(c).Should().Be(Admission.PeerFull);

        registry.Remove(a).Should().Be(1);
        registry.Remove(a).Should().Be(1, "a connection that ended is not in the list any more");
        registry.TryAdd(c).Should().Be(Admission.Admitted);
        registry.TryAdd(Connection(4, "uid 1000")).Should().Be(Admission.PeerFull, "the second removal gave nothing back");
        registry.Snapshot().Select(x => x.Id).Should().BeEquivalentTo([2L, 3L]);
    }

    [Test]
    public void AFullRegistry_AdmitsAgainOnceOneLeaves()
    {
        var registry = new ConnectionRegistry(maxConnections: 2, maxPerPeer: 0);
        ListenerConnection first = Connection(1);
        registry.TryAdd(first).Should().Be(Admission.Admitted);
        registry.TryAdd(Connection(2)).Should().Be(Admission.Admitted);
        registry.TryAdd(Connection(3)).Should().Be(Admission.ListenerFull);
        registry.Remove(first);
        registry.TryAdd(Connection(4)).Should().Be(Admission.Admitted);
        registry.Snapshot().Select(x => x.Id).Should().BeEquivalentTo([2L, 4L]);
    }

    private ListenerConnection Connection(long id, string? peer = null) =>
        new(_listener, id, new SafeFileHandle(IntPtr.Zero, ownsHandle: false), socket: null, peer);
}
