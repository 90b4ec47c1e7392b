using System.Collections.Concurrent;
using System.Net.Sockets;
using FluentAssertions;
using Milter.Protocol.Listening;
using Milter.Protocol.Tests.Support;
using NUnit.Framework;

namespace Milter.Protocol.Tests;

/// <summary>
/// The shared accept loop with a scripted accept in place of the socket's (no network): what each kind of accept
/// error does to the loop, the delay and the log; the caps; the two stop phases.
/// </summary>
[CancelAfter(20_000)]
public class SocketListenerTests
{
    private readonly ListLogger _log = new();
    private readonly ConcurrentQueue<Func<Socket>> _accepts = new();
    private readonly List<TimeSpan> _delays = [];
    private readonly ConcurrentQueue<ListenerConnection> _served = new();
    private readonly List<Socket> _sockets = [];

    [TearDown]
    public void DisposeSockets() => _sockets.ForEach(s => s.Dispose());

    private Socket NewSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _sockets.Add(socket);
        return socket;
    }

    private void Fail(SocketError error, int times)
    {
        for (int i = 0; i < times; i++)
        {
            _accepts.Enqueue(() => throw new SocketException((int)error));
        }
    }

    private void Succeed(int times = 1)
    {
        for (int i = 0; i < times; i++)
        {
            Socket socket = NewSocket();
            _accepts.Enqueue(() => socket);
        }
    }

    /// <summary>A listener whose accepts come from the queue (then it waits for the stop), whose delays are recorded, not waited.</summary>
    private SocketListener Listener(SocketListenerOptions? options = null, Func<ListenerConnection, Task>? serve = null, Action<ListenerConnection>? start = null) => new(
        options ?? new SocketListenerOptions { Name = "Test", SendBufferSize = 0 },
        start is not null ? null : serve ?? (c =>
        {
            _served.Enqueue(c);
            return Task.CompletedTask;
        }),
        _log,
        TimeProvider.System,
        async token =>
        {
            if (_accepts.TryDequeue(out Func<Socket>? next))
            {
                return next();
            }

            await Task.Delay(Timeout.Infinite, token);
            throw new OperationCanceledException(token);
        },
        (delay, _) =>
        {
            lock (_delays)
            {
                _delays.Add(delay);
            }

            return Task.CompletedTask;
        },
        start);

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    [Test]
    public async Task OutOfFileDescriptors_BacksOffWithAGrowingDelay_AndLogsTheEpisodeOnceWithItsCount(CancellationToken cancellationToken)
    {
        Fail(SocketError.TooManyOpenSockets, 12);
        Succeed();
        await using SocketListener listener = Listener();
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => !_served.IsEmpty, cancellationToken);

        _delays.Select(d => d.TotalMilliseconds).Should().Equal(10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000, 1000);
        _log.Entries.Where(e => e.EventId == 1017).Should().ContainSingle()
            .Which.Message.Should().Contain("file descriptors").And.Contain("TooManyOpenSockets");
        _log.Entries.Where(e => e.EventId == 1018).Should().ContainSingle()
            .Which.Message.Should().Contain("after 12 failed accepts");
        _log.Entries.Should().HaveCount(2, "no line, and no stack trace, per failed accept");
    }

    [Test]
    public async Task OutOfKernelMemory_BacksOffLikeOutOfDescriptors(CancellationToken cancellationToken)
    {
        Fail(SocketError.NoBufferSpaceAvailable, 3);
        Succeed();
        await using SocketListener listener = Listener();
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => !_served.IsEmpty, cancellationToken);

        _delays.Should().HaveCount(3);
        _log.Entries.Should().ContainSingle(e => e.EventId == 1017).Which.Message.Should().Contain("kernel memory");
    }

    [Test]
    public async Task ConnectionResetInTheBacklog_IsRetriedAtOnce_WithoutDelayOrLog(CancellationToken cancellationToken)
    {
        Fail(SocketError.ConnectionReset, 3);
        Fail(SocketError.ConnectionAborted, 2);
        Succeed();
        await using SocketListener listener = Listener();
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => !_served.IsEmpty, cancellationToken);

        _delays.Should().BeEmpty();
        _log.Entries.Should().BeEmpty();
    }

    [Test]
    public async Task UnexpectedAcceptError_IsLoggedOncePerKind_AndTheLoopKeepsServing(CancellationToken cancellationToken)
    {
        Fail(SocketError.InvalidArgument, 5);
        _accepts.Enqueue(() => throw new InvalidOperationException("odd"));
        _accepts.Enqueue(() => throw new InvalidOperationException("odd again"));
        Succeed(2);
        await using SocketListener listener = Listener();
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => _served.Count == 2, cancellationToken);

        _log.Entries.Where(e => e.EventId == 1015).Should().HaveCount(2, "one line for InvalidArgument, one for InvalidOperationException");
        _delays.Should().HaveCount(7, "even an unknown error cannot make the loop spin");
        _log.Entries.Should().ContainSingle(e => e.EventId == 1018).Which.Message.Should().Contain("after 7 failed accepts");
    }

    [TestCase(typeof(ObjectDisposedException))]
    [TestCase(typeof(OperationCanceledException))]
    [TestCase(typeof(SocketException))]
    public async Task ClosedListeningSocket_EndsTheLoop(Type kind, CancellationToken cancellationToken)
    {
        Exception stop = kind == typeof(SocketException) ? new SocketException((int)SocketError.OperationAborted) : (Exception)Activator.CreateInstance(kind, "gone")!;
        _accepts.Enqueue(() => throw stop);
        Succeed(); // never reached
        await using SocketListener listener = Listener();
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => _accepts.Count == 1, cancellationToken);
        await Task.Delay(100, cancellationToken);

        _served.Should().BeEmpty();
        _delays.Should().BeEmpty();
        _log.Entries.Should().BeEmpty();
    }

    [Test]
    public async Task Caps_RefuseOverTheListenerAndOverOnePeer_AndLogEachEpisodeOnce(CancellationToken cancellationToken)
    {
        var release = new TaskCompletionSource();
        int next = 0;
        string[] peers = ["uid 1000", "uid 1000", "uid 1000", "uid 1000", null!, "uid 1001", null!, null!];
        var options = new SocketListenerOptions
        {
            Name = "Test",
            SendBufferSize = 0,
            MaxConnections = 4,
            MaxConnectionsPerPeer = 2,
            PeerKey = _ => peers[next++],
        };
        Succeed(peers.Length);
        await using SocketListener listener = Listener(options, c =>
        {
            _served.Enqueue(c);
            return release.Task;
        });
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => _accepts.IsEmpty, cancellationToken);
        await WaitForAsync(() => listener.AcceptedCount == peers.Length, cancellationToken);

        _served.Select(c => c.Peer).Should().Equal("uid 1000", "uid 1000", null, "uid 1001");
        listener.ConnectionCount.Should().Be(4);
        _log.Entries.Should().ContainSingle(e => e.EventId == 1020).Which.Message.Should().Contain("uid 1000");
        _log.Entries.Should().ContainSingle(e => e.EventId == 1011);
        release.SetResult();
        await WaitForAsync(() => listener.ConnectionCount == 0, cancellationToken);
    }

    [Test]
    public async Task Stop_AsksEveryConnectionToFinish_ThenAbortsTheRestAtTheDeadline(CancellationToken cancellationToken)
    {
        Succeed(2);
        var finished = new TaskCompletionSource();
        int closeRequests = 0;
        await using SocketListener listener = Listener(serve: async c =>
        {
            var done = new TaskCompletionSource();
            _served.Enqueue(c);
            if (_served.Count == 1)
            {
                // A polite connection: ends when asked.
                c.OnCloseRequested(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
                await done.Task;
                Interlocked.Increment(ref closeRequests);
                return;
            }

            // A stuck one: ignores the request, ends only at the abort.
            c.OnCloseRequested(static _ => { }, null);
            await Task.Delay(Timeout.Infinite, c.Aborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            finished.SetResult();
        });
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.ConnectionCount == 2, cancellationToken);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await listener.StopAsync(deadline.Token);

        closeRequests.Should().Be(1, "phase one asked the polite connection to finish");
        finished.Task.IsCompleted.Should().BeTrue("phase two aborted the stuck one");
        _log.Entries.Should().ContainSingle(e => e.EventId == 1012).Which.Message.Should().Contain("1 connections did not end");
        listener.ConnectionCount.Should().Be(0);
        _served.Should().OnlyContain(c => c.CloseRequested);
    }

    [Test]
    public async Task Stop_WhenEveryConnectionFinishes_LogsACleanShutdown(CancellationToken cancellationToken)
    {
        Succeed();
        await using SocketListener listener = Listener(serve: c =>
        {
            var done = new TaskCompletionSource();
            c.OnCloseRequested(static s => ((TaskCompletionSource)s!).TrySetResult(), done);
            return done.Task;
        });
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.ConnectionCount == 1, cancellationToken);

        await listener.StopAsync(cancellationToken);

        _log.Entries.Should().Contain(e => e.EventId == 1016);
        _log.Entries.Should().NotContain(e => e.EventId == 1012);
    }

    [Test]
    public async Task HandlerThatThrows_IsLoggedAndItsConnectionDropped(CancellationToken cancellationToken)
    {
        Succeed();
        await using SocketListener listener = Listener(serve: _ => throw new InvalidOperationException("bug"));
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.AcceptedCount == 1 && listener.ConnectionCount == 0, cancellationToken);

        _log.Entries.Should().ContainSingle(e => e.EventId == 1022);
    }

    [Test]
    public async Task TaskLessHandler_ConnectionStaysCountedUntilComplete_ThenItsSocketIsClosed(CancellationToken cancellationToken)
    {
        Succeed();
        await using SocketListener listener = Listener(start: _served.Enqueue);
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => _served.Count == 1, cancellationToken);
        _served.TryPeek(out ListenerConnection? connection).Should().BeTrue();

        listener.ConnectionCount.Should().Be(1, "returning from the start hook does not end the connection");
        connection!.Socket.SafeHandle.IsClosed.Should().BeFalse();

        connection.Complete();
        connection.Complete(new InvalidOperationException("a second call is ignored"));

        listener.ConnectionCount.Should().Be(0);
        connection.Socket.SafeHandle.IsClosed.Should().BeTrue();
        _log.Entries.Should().NotContain(e => e.EventId == 1022);
    }

    [Test]
    public async Task TaskLessHandler_Stop_AsksToFinish_ThenRunsTheAbortHookAtTheDeadline(CancellationToken cancellationToken)
    {
        Succeed(2);
        int closeRequests = 0;
        int aborts = 0;
        await using SocketListener listener = Listener(start: c =>
        {
            _served.Enqueue(c);
            if (_served.Count == 1)
            {
                c.OnStop(s => { Interlocked.Increment(ref closeRequests); ((ListenerConnection)s!).Complete(); }, _ => Interlocked.Increment(ref aborts), c);
                return;
            }

            c.OnStop(_ => Interlocked.Increment(ref closeRequests), s => { Interlocked.Increment(ref aborts); ((ListenerConnection)s!).Complete(); }, c);
        });
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.ConnectionCount == 2, cancellationToken);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await listener.StopAsync(deadline.Token);

        closeRequests.Should().Be(2, "phase one asks every connection");
        aborts.Should().Be(1, "phase two aborts only the one still open");
        _log.Entries.Should().ContainSingle(e => e.EventId == 1012).Which.Message.Should().Contain("1 connections did not end");
        listener.ConnectionCount.Should().Be(0);
    }

    [Test]
    public async Task TaskLessHandler_ThatThrowsOrCompletesWithAnError_IsLoggedAndItsConnectionDropped(CancellationToken cancellationToken)
    {
        Succeed(2);
        await using SocketListener listener = Listener(start: c =>
        {
            if (c.Id == 1)
            {
                throw new InvalidOperationException("bug");
            }

            c.Complete(new InvalidOperationException("failed later"));
        });
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.AcceptedCount == 2 && listener.ConnectionCount == 0, cancellationToken);

        _log.Entries.Where(e => e.EventId == 1022).Should().HaveCount(2);
    }

    [Test]
    public async Task TaskLessHandler_Stop_EndsCleanlyWhenTheLastConnectionCompletesLater(CancellationToken cancellationToken)
    {
        Succeed(2);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15)); // outlives the listener's disposal
        await using SocketListener listener = Listener(start: c => c.OnStop(
            static s => _ = Task.Delay(100).ContinueWith(static (_, s) => ((ListenerConnection)s!).Complete(), s, TaskScheduler.Default),
            null,
            c));
        await listener.StartAsync(cancellationToken);
        await WaitForAsync(() => listener.ConnectionCount == 2, cancellationToken);

        Task stop = listener.StopAsync(deadline.Token);

        (await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken))).Should().BeSameAs(stop, "the stop ends with the last connection, not at its deadline");
        _log.Entries.Should().Contain(e => e.EventId == 1016);
        _log.Entries.Should().NotContain(e => e.EventId == 1012);
    }
}
