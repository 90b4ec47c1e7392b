namespace Milter.Policy.Model;

/// <summary>
/// An envelope address as written by the client (<c>&lt;user+detail@Domain.Example&gt;</c>), split without copying:
/// angle brackets and a source route are dropped, the domain loses a trailing dot.
/// </summary>
public readonly struct EnvelopeAddress
{
    private readonly Range _local;
    private readonly Range _domain;
    private readonly int _trailingDots;

    private EnvelopeAddress(string raw, Range local, Range domain, bool hasDomain, bool isNull, int trailingDots = 0)
    {
        Raw = raw;
        _local = local;
        _domain = domain;
        HasDomain = hasDomain;
        IsNullSender = isNull;
        _trailingDots = trailingDots;
    }

    /// <summary>The address as written, e.g. <c>&lt;a@b&gt;</c>.</summary>
    public string Raw { get; }

    /// <summary><c>&lt;&gt;</c>.</summary>
    public bool IsNullSender { get; }

    public bool HasDomain { get; }

    public ReadOnlySpan<char> Local => (Raw ?? string.Empty).AsSpan()[_local];

    public ReadOnlySpan<char> Domain => (Raw ?? string.Empty).AsSpan()[_domain];

    /// <summary>The domain as the client wrote it, trailing dots included (Sendmail's localhost checks see this form).</summary>
    public ReadOnlySpan<char> DomainAsWritten => (Raw ?? string.Empty).AsSpan(_domain.Start.Value, _domain.End.Value - _domain.Start.Value + _trailingDots);

    /// <summary>The address without brackets: <c>user@domain</c>.</summary>
    public string Bare => (Raw ?? string.Empty)[_local.Start..(HasDomain ? _domain.End : _local.End)];

    public static EnvelopeAddress Parse(string? raw)
    {
        raw ??= string.Empty;
        var span = raw.AsSpan();
        int start = 0, end = span.Length;
        while (start < end && char.IsWhiteSpace(span[start]))
        {
            start++;
        }

        while (end > start && char.IsWhiteSpace(span[end - 1]))
        {
            end--;
        }

        if (end - start >= 2 && span[start] == '<' && span[end - 1] == '>')
        {
            start++;
            end--;
        }

        // Source route "@a,@b:user@dom" (RFC 5321 4.1.2): keep the mailbox.
        if (start < end && span[start] == '@')
        {
            var colon = span[start..end].IndexOf(':');
            if (colon > 0)
            {
                start += colon + 1;
            }
        }

        if (start == end)
        {
            return new EnvelopeAddress(raw, start..start, start..start, false, true);
        }

        var at = span[start..end].LastIndexOf('@');
        if (at < 0)
        {
            return new EnvelopeAddress(raw, start..end, end..end, false, false);
        }

        var domainEnd = end;
        while (domainEnd > start + at + 1 && span[domainEnd - 1] == '.')
        {
            domainEnd--;
        }

        return new EnvelopeAddress(raw, start..(start + at), (start + at + 1)..domainEnd, true, false, end - domainEnd);
    }

    public override string ToString() => Raw ?? string.Empty;
}
