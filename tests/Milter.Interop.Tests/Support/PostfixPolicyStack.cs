namespace Milter.Interop.Tests.Support;

/// <summary>
/// Our program (<c>milter run</c>) with rule files and a state directory in a temp directory, and a real Postfix 3.7
/// configured from the shipped <c>postfix-main-cf-snippets/milter-authoritative-relay.cf</c> in front of it.
/// </summary>
internal sealed class PostfixPolicyStack : IAsyncDisposable
{
    /// <summary>
    /// The access file of the Postfix policy tests (makemap syntax: key TAB value): the rules of the Sendmail policy
    /// tests, and a sender with Sendmail's custom error text.
    /// </summary>
    public const string Access =
        "# access rules of the Postfix policy tests\n" +
        "Connect:reject.example\tREJECT\n" +
        "Connect:127.0.0.7\tRELAY\n" +
        "From:custom@sender.example\tERROR:5.7.1:\"550 Custom policy text, see https://policy.test.example/why\"\n";

    private readonly string? _socketMapDirectory;

    private PostfixPolicyStack(string stateDirectory, MilterProcess milter, PostfixRig rig, string? socketMapDirectory)
    {
        StateDirectory = stateDirectory;
        Milter = milter;
        Rig = rig;
        _socketMapDirectory = socketMapDirectory;
    }

    /// <summary>The milter's <c>--state-dir</c> (lease database, admin socket).</summary>
    public string StateDirectory { get; }

    public MilterProcess Milter { get; }

    public PostfixRig Rig { get; }

    /// <param name="extraMainCf">main.cf lines after the snippet (SASL settings, ...).</param>
    /// <param name="settings">More milter settings as environment variables.</param>
    /// <param name="snippet">The shipped snippet to configure Postfix from (default: milter-authoritative-relay.cf).</param>
    /// <param name="socketMap">
    /// The milter's lease socketmap on a unix socket, as the extra-layer snippet ships it: in a directory of group
    /// postfix that only that group may enter (setgid, so the socket is the group's too, mode 660), outside the run's
    /// private temp directory so that smtpd (user postfix) reaches it; the snippet's socketmap tables point at it.
    /// </param>
    public static async Task<PostfixPolicyStack> StartAsync(
        string? extraMainCf = null, IReadOnlyDictionary<string, string>? settings = null, string? snippet = null, bool socketMap = false)
    {
        PostfixRig.RequireRunnable();
        RuleFiles rules = await RuleFiles.WriteAsync(TempDirectories.New("postfix-rules-"), Access).ConfigureAwait(false);
        string state = TempDirectories.New("postfix-state-");

        string? socketMapDirectory = null, socketMapSpec = null;
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        if (socketMap)
        {
            socketMapDirectory = Directory.CreateTempSubdirectory("milter-socketmap-").FullName;
            ProcessResult chgrp = await ProcessRunner.RunAsync("chgrp", ["postfix", socketMapDirectory], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (chgrp.ExitCode != 0)
            {
                DeleteSocketMapDirectory(socketMapDirectory);
                throw new InvalidOperationException($"chgrp postfix {socketMapDirectory}: {chgrp}");
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketMapDirectory, (UnixFileMode)0b010_111_101_000); // 2750: setgid, group postfix may enter
            }

            socketMapSpec = "unix:" + Path.Combine(socketMapDirectory, "drac.sock");
            environment["Milter__Leases__SocketMap__Listen"] = socketMapSpec;
        }

        MilterProcess milter = await MilterProcess.StartPolicyMilterAsync(rules, state, environment, null).ConfigureAwait(false);
        try
        {
            PostfixRig rig = await PostfixRig.StartWithSnippetAsync(
                milter.Spec, snippet ?? RepoLayout.PostfixAuthoritativeRelaySnippet, extraMainCf, socketMapSpec).ConfigureAwait(false);
            return new PostfixPolicyStack(state, milter, rig, socketMapDirectory);
        }
        catch
        {
            await milter.DisposeAsync().ConfigureAwait(false);
            DeleteSocketMapDirectory(socketMapDirectory);
            throw;
        }
    }

    /// <summary>swaks from <paramref name="from"/> (a 127.0.0.x address), sender sender@sender.example unless given.</summary>
    public Task<SwaksTranscript> SendAsync(string from, string to, params string[] more) =>
        Rig.SwaksAsync(["--local-interface", from, "--from", "sender@sender.example", "--to", to, "--header", "Subject: postfix policy e2e", .. more]);

    /// <summary><c>milter lease add IP --state-dir STATE</c>, as a POP/IMAP login hook would run it.</summary>
    public async Task<ProcessResult> AddLeaseAsync(string address)
    {
        string dll = await Artifacts.MilterHostDllAsync().ConfigureAwait(false);
        return await ProcessRunner.RunAsync(Tools.DotnetHost(), [dll, "lease", "add", address, "--state-dir", StateDirectory], TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Rig.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Milter.DisposeAsync().ConfigureAwait(false);
            DeleteSocketMapDirectory(_socketMapDirectory);
        }
    }

    private static void DeleteSocketMapDirectory(string? directory)
    {
        if (directory is not null && Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
