using System.Runtime.CompilerServices;
using Milter.Policy.Access;
using Milter.Policy.Engine;
using Milter.Policy.Model;
using Milter.Policy.Tracing;

namespace Milter.Policy;

/// <summary>
/// The policy state of one SMTP connection: evaluates each stage in Sendmail's order and remembers what later
/// stages need (the connect verdict to deliver, the sender, the AUTH facts). Not thread-safe (one per connection).
/// An idle connection holds no verdict and no message: a connect verdict is kept only when it blocks (rare), the
/// message's facts from the connection's first MAIL on (<see cref="SessionMessage"/>, reused by later messages).
/// </summary>
public sealed partial class PolicySession
{
    /// <summary><see cref="ConnectVerdict"/> of a connect that did not block: such a verdict is not kept.</summary>
    private static readonly Verdict s_connectContinued =
        new(PolicyStage.Connect, VerdictAction.Continue, null, null, null, "connect did not block (its verdict is not kept)", 0, null);

    private readonly PolicyEngine _engine;
    private readonly bool _trace;
    private StrongBox<Verdict>? _blockingConnect; // null unless the connect verdict blocks: delivered again later
    private bool _connected;
    private SessionMessage? _message; // null until the connection's first MAIL

    // check_relay's walks on the client name and address, kept for Relay_ok at RCPT (same client, same snapshot).
    private RuleSet? _walkedRules;
    private AccessEntry? _nameHit;
    private AccessEntry? _addressHit;
    private bool _nameWalked;
    private bool _addressWalked;

    internal PolicySession(PolicyEngine engine, ClientFacts client, bool trace)
    {
        _engine = engine;
        Client = client;
        _trace = trace;
    }

    public ClientFacts Client { get; }

    /// <summary>The sender of the current message as given to <see cref="Mail"/>; null before MAIL and after <see cref="Reset"/>.</summary>
    public string? Sender => _message?.Sender.Raw;

    /// <summary>
    /// The verdict computed at connect when it blocks (what <see cref="Connect"/> returned, delivered again later); for a
    /// connect that did not block, or before connect, a plain continue verdict (reason only, no rule, version 0, no trace):
    /// a verdict that delivers nothing later is not kept.
    /// </summary>
    public Verdict ConnectVerdict => _blockingConnect?.Value ?? s_connectContinued;

    /// <summary>
    /// check_relay (proto.m4 Basic_check_relay): <c>Connect:</c> walk on the client name, then on the address (CIDR extension included).
    /// The adapter must answer <c>SMFIR_CONTINUE</c> at connect whatever this returns: a refusal is
    /// <see cref="Verdict.IsDeferred"/> and returned again by <see cref="Helo"/>, <see cref="Mail"/> and <see cref="RcptAsync"/> (Sendmail ignores connect-stage reply text).
    /// </summary>
    public Verdict Connect()
    {
        var rules = _engine.Rules.Current;
        var trace = NewTrace();
        _connected = true;
        _walkedRules = null;
        _blockingConnect = null;
        if (ClientControl(PolicyStage.Connect, rules, trace, immediate: true) is { } immediate)
        {
            return Hold(immediate.Deferred()); // FEATURE(ratecontrol/conncontrol, nodelay): before the access lookups
        }

        if (Compiled.DelayChecks != DelayChecksMode.Off)
        {
            return Allow(PolicyStage.Connect, VerdictAction.Continue, "Connect: check deferred to RCPT (delay_checks)", rules, trace);
        }

        var verdict = CheckRelay(rules, PolicyStage.Connect, trace);
        return verdict.Blocks ? Hold(verdict.Deferred()) : verdict;
    }

    /// <summary>
    /// HELO/EHLO: delivers a connect-stage refusal (Sendmail keeps it as <c>nullserver</c> for later commands). The name
    /// decides nothing (Sendmail's access rules have no HELO check) and is not kept: an idle connection holds no copy.
    /// </summary>
    public Verdict Helo(string? helo)
    {
        EnsureConnected();
        if (ConnectRefused)
        {
            return HeldConnectAt(PolicyStage.Helo);
        }

        var rules = _engine.Rules.Current;
        return Allow(PolicyStage.Helo, VerdictAction.Continue, "no HELO check in Sendmail's access rules", rules, NewTrace());
    }

    /// <summary>
    /// MAIL FROM: check_mail (proto.m4 Basic_check_mail) on the sender as the client wrote it (<c>&lt;&gt;</c> included).
    /// <paramref name="auth"/> = <c>{auth_type}</c>/<c>{auth_authen}</c>, sent with envfrom; used at RCPT.
    /// </summary>
    public Verdict Mail(string? sender, AuthFacts auth = default) => MailParsed(EnvelopeAddress.Parse(sender), auth);

