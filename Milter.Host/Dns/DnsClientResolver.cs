using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Milter.Policy.Dns;

namespace Milter.Host.Dns;

/// <summary>
/// <see cref="IDnsResolver"/> on DnsClient.NET: the configured servers (or /etc/resolv.conf's), DnsClient's own cache
/// off (the policy's <see cref="CachingDnsResolver"/> keeps answers per TTL and negative ones per SOA), TCP when an
/// answer is truncated. Every query ends within its deadline (timeout × tries); a timeout, a network error, SERVFAIL,
/// REFUSED and any other error code are a <see cref="DnsStatus.TemporaryFailure"/>, as glibc's resolver reports them
/// to Sendmail (TRY_AGAIN). A CNAME without the asked records is followed (at most 8 times).
/// </summary>
internal sealed class DnsClientResolver : IDnsResolver
{
    private const int MaxCnames = 8;
    private readonly LookupClient _client;
    private readonly TimeSpan _deadline;

    public DnsClientResolver(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout, int retries)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0)
        {
            throw new ArgumentException("no DNS server", nameof(servers));
        }

        Servers = servers;
        _deadline = Options.DnsSettings.QueryDeadline(timeout, retries);
        _client = new LookupClient(new LookupClientOptions([.. servers])
        {
            UseCache = false,
            Timeout = timeout,
            Retries = retries,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
            ContinueOnDnsError = true,
            ContinueOnEmptyResponse = false,
            UseRandomNameServer = false,
            Recursion = true,
            EnableAuditTrail = false,
        });
    }

    public IReadOnlyList<IPEndPoint> Servers { get; }

    /// <summary>The name servers of /etc/resolv.conf (none when it names none: no public fallback).</summary>
    public static IReadOnlyList<IPEndPoint> SystemServers() =>
        [.. NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).Select(s => new IPEndPoint(IPAddress.Parse(s.Address), s.Port))];

    public async ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_deadline);
        try
        {
            var query = name;
            for (var hop = 0; ; hop++)
            {
                var response = await _client.QueryAsync(query, (QueryType)(int)type, QueryClass.IN, deadline.Token).ConfigureAwait(false);
                var answer = Map(response, type, out var cname);
                if (cname is null || hop == MaxCnames)
                {
                    return answer;
                }

                query = cname;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DnsAnswer.Failed("timeout");
        }
        catch (DnsResponseException ex)
        {
            return DnsAnswer.Failed(ex.Code.ToString());
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or InvalidOperationException or ArgumentException or FormatException)
        {
            return DnsAnswer.Failed(ex.GetType().Name);
        }
    }

    /// <summary>The answer in the policy's terms; <paramref name="cname"/> is the target to ask next when only a CNAME came.</summary>
    private static DnsAnswer Map(IDnsQueryResponse response, DnsRecordType type, out string? cname)
    {
        cname = null;
        var code = response.Header.ResponseCode;
        if (code == DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DnsAnswer(DnsStatus.NameError, null, NegativeTtl(response));
        }

        if (code != DnsHeaderResponseCode.NoError)
        {
            return DnsAnswer.Failed(response.ErrorMessage is { Length: > 0 } message ? message : code.ToString());
        }

        var records = new List<string>();
        var ttl = int.MaxValue;
        string? alias = null;
        foreach (var record in response.Answers)
        {
            if ((int)record.RecordType == (int)type && Data(record) is { } data)
            {
                records.Add(data);
                ttl = Math.Min(ttl, record.InitialTimeToLive);
            }
            else if (record is CNameRecord c)
            {
                alias = c.CanonicalName.Value.TrimEnd('.');
                ttl = Math.Min(ttl, c.InitialTimeToLive);
            }
        }

        if (records.Count > 0)
        {
            return new DnsAnswer(DnsStatus.Answer, records, TimeSpan.FromSeconds(ttl));
        }

        if (alias is not null)
        {
            cname = alias;
            return new DnsAnswer(DnsStatus.NoData, null, TimeSpan.Zero);
        }

        return new DnsAnswer(DnsStatus.NoData, null, NegativeTtl(response));
    }

    private static string? Data(DnsResourceRecord record) => record switch
    {
        ARecord a => a.Address.ToString(),
        AaaaRecord aaaa => aaaa.Address.ToString(),
        MxRecord mx => mx.Exchange.Value,
        PtrRecord ptr => ptr.PtrDomainName.Value,
        TxtRecord txt => string.Concat(txt.Text),
        _ => null,
    };

    /// <summary>RFC 2308 §5: the smaller of the SOA record's TTL and its MINIMUM field; no SOA, no caching.</summary>
    private static TimeSpan NegativeTtl(IDnsQueryResponse response)
    {
        foreach (var soa in response.Authorities.OfType<SoaRecord>())
        {
            return TimeSpan.FromSeconds(Math.Min((long)soa.InitialTimeToLive, soa.Minimum));
        }

        return TimeSpan.Zero;
    }
}
