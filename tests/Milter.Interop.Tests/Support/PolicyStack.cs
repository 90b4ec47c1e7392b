namespace Milter.Interop.Tests.Support;

/// <summary>
/// Our program (<c>milter run</c>) with rule files written to a temp directory, and a real Sendmail 8.17 configured
/// from the shipped <c>sendmail-mc-snippets/</c> in front of it, offering SMTP AUTH for <see cref="SaslUser"/>:
/// milter-authoritative (<see cref="RepoLayout.AuthoritativeDeployment"/>), or Sendmail keeping relay control and
/// reading the milter's leases through its socketmap (<see cref="RepoLayout.SocketMapDeployment"/>).
/// </summary>
internal sealed class PolicyStack : IAsyncDisposable
{
    /// <summary>The access file every fixture starts with (makemap syntax: key TAB value).</summary>
    public const string BaseAccess =
        "# access rules of the Sendmail policy tests\n" +
        "Connect:reject.example\tREJECT\n" +
        "Connect:127.0.0.7\tRELAY\n";

    /// <summary>The SMTP AUTH user of the rig's private sasldb2.</summary>
    public const string SaslUser = "smtpuser";

    public const string SaslPassword = "smtp-secret";

    private PolicyStack(string rulesDirectory, string stateDirectory, MilterProcess milter, SendmailRig rig)
    {
        RulesDirectory = rulesDirectory;
        StateDirectory = stateDirectory;
        Milter = milter;
        Rig = rig;
    }

    public string RulesDirectory { get; }

    /// <summary>The milter's <c>--state-dir</c> (lease store, admin socket).</summary>
    public string StateDirectory { get; }

    public string AccessFile => Path.Combine(RulesDirectory, "access");

    public MilterProcess Milter { get; }

    public SendmailRig Rig { get; }

    /// <param name="settings">More milter settings as environment variables (<c>Milter__Limits__MailBomb__Count</c>, …).</param>
    /// <param name="socketMapMode">Mode A: the milter's socketmap on a unix socket, Sendmail from <see cref="RepoLayout.SocketMapDeployment"/>.</param>
    /// <param name="dns">
    /// A DNS server for the milter: its sender domain check is on (Sendmail's default) and asks it, and the server's
    /// DNS list (<see cref="TestDnsServer.ListZone"/>) is configured. Without it the milter skips the sender domain check.
    /// </param>
    /// <param name="access">The access file (default <see cref="BaseAccess"/>).</param>
    public static async Task<PolicyStack> StartAsync(IReadOnlyDictionary<string, string>? settings = null, bool socketMapMode = false, TestDnsServer? dns = null, string access = BaseAccess)
    {
        string rules = TempDirectories.New("policy-rules-");
        RuleFiles files = await RuleFiles.WriteAsync(rules, access).ConfigureAwait(false);
        string state = TempDirectories.New("policy-state-");

        var milterSettings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        if (dns is not null)
        {
            milterSettings[MilterEnvironment.NoDnsCheck] = "false";
            milterSettings["Milter__Dns__Servers__0"] = dns.Server;
            milterSettings["Milter__Policy__Dnsbl__0__Zone"] = TestDnsServer.ListZone;
        }

        string? socketMap = null;
        if (socketMapMode)
        {
            // As shipped: a unix socket (here in the milter's private state directory, not /run/milter).
            string socketPath = Path.Combine(state, "drac.sock");
            socketMap = "local:" + socketPath;
            milterSettings["Milter__Leases__SocketMap__Listen"] = "unix:" + socketPath;
        }

        MilterProcess milter = await MilterProcess.StartPolicyMilterAsync(files, state, milterSettings, null).ConfigureAwait(false);
        try
        {
            SendmailRig rig = await SendmailRig.StartWithSnippetsAsync(
                milter.Spec, socketMapMode ? RepoLayout.SocketMapDeployment : RepoLayout.AuthoritativeDeployment, $"{SaslUser}:{SaslPassword}", socketMap).ConfigureAwait(false);
            return new PolicyStack(rules, state, milter, rig);
        }
        catch
        {
            await milter.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
        }
    }
}
