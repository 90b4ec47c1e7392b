namespace Milter.Policy.Dns;

/// <summary>
/// Asks DNS one question. Implementations bound every query by their own timeout and never throw for a DNS or network
/// fault: it is a <see cref="DnsStatus.TemporaryFailure"/> answer (fail closed). Only the caller's cancellation throws.
/// The host implements it on a DNS client library; tests use a fake or a real server on loopback.
/// </summary>
public interface IDnsResolver
{
    /// <param name="name">Absolute domain name without the trailing dot (<c>2.0.0.127.bl.example</c>).</param>
    /// <param name="type">The record type asked.</param>
    /// <param name="cancellationToken">The caller's cancellation (the session ended).</param>
    ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken);
}
