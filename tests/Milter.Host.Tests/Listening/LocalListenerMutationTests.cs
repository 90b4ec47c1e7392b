using System.Net;
using System.Net.Sockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Milter.Host.Admin;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Options;
using Milter.Host.SocketMap;
using Milter.Policy.Leases;
using Milter.Protocol.Transport;
using NUnit.Framework;

namespace Milter.Host.Tests.Listening;

/// <summary>
/// Mutation fuzzers for the admin protocol and socketmap netstrings, against the services on real sockets: random
/// and mutated requests, cut into random writes. No crash, no hang (every connection ends once the client stops
/// sending), every complete request answered (counted against a model of the framing), and the service still serves.
/// </summary>
[Category("Sockets")]
[NonParallelizable]
[CancelAfter(180_000)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalListenerMutationTests
{
    private const int Connections = 2000;
    private const int AtOnce = 40;
    private readonly Random _random = new(20261203);

    private static readonly string[] AdminLines =
    [
        "ADD 192.0.2.1 90s alice", "ADD IPv6:2001:db8::1 - bob", "ADD 192.0.2.2", "REMOVE 192.0.2.1", "SHOW 192.0.2.2",
        "SHOW IPv6:2001:db8:0:0:0:0:0:1", "LIST", "list", "", "add 10.0.0.1 1d", "REMOVE", "ADD 1.2.3 4 5 6",
    ];

    private static readonly string[] MapRequests = ["drac 192.0.2.1", "drac ipv6:2001:db8:0:0:0:0:0:1", "drac 2001:db8::1", "other 1.2.3.4", "drac", " ", "drac 999.1.1.1"];

    [Test]
    public async Task AdminProtocol_MutatedLines_AreAnsweredOrClosed_AndTheSocketStillServes(CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("milter-admin-fuzz").FullName;
        var log = new FakeLogger<AdminSocketService>();
        var service = new AdminSocketService(new InMemoryLeaseStore(), new StatePaths(dir), new AdminSettings { MaxConnections = AtOnce * 2 }, log);
        await service.StartAsync(cancellationToken);
        try
        {
            string path = Path.Combine(dir, AdminSocketService.FileName);
            await FuzzAsync(
                () => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
                new UnixDomainSocketEndPoint(path),
                () => MutatedAdminInput(),
                ExpectedAdminAnswers,
                received => Encoding.UTF8.GetString(received).Split('\n').Count(l => l == "OK" || l.StartsWith("ERR", StringComparison.Ordinal)),
                cancellationToken);

            using (var admin = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await admin.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                var peer = new PeerStream(admin);
                await peer.SendAsync("ADD 198.51.100.7\n", cancellationToken);
                (await peer.ReadUntilAsync(r => r.EndsWith("OK\n", StringComparison.Ordinal), cancellationToken)).Should().BeTrue("the admin socket still serves");
            }

            log.Collector.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Error);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task SocketMap_MutatedNetstrings_AreAnsweredOrClosed_AndTheMapStillServes(CancellationToken cancellationToken)
    {
        var log = new FakeLogger<SocketMapService>();
        var settings = new SocketMapSettings { Listen = "inet:0@127.0.0.1", MaxConnections = AtOnce * 2 };
        var service = new SocketMapService(new InMemoryLeaseStore(), settings, log);
        await service.StartAsync(cancellationToken);
        try
        {
            var endPoint = (IPEndPoint)await MilterSocketSpec.Parse(service.Endpoint!).ResolveAsync(cancellationToken);
            await FuzzAsync(
                () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true },
                endPoint,
                () => MutatedNetstrings(),
                ExpectedMapAnswers,
                CountNetstrings,
                cancellationToken);

            using PeerStream map = await PeerStream.ConnectTcpAsync(endPoint, cancellationToken);
            await map.SendAsync(SocketMapServiceTests.Netstring("drac 192.0.2.1"), cancellationToken);
            (await map.ReadUntilAsync(r => r == "9:NOTFOUND ,", cancellationToken)).Should().BeTrue("the map still serves");
            log.Collector.GetSnapshot().Should().NotContain(r => r.Level >= LogLevel.Error);
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            await service.DisposeAsync();
        }
    }

    private async Task FuzzAsync(Func<Socket> newSocket, EndPoint endPoint, Func<byte[]> input, Func<byte[], int> expected, Func<byte[], int> answered, CancellationToken cancellationToken)
    {
        int requests = 0;
        for (int done = 0; done < Connections; done += AtOnce)
        {
            var batch = new List<Task>();
            for (int i = 0; i < AtOnce; i++)
            {
                byte[] bytes = input();
                int[] cuts = Cuts(bytes.Length);
                int want = expected(bytes);
                requests += want;
                batch.Add(ExchangeAsync(newSocket(), endPoint, bytes, cuts, want, answered, cancellationToken));
            }

            await Task.WhenAll(batch);
        }

        requests.Should().BeGreaterThan(Connections * 3, "the fuzzer sent mostly well-framed requests");
    }

    /// <summary>Sends in the given pieces, stops sending, and reads until the server closes: at most 10 s, and the answers counted.</summary>
    private static async Task ExchangeAsync(Socket socket, EndPoint endPoint, byte[] bytes, int[] cuts, int expected, Func<byte[], int> answered, CancellationToken cancellationToken)
    {
        using (socket)
        {
            await ConnectAsync(socket, endPoint, cancellationToken);
            var received = new List<byte>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            Task reading = ReadAllAsync(socket, received, timeout.Token);
            try
            {
                int at = 0;
                foreach (int cut in cuts)
                {
                    await socket.SendAsync(bytes.AsMemory(at, cut - at), SocketFlags.None, timeout.Token);
                    at = cut;
                }

                socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // closed by the server after bad bytes while we were still sending
            }

            Func<Task> closes = () => reading;
            await closes.Should().NotThrowAsync("the server ends every connection once the client stops sending (no hang)");
            answered([.. received]).Should().Be(expected, "one answer per complete request: {0}", Encoding.UTF8.GetString(bytes).Replace("\n", "\\n", StringComparison.Ordinal));
        }
    }

    // A unix socket's full backlog refuses with EAGAIN instead of queueing the connect: try again.
    private static async Task ConnectAsync(Socket socket, EndPoint endPoint, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await socket.ConnectAsync(endPoint, cancellationToken);
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.WouldBlock or SocketError.TryAgain)
            {
                await Task.Delay(10, cancellationToken);
            }
        }
    }

    private static async Task ReadAllAsync(Socket socket, List<byte> received, CancellationToken cancellationToken)
    {
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
        catch (SocketException)
        {
            // reset after the last answer
        }
    }

    private int[] Cuts(int length)
    {
        var cuts = new SortedSet<int> { length };
        int pieces = _random.Next(4);
        for (int i = 0; i < pieces && length > 1; i++)
        {
            cuts.Add(_random.Next(1, length));
        }

        return [.. cuts];
    }

    private byte[] MutatedAdminInput()
    {
        var bytes = new List<byte>();
        int lines = _random.Next(1, 12);
        for (int i = 0; i < lines; i++)
        {
            byte[] line = Encoding.UTF8.GetBytes(AdminLines[_random.Next(AdminLines.Length)] + (_random.Next(5) == 0 ? "\r\n" : "\n"));
            bytes.AddRange(_random.Next(3) == 0 ? Mutate(line) : line);
        }

        return [.. bytes];
    }

    private byte[] MutatedNetstrings()
    {
        var bytes = new List<byte>();
        int requests = _random.Next(1, 12);
        for (int i = 0; i < requests; i++)
        {
            byte[] request = Encoding.ASCII.GetBytes(SocketMapServiceTests.Netstring(MapRequests[_random.Next(MapRequests.Length)]));
            bytes.AddRange(_random.Next(4) == 0 ? Mutate(request) : request);
        }

        return [.. bytes];
    }

    private byte[] Mutate(byte[] original)
    {
        byte[] copy = (byte[])original.Clone();
        switch (_random.Next(7))
        {
            case 0: // flip a byte
                copy[_random.Next(copy.Length)] = (byte)_random.Next(256);
                return copy;
            case 1: // truncate
                return copy[.._random.Next(copy.Length)];
            case 2: // a separator where it does not belong
                copy[_random.Next(copy.Length)] = (byte)"\n\r\0:,"[_random.Next(5)];
                return copy;
            case 3: // garbage
                var garbage = new byte[_random.Next(1, 64)];
                _random.NextBytes(garbage);
                return garbage;
            case 4: // far too long
                return [.. Enumerable.Repeat((byte)'9', _random.Next(1000, 3000)), .. copy];
            case 5: // a length that lies
                return [.. Encoding.ASCII.GetBytes(_random.Next(0, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture)), .. copy];
            default: // repeated
                return [.. copy, .. copy];
        }
    }

    /// <summary>The admin framing as documented: a line (LF, an optional CR before it) of at most 1024 bytes gets one answer; a longer one gets one and ends the connection.</summary>
    private static int ExpectedAdminAnswers(byte[] bytes)
    {
        const int Max = AdminProtocol.MaxLineLength;
        int answers = 0;
        int start = 0;
        while (true)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', start, Math.Min(bytes.Length - start, Max + 2));
            if (newline < 0)
            {
                return bytes.Length - start > Max + 1 ? answers + 1 : answers;
            }

            int length = newline - start;
            if (length > 0 && bytes[newline - 1] == (byte)'\r')
            {
                length--;
            }

            answers++;
            if (length > Max)
            {
                return answers;
            }

            start = newline + 1;
        }
    }

    /// <summary>Netstrings as Sendmail's map speaks them: 1-5 digits, ':', at most 1024 bytes, ','; each gets an answer, the first bad one a PERM and the end.</summary>
    private static int ExpectedMapAnswers(byte[] bytes)
    {
        int answers = 0;
        int at = 0;
        while (true)
        {
            int length = 0;
            int digits = 0;
            while (true)
            {
                if (at >= bytes.Length)
                {
                    return answers;
                }

                byte b = bytes[at++];
                if (b == (byte)':')
                {
                    break;
                }

                if (b is < (byte)'0' or > (byte)'9' || ++digits > 5)
                {
                    return answers + 1;
                }

                length = (length * 10) + (b - '0');
            }

            if (digits == 0 || length > 1024)
            {
                return answers + 1;
            }

            if (bytes.Length - at < length + 1)
            {
                return answers;
            }

            at += length;
            if (bytes[at++] != (byte)',')
            {
                return answers + 1;
            }

            answers++;
        }
    }

    private static int CountNetstrings(byte[] received)
    {
        string text = Encoding.ASCII.GetString(received);
        int count = 0;
        int at = 0;
        while (at < text.Length)
        {
            int colon = text.IndexOf(':', at);
            int length = int.Parse(text.AsSpan(at, colon - at), System.Globalization.CultureInfo.InvariantCulture);
            at = colon + 1 + length + 1;
            count++;
        }

        return count;
    }
}
