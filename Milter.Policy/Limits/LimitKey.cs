using System.Globalization;
using System.Security.Cryptography;
using Milter.Policy.Model;

namespace Milter.Policy.Limits;

/// <summary>
/// The bucket a check counts in, as 128 bits: the client address itself (IPv4 in the low 32 bits), the address with
/// its host bits cleared (<see cref="LimitScope.Network"/>), or a keyed 128-bit hash of the normalized address. Built
/// without allocating; <see cref="Text"/> (for logs and shared stores) normalizes again on demand.
/// </summary>
/// <remarks>
/// Address normalization: angle brackets and a source route dropped, the local part cut at its first <c>+</c>
/// (not at position 0), local part and domain lower-cased, the domain's trailing dot dropped. So
/// <c>&lt;Jo+News@Example.ORG.&gt;</c> and <c>jo@example.org</c> are one key (rspamd#4187). The hash seed is random
/// per process: keys cannot be forged to collide, and the memory store never compares text.
/// </remarks>
public readonly struct LimitKey : IEquatable<LimitKey>
{
    private static readonly ulong s_seed1 = RandomSeed();
    private static readonly ulong s_seed2 = RandomSeed();

    private readonly string? _first;
    private readonly string? _second;
    private readonly byte _family;
    private readonly byte _prefix;

    private LimitKey(LimitScope scope, ulong hi, ulong lo, byte family = 0, byte prefix = 0, string? first = null, string? second = null)
    {
        Scope = scope;
        Hi = hi;
        Lo = lo;
        _family = family;
        _prefix = prefix;
        _first = first;
        _second = second;
    }

    public LimitScope Scope { get; }

    internal ulong Hi { get; }

    internal ulong Lo { get; }

    /// <summary>The server-wide key.</summary>
    public static LimitKey Server => new(LimitScope.Server, 0, 0);

    /// <summary>The client's address; null for a local client (no address).</summary>
    public static LimitKey? ForClient(in ClientAddress address) => ForAddressBits(LimitScope.Client, address, 32, 128);

    /// <summary>The client's network: the first <paramref name="v4Prefix"/> or <paramref name="v6Prefix"/> bits.</summary>
    public static LimitKey? ForNetwork(in ClientAddress address, int v4Prefix = 24, int v6Prefix = 64) =>
        ForAddressBits(LimitScope.Network, address, v4Prefix, v6Prefix);

    /// <summary>An envelope sender as the client wrote it; null for the null sender <c>&lt;&gt;</c>.</summary>
    public static LimitKey? ForSender(string? sender)
    {
        var address = EnvelopeAddress.Parse(sender);
        if (address.IsNullSender)
        {
            return null;
        }

        var (hi, lo) = Hash(address, default, hasSecond: false);
        return new LimitKey(LimitScope.Sender, hi, lo, first: sender);
    }

    /// <summary>An authenticated user (<c>{auth_authen}</c>), case-folded; null when empty.</summary>
    public static LimitKey? ForUser(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return null;
        }

        var h = new Hasher();
        h.AddLower(user);
        var (hi, lo) = h.Finish();
        return new LimitKey(LimitScope.User, hi, lo, first: user);
    }

    /// <summary>A <see cref="ForSender"/> or <see cref="ForUser"/> key again, from its hash and the text it was made of (kept by a session without the key).</summary>
    internal static LimitKey FromHash(LimitScope scope, ulong hi, ulong lo, string? first) => new(scope, hi, lo, first: first);

    /// <summary>Sender to recipient (the mail bomb); the null sender counts as <c>&lt;&gt;</c>.</summary>
    public static LimitKey ForPair(string? sender, string? recipient)
    {
        var (hi, lo) = Hash(EnvelopeAddress.Parse(sender), EnvelopeAddress.Parse(recipient), hasSecond: true);
        return new LimitKey(LimitScope.SenderRecipient, hi, lo, first: sender ?? string.Empty, second: recipient ?? string.Empty);
    }

    /// <summary>
    /// The key as text: <c>192.0.2.7</c>, <c>192.0.2.0/24</c>, <c>IPv6:2001:db8:0:0:0:0:0:0/64</c>, <c>jo@example.org</c>,
    /// <c>user</c>, <c>*</c>, <c>jo@example.org&gt;bob@example.net</c>. Allocates: for logs and shared stores only.
    /// </summary>
    public string Text => Scope switch
    {
        LimitScope.Client => Address().ToString(),
        LimitScope.Network => string.Create(CultureInfo.InvariantCulture, $"{Address()}/{_prefix}"),
        LimitScope.Sender => Normalize(_first),
        LimitScope.User => (_first ?? string.Empty).ToLowerInvariant(),
        LimitScope.SenderRecipient => string.Concat(Normalize(_first), ">", Normalize(_second)),
        _ => "*",
    };

    /// <summary>The normalized form of an envelope address (<c>&lt;&gt;</c> for the null sender).</summary>
    public static string Normalize(string? raw)
    {
        var address = EnvelopeAddress.Parse(raw);
        if (address.IsNullSender)
        {
            return "<>";
        }

        var local = DetailLess(address.Local);
        var text = address.HasDomain ? string.Concat(local, "@", address.Domain) : local.ToString();
        return text.ToLowerInvariant();
    }

    public bool Equals(LimitKey other) => Scope == other.Scope && Hi == other.Hi && Lo == other.Lo;

    public override bool Equals(object? obj) => obj is LimitKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Scope, Hi, Lo);

    public static bool operator ==(LimitKey left, LimitKey right) => left.Equals(right);

    public static bool operator !=(LimitKey left, LimitKey right) => !left.Equals(right);

    public override string ToString() => $"{Scope}:{Text}";

    private static LimitKey? ForAddressBits(LimitScope scope, in ClientAddress address, int v4Prefix, int v6Prefix)
    {
        if (address.IsIPv4)
        {
            var mask = v4Prefix >= 32 ? uint.MaxValue : v4Prefix <= 0 ? 0u : ~(uint.MaxValue >> v4Prefix);
            return new LimitKey(scope, 0, address.V4 & mask, 4, (byte)Math.Clamp(v4Prefix, 0, 32));
        }

        if (address.IsIPv6)
        {
            var mask = v6Prefix >= 128 ? UInt128.MaxValue : v6Prefix <= 0 ? UInt128.Zero : ~(UInt128.MaxValue >> v6Prefix);
            var bits = address.V6 & mask;
            return new LimitKey(scope, (ulong)(bits >> 64), (ulong)bits, 6, (byte)Math.Clamp(v6Prefix, 0, 128));
        }

        return null;
    }

    private ClientAddress Address() =>
        _family == 4 ? ClientAddress.FromIPv4((uint)Lo) : ClientAddress.FromIPv6(((UInt128)Hi << 64) | Lo);

    private static ReadOnlySpan<char> DetailLess(ReadOnlySpan<char> local)
    {
        var plus = local.IndexOf('+');
        return plus > 0 ? local[..plus] : local;
    }

    private static (ulong Hi, ulong Lo) Hash(in EnvelopeAddress first, in EnvelopeAddress second, bool hasSecond)
    {
        var h = new Hasher();
        Add(ref h, first);
        if (hasSecond)
        {
            h.Add('>');
            Add(ref h, second);
        }

        return h.Finish();
    }

    private static void Add(ref Hasher h, in EnvelopeAddress address)
    {
        if (address.IsNullSender)
        {
            h.AddLower("<>");
            return;
        }

        h.AddLower(DetailLess(address.Local));
        if (address.HasDomain)
        {
            h.Add('@');
            h.AddLower(address.Domain);
        }
    }

    private static ulong RandomSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    /// <summary>Two 64-bit multiply-xor lanes with random seeds, finished with murmur3's fmix64.</summary>
    private struct Hasher
    {
        private ulong _a;
        private ulong _b;
        private ulong _length;

        public Hasher()
        {
            _a = s_seed1;
            _b = s_seed2;
        }

        public void Add(char c)
        {
            _a = (_a ^ c) * 0x100000001B3UL;
            _b = (_b + c) * 0x9E3779B97F4A7C15UL;
            _b ^= _b >> 29;
            _length++;
        }

        public void AddLower(ReadOnlySpan<char> text)
        {
            foreach (var c in text)
            {
                Add(c < 0x80 ? (c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c) : char.ToLowerInvariant(c));
            }
        }

        public readonly (ulong Hi, ulong Lo) Finish()
        {
            var lo = Fmix(_a ^ _length);
            var hi = Fmix(_b ^ lo);
            return (hi, lo);
        }
    }

    internal static ulong Fmix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }
}
