namespace Milter.Policy.Dns;

/// <summary>The record types the policy asks for (RFC 1035 / RFC 3596 type numbers).</summary>
public enum DnsRecordType
{
    A = 1,
    Ptr = 12,
    Mx = 15,
    Txt = 16,
    Aaaa = 28,
}
