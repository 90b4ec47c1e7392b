namespace Milter.Interop.Tests.Support;

/// <summary>
/// Our program (<c>milter run</c>) with rule files written to a temp directory, and a real Sendmail 8.17 configured
/// from the shipped <c>sendmail-mc-snippets/milter-authoritative-relay.m4</c> in front of it.
/// </summary>
internal sealed class PolicyStack : IAsyncDisposable
{
    /// <summary>The access file every fixture starts with (makemap syntax: key TAB value).</summary>
    public const string BaseAccess =
        "# access rules of the Sendmail policy tests\n" +
        "Connect:reject.example\tREJECT\n" +
        "Connect:127.0.0.7\tRELAY\n";

    private PolicyStack(string rulesDirectory, MilterProcess milter, SendmailRig rig)
    {
        RulesDirectory = rulesDirectory;
        Milter = milter;
        Rig = rig;
    }

    public string RulesDirectory { get; }

    public string AccessFile => Path.Combine(RulesDirectory, "access");

    public MilterProcess Milter { get; }

    public SendmailRig Rig { get; }

    public static async Task<PolicyStack> StartAsync()
    {
        string rules = Artifacts.NewTempDirectory("policy-rules-");
        string access = Path.Combine(rules, "access");
        string relayDomains = Path.Combine(rules, "relay-domains");
        string localDomains = Path.Combine(rules, "local-host-names");
        await File.WriteAllTextAsync(access, BaseAccess).ConfigureAwait(false);
        await File.WriteAllTextAsync(relayDomains, "# class R\nrelayed.example\n").ConfigureAwait(false);
        await File.WriteAllTextAsync(localDomains, "# class w\nlocal.test.example\n").ConfigureAwait(false);
        string state = Artifacts.NewTempDirectory("policy-state-");

        MilterProcess milter = await MilterProcess.StartPolicyMilterAsync(access, relayDomains, localDomains, state).ConfigureAwait(false);
        try
        {
            SendmailRig rig = await SendmailRig.StartWithSnippetAsync(milter.Spec, RepoLayout.AuthoritativeRelaySnippet).ConfigureAwait(false);
            return new PolicyStack(rules, milter, rig);
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
