using Milter.Policy.Model;

namespace Milter.Policy.Dns;

/// <summary>What one DNS list said about a client.</summary>
public enum DnsblOutcome
{
    /// <summary>The list does not cover the client (IPv6 without <see cref="DnsblOptions.IPv6"/>), or no resolver.</summary>
    NotAsked,

    /// <summary>NXDOMAIN or NODATA, or (enhdnsbl) no result matched.</summary>
    NotListed,

    Listed,

    /// <summary>The list could not be asked (timeout, SERVFAIL, …): Sendmail's <c>&lt;TMP&gt;</c>.</summary>
    TemporaryFailure,
}

/// <summary>One list's answer for one client: the outcome and the A records seen.</summary>
public readonly record struct DnsblResult(DnsblList List, DnsblOutcome Outcome, string Answer);

/// <summary>
/// The DNS list checks of check_relay (FEATURE dnsbl/enhdnsbl, spec §1.8): every list asked at once, the results kept
/// in the order of the lists; the first list that lists the client (or, with <see cref="DnsblList.TemporaryFailure"/>,
/// could not be asked) decides, as the FEATURE lines' rules run one after the other in Sendmail.
/// </summary>
public static class DnsblCheck
{
    public static async ValueTask<DnsblResult[]> QueryAsync(IDnsResolver resolver, IReadOnlyList<DnsblList> lists, ClientAddress client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(lists);
        var pending = new Task<DnsAnswer>?[lists.Count];
        for (var i = 0; i < lists.Count; i++)
        {
            if (lists[i].Covers(client))
            {
                pending[i] = resolver.QueryAsync(lists[i].QueryName(client), DnsRecordType.A, cancellationToken).AsTask();
            }
        }

        var results = new DnsblResult[lists.Count];
        for (var i = 0; i < lists.Count; i++)
        {
            if (pending[i] is not { } query)
            {
                results[i] = new DnsblResult(lists[i], DnsblOutcome.NotAsked, string.Empty);
                continue;
            }

            var answer = await query.ConfigureAwait(false);
            var outcome = answer.Status switch
            {
                DnsStatus.Answer when lists[i].Lists(answer.Records) => DnsblOutcome.Listed,
                DnsStatus.TemporaryFailure => DnsblOutcome.TemporaryFailure,
                _ => DnsblOutcome.NotListed,
            };
            results[i] = new DnsblResult(lists[i], outcome, answer.ToString());
        }

        return results;
    }

    /// <summary>The result that decides (listed, or a temporary failure of a list that refuses on it), or null.</summary>
    public static DnsblResult? Deciding(IReadOnlyList<DnsblResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            if (result.Outcome == DnsblOutcome.Listed || (result.Outcome == DnsblOutcome.TemporaryFailure && result.List.TemporaryFailure))
            {
                return result;
            }
        }

        return null;
    }
}
