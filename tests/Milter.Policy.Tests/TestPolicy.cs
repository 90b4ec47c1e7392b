using Milter.Policy.Access;
using Milter.Policy.Leases;
using Milter.Policy.Model;

namespace Milter.Policy.Tests;

/// <summary>Builds rule sets and engines from inline text.</summary>
internal static class TestPolicy
{
    public const string DefaultLocal = "example.net\nmail.example.net\n";

    public static RuleSetLoadResult Load(string access, string relay = "", string local = DefaultLocal, bool strict = true) =>
        new RuleSetLoader().Load(PolicyFile.FromText("access", access), PolicyFile.FromText("relay-domains", relay),
            PolicyFile.FromText("local-host-names", local), strict);

    public static RuleSet Rules(string access, string relay = "", string local = DefaultLocal)
    {
        var result = Load(access, relay, local);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("\n", result.Errors));
        }

        return result.RuleSet;
    }

    public static PolicyEngine Engine(string access, PolicyOptions? options = null, string relay = "", string local = DefaultLocal, ILeaseStore? leases = null) =>
        new(new RuleSetHolder(Rules(access, relay, local)), options, leases);

    public static PolicySession Session(this PolicyEngine engine, string address, string? name = null, ClientResolve resolve = ClientResolve.Unknown) =>
        engine.OpenSession(new ClientFacts(address, name, resolve), trace: true);

    /// <summary>Connect + MAIL + one RCPT; returns the RCPT verdict (or the MAIL refusal).</summary>
    public static Verdict Rcpt(this PolicyEngine engine, string address, string rcpt, string? name = null, string from = "<a@sender.example>",
        AuthFacts auth = default, ClientResolve resolve = ClientResolve.Unknown)
    {
        var session = engine.Session(address, name, resolve);
        session.Connect();
        var mail = session.Mail(from, auth);
        if (mail.IsRefusal)
        {
            return mail;
        }

        return session.RcptSync(rcpt);
    }

    public static Verdict RcptSync(this PolicySession session, string rcpt)
    {
        var pending = session.RcptAsync(rcpt);
        if (!pending.IsCompleted)
        {
            throw new AssertionException("in-memory stores must complete synchronously");
        }

        return pending.GetAwaiter().GetResult();
    }

    public static string? DecidingKey(this Verdict verdict) => (verdict.DecidedBy as AccessEntry)?.Key;
}
