using System.CommandLine;
using System.Net.Sockets;
using Milter.Host.Admin;
using Milter.Host.Files;
using Milter.Host.Leases;
using Milter.Host.Options;

namespace Milter.Host.Cli;

/// <summary>
/// <c>milter lease add|remove|list|show</c>: the running milter's lease table, through its admin socket
/// STATE/admin.sock. Exit 0 done, 1 refused or milter unreachable, 2 usage (bad address, bad duration).
/// </summary>
internal static class LeaseCommand
{
    public static Command Create()
    {
        var command = new Command("lease", "Add, remove, list or show client-IP leases (POP-before-SMTP) in the running milter");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Simple("remove", "Remove the lease of an address", "REMOVE"));
        command.Subcommands.Add(Simple("show", "Show the lease of an address (exit 1 when there is none)", "SHOW"));
        command.Subcommands.Add(List());
        return command;
    }

    private static Option<string?> StateDir() => new("--state-dir") { Description = "state directory of the running milter (default as `run` resolves it)" };

    private static Option<string?> Config() => new("--config") { Description = $"the running milter's configuration file, for its Milter:StateDirectory (default {ConfigurationFile.DefaultPath})" };

    private static Command Add()
    {
        var address = OptionLikeArguments.Refused(new Argument<string>("IP") { Description = "client address (IPv4, IPv6, IPv6:… or v4-mapped)" });
        var ttl = new Option<string?>("--ttl") { Description = "lifetime: 1800, 90s, 30m, 2h, 1d (default Milter:Leases:Ttl)" };
        var user = new Option<string?>("--user") { Description = "user the lease is for (shown by list/show)" };
        var stateDir = StateDir();
        var config = Config();
        var command = new Command("add", "Add or refresh a lease; returns once the store has it (on disk for sqlite)") { address, ttl, user, stateDir, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            TextWriter error = parse.InvocationConfiguration.Error;
            string ip = parse.GetValue(address)!;
            if (!AdminProtocol.TryAddress(ip, out _))
            {
                error.WriteLine($"milter lease add: '{ip}' is not an IP address");
                return 2;
            }

            string ttlWord = "-";
            if (parse.GetValue(ttl) is { } duration)
            {
                if (!LeaseDuration.TryParse(duration, out TimeSpan value))
                {
                    error.WriteLine($"milter lease add: --ttl '{duration}' is not a duration (1800, 90s, 30m, 2h, 1d)");
                    return 2;
                }

                ttlWord = ((long)value.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            string? name = parse.GetValue(user);
            if (name is not null && (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            {
                error.WriteLine("milter lease add: --user must be one word");
                return 2;
            }

            return await SendAsync(parse, "add", $"ADD {ip} {ttlWord}{(name is null ? string.Empty : " " + name)}", parse.GetValue(stateDir), parse.GetValue(config), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Simple(string name, string description, string verb)
    {
        var address = OptionLikeArguments.Refused(new Argument<string>("IP") { Description = "client address" });
        var stateDir = StateDir();
        var config = Config();
        var command = new Command(name, description) { address, stateDir, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string ip = parse.GetValue(address)!;
            if (!AdminProtocol.TryAddress(ip, out _))
            {
                parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: '{ip}' is not an IP address");
                return 2;
            }

            return await SendAsync(parse, name, $"{verb} {ip}", parse.GetValue(stateDir), parse.GetValue(config), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command List()
    {
        var stateDir = StateDir();
        var config = Config();
        var command = new Command("list", "List the unexpired leases, soonest expiry first") { stateDir, config };
        command.SetAction((parse, cancellationToken) => SendAsync(parse, "list", "LIST", parse.GetValue(stateDir), parse.GetValue(config), cancellationToken));
        return command;
    }

    /// <summary>Sends one admin command and prints the lease lines (<c>address expires source user</c>).</summary>
    private static async Task<int> SendAsync(ParseResult parse, string name, string line, string? stateDir, string? config, CancellationToken cancellationToken)
    {
        if (!ConfigurationFile.TryStateDirectory(stateDir, config, out string directory, out IReadOnlyList<string> configProblems))
        {
            foreach (string problem in configProblems)
            {
                parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: {problem}");
            }

            return 2;
        }

        if (StateDirectoryGuard.CheckForClient(directory) is { Count: > 0 } problems)
        {
            foreach (string problem in problems)
            {
                parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: {problem}");
            }

            return 1;
        }

        string socket = Path.Combine(directory, AdminSocketService.FileName);
        IReadOnlyList<string> answer;
        if (!File.Exists(socket))
        {
            parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: cannot reach the running milter: no admin socket {socket} (is `milter run` running with this state directory?)");
            return 1;
        }

        try
        {
            answer = await AdminClient.SendAsync(socket, line, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: cannot reach the running milter at {socket}: {ex.Message} (is `milter run` running with this state directory?)");
            return 1;
        }

        foreach (string lease in answer.Where(l => l.StartsWith("LEASE ", StringComparison.Ordinal)))
        {
            parse.InvocationConfiguration.Output.WriteLine(lease[6..]);
        }

        if (answer[^1] == "OK")
        {
            return 0;
        }

        parse.InvocationConfiguration.Error.WriteLine($"milter lease {name}: {answer[^1][3..].Trim()}");
        return 1;
    }
}
