using System.Text;
using BenchmarkDotNet.Attributes;
using Milter.Policy;
using Milter.Policy.Access;
using Milter.Policy.Model;

namespace Milter.Benchmarks;

/// <summary>
/// One SMTP transaction's policy decisions, untraced, against the embedded examples plus 100,000 generated entries
/// (<see cref="AccessFileGenerator"/>: Connect: IPv4/IPv6/CIDR/names, From:/To: addresses and domains). Each benchmark
/// is what the adapter does per connection: open a session on prebuilt <see cref="ClientFacts"/> (the adapter builds
/// them from the connect macros), Connect, Mail, Rcpt. The <c>*_Reused</c> variants run the same decisions on an open
/// session (the lookup path alone: must allocate nothing).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PolicyDecisionBenchmarks
{
    private PolicyEngine _engine = null!;
    private ClientFacts _stranger6 = null!;
    private ClientFacts _stranger4 = null!;
    private ClientFacts _internal = null!;
    private PolicySession _reused6 = null!;
    private PolicySession _reused4 = null!;
    private PolicySession _reusedInternal = null!;

    [GlobalSetup]
    public void Setup()
    {
        var examples = RuleSetLoader.ReadResource(RuleSetLoader.ExampleAccess, "access").Content;
        var generated = AccessFileGenerator.Generate(100_000);
        var access = new PolicyFile("access", [.. examples, .. generated]);
        var result = new RuleSetLoader().Load(access,
            RuleSetLoader.ReadResource(RuleSetLoader.ExampleRelayDomains, "relay-domains"),
            RuleSetLoader.ReadResource(RuleSetLoader.ExampleLocalHostNames, "local-host-names"));
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("\n", result.Errors.Take(5)));
        }

        _engine = new PolicyEngine(new RuleSetHolder(result.RuleSet), new PolicyOptions { HostName = "mail.example.net" });
        _stranger6 = new ClientFacts("IPv6:2001:db8:beef:4:0:0:0:77", "mx1.out.bulk.some-client.example", ClientResolve.Ok);
        _stranger4 = new ClientFacts("203.0.113.50", "mx.stranger.example", ClientResolve.Ok);
        _internal = new ClientFacts("192.0.2.40", "ws17.lan.example.net", ClientResolve.Ok);
        _reused6 = _engine.OpenSession(_stranger6);
        _reused4 = _engine.OpenSession(_stranger4);
        _reusedInternal = _engine.OpenSession(_internal);

        Expect(nameof(RelayRefused), RelayRefused(), VerdictAction.Reject, "550 5.7.1 Relaying denied. Proper authentication required.");
        Expect(nameof(LocalRecipient), LocalRecipient(), VerdictAction.Accept, "accept");
        Expect(nameof(ConnectRelay), ConnectRelay(), VerdictAction.Accept, "accept");
        Expect(nameof(FromReject), FromReject(), VerdictAction.Reject, "550 5.7.1 Access denied");
        Expect(nameof(RelayRefused_Reused), RelayRefused_Reused(), VerdictAction.Reject, null);
        Expect(nameof(LocalRecipient_Reused), LocalRecipient_Reused(), VerdictAction.Accept, null);
        Expect(nameof(ConnectRelay_Reused), ConnectRelay_Reused(), VerdictAction.Accept, null);
        Expect(nameof(FromReject_Reused), FromReject_Reused(), VerdictAction.Reject, null);
    }

    /// <summary>The longest walk: IPv6 client with a deep name, plus-addressed sender, remote recipient; nothing matches.</summary>
    [Benchmark(Baseline = true)]
    public Verdict RelayRefused() => Transaction(_engine.OpenSession(_stranger6), "<someone+news@list.sender.example.org>", "<victim@mail.far.away.example>");

    /// <summary>Stranger sends to a class w domain.</summary>
    [Benchmark]
    public Verdict LocalRecipient() => Transaction(_engine.OpenSession(_stranger4), "<someone@stranger.example>", "<postmaster@example.net>");

    /// <summary><c>Connect:10.0.0.0/8 RELAY</c>: relays to anywhere.</summary>
    [Benchmark]
    public Verdict ConnectRelay() => Transaction(_engine.OpenSession(_internal), "<user@example.net>", "<anyone@elsewhere.example>");

    /// <summary><c>From:spammer@example.com REJECT</c>: MAIL is refused, so the MTA sends no RCPT to the milter.</summary>
    [Benchmark]
    public Verdict FromReject() => Transaction(_engine.OpenSession(_stranger4), "<spammer@example.com>", "<postmaster@example.net>");

    [Benchmark]
    public Verdict RelayRefused_Reused() => Transaction(_reused6, "<someone+news@list.sender.example.org>", "<victim@mail.far.away.example>");

    [Benchmark]
    public Verdict LocalRecipient_Reused() => Transaction(_reused4, "<someone@stranger.example>", "<postmaster@example.net>");

    [Benchmark]
    public Verdict ConnectRelay_Reused() => Transaction(_reusedInternal, "<user@example.net>", "<anyone@elsewhere.example>");

    [Benchmark]
    public Verdict FromReject_Reused() => Transaction(_reused4, "<spammer@example.com>", "<postmaster@example.net>");

    private static Verdict Transaction(PolicySession session, string sender, string recipient)
    {
        var connect = session.Connect();
        if (connect.IsRefusal)
        {
            return connect;
        }

        var mail = session.Mail(sender);
        if (mail.IsRefusal)
        {
            return mail;
        }

        var rcpt = session.RcptAsync(recipient);
        return rcpt.IsCompletedSuccessfully ? rcpt.Result : rcpt.AsTask().GetAwaiter().GetResult();
    }

    private static void Expect(string name, Verdict verdict, VerdictAction action, string? outcome)
    {
        if (verdict.Action != action || (outcome is not null && verdict.Outcome != outcome))
        {
            throw new InvalidOperationException(new StringBuilder(name).Append(": ").Append(verdict.Explain()).ToString());
        }
    }
}
