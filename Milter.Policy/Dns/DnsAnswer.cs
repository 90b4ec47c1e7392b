namespace Milter.Policy.Dns;

/// <summary>
/// The outcome of one query: status, the records' data in presentation form (<c>127.0.0.2</c>, <c>mx.example.</c>),
/// and how long it may be cached: the smallest record TTL of an answer, the SOA's negative TTL (RFC 2308: the smaller
/// of the SOA record's TTL and its MINIMUM) of NXDOMAIN/NODATA, zero when it must not be cached (temporary failures).
/// </summary>
public sealed class DnsAnswer
{
    private static readonly string[] s_none = [];

    public DnsAnswer(DnsStatus status, IReadOnlyList<string>? records, TimeSpan ttl, string? detail = null)
    {
        Status = status;
        Records = records ?? s_none;
        Ttl = ttl < TimeSpan.Zero || status == DnsStatus.TemporaryFailure ? TimeSpan.Zero : ttl;
        Detail = detail;
    }

    public DnsStatus Status { get; }

    public IReadOnlyList<string> Records { get; }

    public TimeSpan Ttl { get; }

    /// <summary>Why a temporary failure happened (<c>SERVFAIL</c>, <c>timeout</c>), for logs and traces.</summary>
    public string? Detail { get; }

    public static DnsAnswer Failed(string detail) => new(DnsStatus.TemporaryFailure, null, TimeSpan.Zero, detail);

    public override string ToString() => Status switch
    {
        DnsStatus.Answer => string.Join(' ', Records),
        DnsStatus.NoData => "NODATA",
        DnsStatus.NameError => "NXDOMAIN",
        _ => "temporary failure" + (Detail is null ? string.Empty : " (" + Detail + ")"),
    };
}
