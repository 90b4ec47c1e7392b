using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Milter.Interop.Tests.Support;

/// <summary>
/// A private Dovecot 2.3 (Debian <c>dovecot-pop3d</c>): <c>dovecot -F -c CONFIG</c> with its own base_dir, POP3 only on
/// 127.0.0.1:PORT, one passwd-file user with a plaintext password, its log (<c>log_path</c>) in the temp directory.
/// Runs as root with Debian's <c>dovecot</c>/<c>dovenull</c> users for its internal and login processes; the mail
/// user is <c>dovecot</c>. The directory is world-readable (the login and mail processes do not run as root), so it
/// lives in /tmp and not under the 0700 run directory; it is removed at dispose.
/// </summary>
internal sealed class DovecotServer : IAsyncDisposable
{
    public const string User = "bob";
    public const string Password = "pop-secret";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly BackgroundProcess _process;

    private DovecotServer(BackgroundProcess process, string directory, int port, int? authPort)
    {
        _process = process;
        Directory = directory;
        Port = port;
        AuthPort = authPort;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>The auth service's TCP listener on 127.0.0.1 (Postfix <c>smtpd_sasl_type = dovecot</c>), when asked for.</summary>
    public int? AuthPort { get; }

    /// <summary>Dovecot's own log file (<c>log_path</c>): the file the milter's log follower reads.</summary>
    public string LogPath => Path.Combine(Directory, "dovecot.log");

    /// <param name="authListener">Also open the auth service on a free 127.0.0.1 port (<see cref="AuthPort"/>) for Postfix SASL.</param>
    public static async Task<DovecotServer> StartAsync(bool authListener = false)
    {
        Tools.RequireRoot("Dovecot's master runs as root and switches to the dovecot/dovenull users");
        string dovecot = Tools.Require("dovecot", "dovecot-pop3d");
        string directory = System.IO.Directory.CreateTempSubdirectory("milter-dovecot-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101); // rwxr-xr-x
        }

        string home = System.IO.Directory.CreateDirectory(Path.Combine(directory, "home")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, "users"), $"{User}:{{PLAIN}}{Password}::::::\n").ConfigureAwait(false);
        ProcessResult chown = await ProcessRunner.RunAsync("/bin/chown", ["dovecot:dovecot", home], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown dovecot {home} failed (is dovecot-pop3d installed?):\n{chown}");
        }

        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Next();
            int? authPort = authListener ? FreePort.Next() : null;
            string config = Path.Combine(directory, "dovecot.conf");
            await File.WriteAllTextAsync(config, Config(directory, port) + (authPort is { } a ? AuthListener(a) : string.Empty)).ConfigureAwait(false);
            BackgroundProcess process = BackgroundProcess.Start(dovecot, ["-F", "-c", config]);
            try
            {
                await process.WaitUntilListeningAsync(port, StartTimeout).ConfigureAwait(false);
                if (authPort is { } auth)
                {
                    await process.WaitUntilListeningAsync(auth, StartTimeout).ConfigureAwait(false);
                }

                return new DovecotServer(process, directory, port, authPort);
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await process.DisposeAsync().ConfigureAwait(false); // port taken between probe and bind
            }
            catch
            {
                await process.DisposeAsync().ConfigureAwait(false);
                System.IO.Directory.Delete(directory, recursive: true);
                throw;
            }
        }
    }

    /// <summary>USER/PASS from <paramref name="from"/> (a 127.0.0.x address); true when PASS got <c>+OK</c>.</summary>
    public async Task<bool> LoginAsync(string from, string password)
    {
        using var client = new TcpClient(new IPEndPoint(IPAddress.Parse(from), 0));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
        NetworkStream stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        string? greeting = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (greeting?.StartsWith("+OK", StringComparison.Ordinal) != true)
        {
            throw new InvalidOperationException($"dovecot greeting: {greeting}");
        }

        await writer.WriteLineAsync("USER " + User).ConfigureAwait(false);
        await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        await writer.WriteLineAsync("PASS " + password).ConfigureAwait(false);
        string? answer = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        await writer.WriteLineAsync("QUIT").ConfigureAwait(false);
        await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        return answer?.StartsWith("+OK", StringComparison.Ordinal) == true;
    }

    public string ReadLog() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static string Config(string directory, int port) => string.Create(CultureInfo.InvariantCulture, $$"""
        base_dir = {{directory}}/run
        state_dir = {{directory}}/state
        instance_name = milter-test-{{port}}
        protocols = pop3
        listen = 127.0.0.1
        log_path = {{directory}}/dovecot.log
        disable_plaintext_auth = no
        ssl = no
        auth_mechanisms = plain
        default_internal_user = dovecot
        default_login_user = dovenull
        first_valid_uid = 1
        passdb {
          driver = passwd-file
          args = scheme=PLAIN username_format=%u {{directory}}/users
        }
        userdb {
          driver = static
          args = uid=dovecot gid=dovecot home={{directory}}/home/%u
        }
        mail_location = maildir:~/Maildir
        service pop3-login {
          inet_listener pop3 {
            address = 127.0.0.1
            port = {{port}}
          }
        }
        service anvil {
          chroot =
        }
        service stats {
          unix_listener stats-writer {
            mode = 0666
          }
        }

        """);

    // Dovecot's SASL protocol over TCP, as for a Postfix on another host (Postfix: smtpd_sasl_path = inet:HOST:PORT).
    private static string AuthListener(int port) => string.Create(CultureInfo.InvariantCulture, $$"""
        service auth {
          inet_listener {
            address = 127.0.0.1
            port = {{port}}
          }
        }

        """);
}
