using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Milter.Oracle.Tests.Comparison;
using Milter.Oracle.Tests.Scenario;

namespace Milter.Oracle.Tests.Sendmail;

/// <summary>
/// Real SMTP sessions with Sendmail (tests/e2e/sendmail-oracle.sh): <c>sendmail -bs</c> on a socket to the test's
/// listener on the session's client address (127.0.0.x), or <c>sendmail -bD</c> on a private port with the test
/// connecting from that address. This class plays the client: EHLO, MAIL, RCPT each recipient, DATA when one was accepted, QUIT. What the client sees
/// (each reply, without the <c>&lt;addr&gt;... </c> Sendmail inserts) and what happened to the message (the queue:
/// <c>qf</c> = queued, <c>hf</c> = quarantined with its <c>q</c> line as the reason, nothing = discarded) make a
/// <see cref="WireOutcome"/> comparable with the translated ruleset answers.
/// </summary>
public static class SmtpSessions
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>One <c>sendmail -bs</c> per session, on a socket to the test's listener on the session's client address.</summary>
    public static async Task<IReadOnlyList<WireOutcome>> RunBsAsync(OracleWorkspace workspace, string cf, IReadOnlyList<OracleSession> sessions)
    {
        var cfPath = workspace.PathOf("bs-" + Guid.NewGuid().ToString("N")[..8] + ".cf");
        await File.WriteAllTextAsync(cfPath, cf);
        var listeners = new Dictionary<string, TcpListener>();
        try
        {
            foreach (var address in sessions.Select(s => s.ClientAddress).Distinct())
            {
                var listener = new TcpListener(IPAddress.Parse(address), 0);
                listener.Start();
                listeners[address] = listener;
            }

            var connections = workspace.PathOf("bs-connections-" + Guid.NewGuid().ToString("N")[..8]);
            await File.WriteAllLinesAsync(connections, sessions.Select(s =>
                s.ClientAddress + " " + ((IPEndPoint)listeners[s.ClientAddress].LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture)));
            var script = ProcessRunner.RunAsync("/bin/bash", [SendmailTestMode.Script, "bs", workspace.Directory, cfPath, connections], TimeSpan.FromMinutes(10));
            var outcomes = new List<WireOutcome>();
            foreach (var session in sessions)
            {
                using var accept = new CancellationTokenSource(ReplyTimeout);
                Task<TcpClient> pending = listeners[session.ClientAddress].AcceptTcpClientAsync(accept.Token).AsTask();
                if (await Task.WhenAny(pending, script) == script)
                {
                    throw new InvalidOperationException($"sendmail-oracle.sh bs ended before session {session.Id}:\n{await script}");
                }

                using var client = await pending;
                outcomes.Add(await ConverseAsync(client, session, workspace.QueueDirectory));
            }

            var result = await script;
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"sendmail-oracle.sh bs failed:\n{result}");
            }

            return outcomes;
        }
        finally
        {
            foreach (var listener in listeners.Values)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>
    /// The sessions against <c>sendmail -bD</c> (the .cf built with <paramref name="port"/>): each connects from its
    /// client address, so Sendmail runs check_relay and sets <c>{client_resolve}</c> as in production.
    /// </summary>
    public static async Task<IReadOnlyList<WireOutcome>> RunDaemonAsync(OracleWorkspace workspace, string cf, int port, IReadOnlyList<OracleSession> sessions)
    {
        var cfPath = workspace.PathOf("bd-" + Guid.NewGuid().ToString("N")[..8] + ".cf");
        await File.WriteAllTextAsync(cfPath, cf);
        var info = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { SendmailTestMode.Script, "bd", workspace.Directory, cfPath })
        {
            info.ArgumentList.Add(argument);
        }

        using var daemon = Process.Start(info) ?? throw new InvalidOperationException("could not start sendmail-oracle.sh bd");
        var output = daemon.StandardOutput.ReadToEndAsync();
        var errors = daemon.StandardError.ReadToEndAsync();
        try
        {
            await WaitForPortAsync(port, daemon);
            var outcomes = new List<WireOutcome>();
            foreach (var session in sessions)
            {
                using var client = new TcpClient(new IPEndPoint(IPAddress.Parse(session.ClientAddress), 0));
                await client.ConnectAsync(IPAddress.Loopback, port);
                outcomes.Add(await ConverseAsync(client, session, workspace.QueueDirectory));
            }

            return outcomes;
        }
        catch (Exception ex) when (daemon.HasExited)
        {
            throw new InvalidOperationException($"sendmail -bD exited ({daemon.ExitCode}):\n{await output}\n{await errors}", ex);
        }
        finally
        {
            if (!daemon.HasExited)
            {
                daemon.Kill(entireProcessTree: true);
            }

            await daemon.WaitForExitAsync();
        }
    }

    private static async Task WaitForPortAsync(int port, Process daemon)
    {
        if (!await Eventually.HoldsAsync(async () => daemon.HasExited || await Loopback.AcceptsAsync(port), ReplyTimeout) || daemon.HasExited)
        {
            throw new InvalidOperationException($"sendmail -bD did not listen on 127.0.0.1:{port}");
        }
    }

    private static async Task<WireOutcome> ConverseAsync(TcpClient client, OracleSession session, string queue)
    {
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.Latin1);
        using var timeout = new CancellationTokenSource(ReplyTimeout);
        async Task<string> Command(string? line)
        {
            if (line is not null)
            {
                await stream.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), timeout.Token);
            }

            string reply;
            do
            {
                reply = await reader.ReadLineAsync(timeout.Token) ?? throw new IOException($"Sendmail closed the session {session.Id} after {line}");
            }
            while (reply.Length > 3 && reply[3] == '-');

            return reply;
        }

        var greeting = await Command(null);
        if (!greeting.StartsWith("220", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"session {session.Id}: greeting {greeting}");
        }

        await Command("EHLO oracle.test");
        var mail = Observed(await Command("MAIL FROM:" + session.Sender), session.Sender);
        var recipients = new List<StageOutcome>();
        if (!mail.IsRefusal)
        {
            foreach (var recipient in session.Recipients)
            {
                recipients.Add(Observed(await Command("RCPT TO:" + recipient), recipient));
            }
        }

        var fate = "no message";
        if (recipients.Any(r => !r.IsRefusal))
        {
            var data = await Command("DATA");
            if (!data.StartsWith("354", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"DATA refused in session {session.Id}: {data}");
            }

            var accepted = await Command("Subject: oracle\r\n\r\nsession " + session.Id.ToString(CultureInfo.InvariantCulture) + "\r\n.");
            fate = accepted.StartsWith("250", StringComparison.Ordinal)
                ? Fate(queue)
                : throw new InvalidOperationException($"message refused in session {session.Id}: {accepted}");
        }

        await Command("QUIT");
        return new WireOutcome(Reply(mail), string.Join(" | ", recipients.Select(Reply)), fate);
    }

    private static string Reply(StageOutcome stage) => stage.IsRefusal ? stage.Text! : "ok";

    /// <summary>The reply as a stage outcome, with the <c>&lt;addr&gt;... </c> Sendmail inserts for 450/550/553 removed.</summary>
    public static StageOutcome Observed(string reply, string argument)
    {
        if (reply.StartsWith('2'))
        {
            return StageOutcome.Ok;
        }

        var head = reply.Length > 4 ? reply[..4] : reply;
        var rest = reply.Length > 4 ? reply[4..] : string.Empty;
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && rest[0] is '4' or '5' && rest[1] == '.')
        {
            head += rest[..(space + 1)];
            rest = rest[(space + 1)..];
        }

        var prefix = argument.Trim() + "... ";
        return StageOutcome.Refusal(head + (rest.StartsWith(prefix, StringComparison.Ordinal) ? rest[prefix.Length..] : rest));
    }

    /// <summary>What Sendmail did with the accepted message, read from the queue (which is then emptied).</summary>
    private static string Fate(string queue)
    {
        var files = Directory.GetFiles(queue);
        try
        {
            var held = files.FirstOrDefault(f => Path.GetFileName(f).StartsWith("hf", StringComparison.Ordinal));
            if (held is not null)
            {
                var reason = File.ReadAllLines(held, Encoding.Latin1).FirstOrDefault(l => l.StartsWith('q'));
                return "quarantine: " + reason?[1..];
            }

            return files.Any(f => Path.GetFileName(f).StartsWith("qf", StringComparison.Ordinal)) ? "deliver" : "discard";
        }
        finally
        {
            foreach (var file in files)
            {
                File.Delete(file);
            }
        }
    }
}