    /// <summary><see cref="Mail(string?, AuthFacts)"/> for a sender parsed already (by <see cref="MailAsync"/>: parsed once per MAIL).</summary>
    private Verdict MailParsed(in EnvelopeAddress parsed, AuthFacts auth)
    {
        EnsureConnected();
        var message = Message;
        message.Sender = parsed;
        message.AuthMechanism = auth.Mechanism;
        if (ConnectRefused)
        {
            return HeldConnectAt(PolicyStage.Mail);
        }

        var rules = _engine.Rules.Current;
        var trace = NewTrace();
        if (Compiled.DelayChecks != DelayChecksMode.Off)
        {
            return Allow(PolicyStage.Mail, VerdictAction.Continue, "From: check deferred to RCPT (delay_checks)", rules, trace);
        }

        var verdict = CheckMail(rules, PolicyStage.Mail, parsed, trace, out _);
        if (!verdict.Blocks && _blockingConnect is not null)
        {
            // Connect: DISCARD / QUARANTINE applies to every message of the connection.
            return HeldConnectAt(PolicyStage.Mail);
        }

        return verdict;
    }

    /// <summary>
    /// RCPT TO: check_rcpt, Rcpt_ok and Relay_ok in Sendmail's order (proto.m4); with delay_checks then the sender and
    /// client checks, as Sendmail's check_rcpt runs them after the recipient's. Completes synchronously unless the lease
    /// store goes asynchronous.
    /// </summary>
    public ValueTask<Verdict> RcptAsync(string? recipient, CancellationToken cancellationToken = default)
    {
        EnsureConnected();
        if (ConnectRefused)
        {
            return new ValueTask<Verdict>(HeldConnectAt(PolicyStage.Rcpt));
        }

        var rules = _engine.Rules.Current;
        var trace = NewTrace();
        if (DnsblPendingAtRcpt(rules))
        {
            return RcptAfterDnsblAsync(recipient, cancellationToken); // delay_checks: check_relay's DNS lists are asked here
        }

        var rcpt = EnvelopeAddress.Parse(recipient);
        var checkRcpt = CheckRcptAsync(rules, rcpt, trace, cancellationToken);
        if (Compiled.DelayChecks == DelayChecksMode.Off)
        {
            return checkRcpt;
        }

        return checkRcpt.IsCompletedSuccessfully
            ? new ValueTask<Verdict>(DelayedChecks(rules, rcpt, trace, checkRcpt.Result))
            : DelayedChecksAsync(checkRcpt, rules, rcpt, trace);
    }

    private async ValueTask<Verdict> DelayedChecksAsync(ValueTask<Verdict> checkRcpt, RuleSet rules, EnvelopeAddress rcpt, PolicyTrace? trace) =>
        DelayedChecks(rules, rcpt, trace, await checkRcpt.ConfigureAwait(false));

    /// <summary>End of a transaction (RSET, end of message): the sender (and a transaction's quarantine) is forgotten, AUTH facts stay.</summary>
    public void Reset()
    {
        if (_message is { } message)
        {
            message.Sender = default;
            message.Quarantine = null;
        }
    }

    /// <summary>
    /// The quarantine reason a <see cref="PolicyTransaction"/> carries to the end of the message, kept with the message's
    /// facts (no field per idle connection); forgotten by <see cref="Reset"/>.
    /// </summary>
    internal string? Quarantine => _message?.Quarantine;

    /// <summary>Keeps <paramref name="reason"/> as the message's <see cref="Quarantine"/>.</summary>
    internal void Quarantined(string reason) => Message.Quarantine = reason;

    private void EnsureConnected()
    {
        if (!_connected)
        {
            Connect();
        }
    }

    /// <summary>The engine's options (read through the engine: one field less per session).</summary>
    private CompiledPolicy Compiled => _engine.Policy;

    /// <summary>The message's facts, made at the connection's first MAIL and reused by its later messages.</summary>
    private SessionMessage Message => _message ??= new SessionMessage();

    /// <summary><c>{auth_type}</c> of the last MAIL (kept after the end of its message, as the AUTH facts are); null before MAIL.</summary>
    private string? AuthMechanism => _message?.AuthMechanism;

    /// <summary>The connect verdict refuses: HELO, MAIL and RCPT deliver it again (<see cref="HeldConnectAt"/>).</summary>
    private bool ConnectRefused => _blockingConnect is { Value.IsRefusal: true };

    /// <summary>Keeps a blocking connect verdict (the only kind later stages need) and returns it.</summary>
    private Verdict Hold(in Verdict blocking)
    {
        _blockingConnect = new StrongBox<Verdict>(blocking);
        return blocking;
    }

