using System.Text.Json;
using FluentAssertions;
using NUnit.Framework;

namespace Milter.Host.Tests.Packaging;

/// <summary>
/// docs/milter.example.json, which the Debian package installs as /etc/milter/milter.json: JSON with comments that
/// `milter run` loads as it is, the MTA's unix socket in /run/milter, every optional feed off with the line that turns
/// it on commented beside it.
/// </summary>
[Category("Sockets")]
public class ShippedConfigurationTests
{
    private static readonly string Example = RepoFiles.Path("docs", "milter.example.json");

    [Test]
    [CancelAfter(120_000)]
    public async Task Example_StartsTheMilter_AsItIs(CancellationToken cancellationToken)
    {
        string dir = Directory.CreateTempSubdirectory("milter-example-test").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "access"), "Connect:127.0.0.1\tRELAY\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "local-host-names"), "localhost\n", cancellationToken);
            string socket = Path.Combine(dir, "milter.sock");
            // Only what a test machine must change: the socket's place, the rule files (Debian's may be missing here),
            // the state directory. Everything else is the file's.
            using System.Diagnostics.Process milter = MilterProgram.StartWith(
                new Dictionary<string, string>
                {
                    ["Milter__Listener__Listen"] = "unix:" + socket,
                    ["Milter__Rules__Access"] = Path.Combine(dir, "access"),
                    ["Milter__Rules__LocalDomains"] = Path.Combine(dir, "local-host-names"),
                    ["Milter__StateDirectory"] = dir,
                },
                "run", "--config", Example);
            Task<string> errors = milter.StandardError.ReadToEndAsync(cancellationToken);
            var output = new System.Text.StringBuilder();
            try
            {
                // synchronised on the milter's own line, not on a deadline: this machine may be slow
                while (await milter.StandardOutput.ReadLineAsync(cancellationToken) is string line)
                {
                    output.AppendLine(line);
                    if (line.Contains("listening on unix:" + socket, StringComparison.Ordinal))
                    {
                        break;
                    }
                }

                output.ToString().Should().Contain("listening on unix:" + socket, "milter run starts on the example as it is:\n{0}", output);
                (await MilterProgram.ListensAsync("unix:" + socket)).Should().BeTrue();
                if (!OperatingSystem.IsWindows())
                {
                    File.GetUnixFileMode(socket).Should().Be((UnixFileMode)Convert.ToInt32("660", 8));
                }
            }
            finally
            {
                milter.Kill(entireProcessTree: true);
                await milter.WaitForExitAsync(cancellationToken);
            }

            output.Append(await milter.StandardOutput.ReadToEndAsync(cancellationToken)).Append(await errors);
            output.ToString().Should().Contain("configuration: " + Example).And.NotContain("fail:", "{0}", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Example_ListensOnTheProtectedUnixSocket_WithEveryOptionalFeedOff()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Example), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        JsonElement milter = document.RootElement.GetProperty("Milter");

        milter.GetProperty("Listener").GetProperty("Listen").GetString().Should().Be("unix:/run/milter/milter.sock");
        milter.GetProperty("Listener").GetProperty("SocketMode").GetString().Should().Be("660");
        milter.GetProperty("Rules").GetProperty("Access").GetString().Should().Be("/etc/mail/access", "Sendmail's own file");
        milter.GetProperty("Rules").GetProperty("RelayDomains").GetString().Should().Be("/etc/mail/relay-domains");
        milter.GetProperty("Rules").GetProperty("Optional").EnumerateArray().Select(e => e.GetString()).Should().Equal(["RelayDomains"], "Debian has no /etc/mail/relay-domains until the admin creates it");
        milter.GetProperty("Leases").GetProperty("SocketMap").TryGetProperty("Listen", out _).Should().BeFalse();
        milter.GetProperty("Leases").GetProperty("Drac").TryGetProperty("Listen", out _).Should().BeFalse("port 903 needs a capability the unit does not grant");
        milter.GetProperty("Leases").GetProperty("Drac").TryGetProperty("AllowFile", out _).Should().BeFalse();
        milter.GetProperty("Leases").GetProperty("LogFollower").TryGetProperty("Path", out _).Should().BeFalse();
        milter.GetProperty("Limits").GetProperty("Store").GetString().Should().Be("Memory");
        milter.GetProperty("Limits").TryGetProperty("Redis", out _).Should().BeFalse();
        milter.GetProperty("Admin").TryGetProperty("Group", out _).Should().BeFalse();
        milter.GetProperty("Metrics").TryGetProperty("Listen", out _).Should().BeFalse();
    }

    [TestCase("// \"Listen\": \"unix:/var/spool/postfix/milter/milter.sock\",")]
    [TestCase("// \"Listen\": \"inet:8890@")]
    [TestCase("// \"Listen\": \"unix:/run/milter/drac.sock\",")]
    [TestCase("// \"Listen\": \"127.0.0.1:903\",")]
    [TestCase("// \"AllowFile\": ")]
    [TestCase("// \"Path\": ")]
    [TestCase("// \"Redis\": ")]
    [TestCase("// \"Group\": ")]
    [TestCase("// \"Listen\": \"127.0.0.1:9469\",")]
    public void Example_HasTheLineThatTurnsEachFeedOn_CommentedBesideIt(string line) =>
        File.ReadAllLines(Example).Select(l => l.Trim()).Should().Contain(l => l.StartsWith(line, StringComparison.Ordinal));
}