    /// <summary>The kept blocking connect verdict, delivered at <paramref name="stage"/>.</summary>
    private Verdict HeldConnectAt(PolicyStage stage) => _blockingConnect!.Value.At(stage);

    private PolicyTrace? NewTrace() => _trace ? new PolicyTrace() : null;

    private Lookup NewLookup(RuleSet rules, PolicyTrace? trace) => new(rules, trace, Compiled.AccessSkip);

    /// <summary>
    /// <c>Connect:</c> D walk on <c>{client_name}</c>. check_relay and Relay_ok walk the same keys; untraced, the second
    /// walk reuses the first (a traced decision shows every probe, so it walks again).
    /// </summary>
    private AccessEntry? ConnectNameWalk(in Lookup lookup, bool exactOnly)
    {
        if (exactOnly || lookup.Trace is not null)
        {
            return AccessWalks.Domain(lookup, AccessWalks.Connect, Client.Name, tagOnly: false, Compiled.LookupDotDomain, exactOnly);
        }

        ForgetWalksUnless(lookup.Rules);
        if (!_nameWalked)
        {
            _nameHit = AccessWalks.Domain(lookup, AccessWalks.Connect, Client.Name, tagOnly: false, Compiled.LookupDotDomain, exactOnly: false);
            _nameWalked = true;
        }

        return _nameHit;
    }

    /// <summary><c>Connect:</c> A walk on <c>{client_addr}</c> (CIDR included), reused like <see cref="ConnectNameWalk"/>.</summary>
    private AccessEntry? ConnectAddressWalk(in Lookup lookup)
    {
        if (lookup.Trace is not null)
        {
            return AccessWalks.Address(lookup, AccessWalks.Connect, Client.Address, tagOnly: false, cidr: true);
        }

        ForgetWalksUnless(lookup.Rules);
        if (!_addressWalked)
        {
            _addressHit = AccessWalks.Address(lookup, AccessWalks.Connect, Client.Address, tagOnly: false, cidr: true);
            _addressWalked = true;
        }

        return _addressHit;
    }

    private void ForgetWalksUnless(RuleSet rules)
    {
        if (!ReferenceEquals(_walkedRules, rules))
        {
            _walkedRules = rules;
            _nameWalked = false;
            _addressWalked = false;
            _nameHit = null;
            _addressHit = null;
        }
    }

    /// <summary>A verdict that lets the stage through (<paramref name="action"/> Continue or Accept), with its reason and deciding rule.</summary>
    private static Verdict Allow(PolicyStage stage, VerdictAction action, string reason, RuleSet rules, PolicyTrace? trace, PolicyRule? rule = null) =>
        new(stage, action, null, null, rule, reason, rules.Version, trace);

    private static Verdict Refuse(PolicyStage stage, PolicyReply reply, string reason, RuleSet rules, PolicyTrace? trace, PolicyRule? rule = null) =>
        new(stage, reply.IsTemporary ? VerdictAction.TempFail : VerdictAction.Reject, reply, null, rule, reason, rules.Version, trace);

    /// <summary>
    /// Maps an access hit to a verdict (the RHS meanings of cf/README); <paramref name="reject"/> is the REJECT text of this tag;
    /// <paramref name="address"/>: a From:/To: check (an unquoted text ends at its first '&gt;' there), else check_relay.
    /// </summary>
    private static Verdict FromEntry(AccessEntry entry, PolicyStage stage, PolicyReply reject, RuleSet rules, PolicyTrace? trace, bool address = false) =>
        entry.Action switch
        {
            AccessAction.Ok => Allow(stage, VerdictAction.Accept, "access OK", rules, trace, rule: entry),
            AccessAction.Relay => Allow(stage, VerdictAction.Accept, "access RELAY (implicit OK)", rules, trace, rule: entry),
            AccessAction.Reject => Refuse(stage, reject, "access REJECT", rules, trace, entry),
            AccessAction.Discard => new Verdict(stage, VerdictAction.Discard, null, null, entry, "access DISCARD", rules.Version, trace),
            AccessAction.Quarantine => new Verdict(stage, VerdictAction.Quarantine, null,
                address ? entry.AddressQuarantineReason : entry.QuarantineReason, entry, "access QUARANTINE", rules.Version, trace),
            AccessAction.Error => Refuse(stage, address ? entry.AddressReply : entry.Reply, "access ERROR", rules, trace, entry),
            _ => Refuse(stage, address ? entry.AddressReply : entry.Reply, "value not understood by the rules (553 5.3.0)", rules, trace, entry),
        };
}
