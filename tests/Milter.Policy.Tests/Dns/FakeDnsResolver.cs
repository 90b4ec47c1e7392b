using Milter.Policy.Dns;

namespace Milter.Policy.Tests.Dns;

/// <summary>A resolver answering from a table (NXDOMAIN for anything else); counts the questions it gets.</summary>
internal sealed class FakeDnsResolver : IDnsResolver
{
    private readonly Dictionary<(string, DnsRecordType), DnsAnswer> _answers = [];
    private readonly List<(string Name, DnsRecordType Type)> _asked = [];

    public IReadOnlyList<(string Name, DnsRecordType Type)> Asked
    {
        get
        {
            lock (_asked)
            {
                return [.. _asked];
            }
        }
    }

    /// <summary>When set, every question waits for it (to hold queries in flight).</summary>
    public TaskCompletionSource? Gate { get; set; }

    public FakeDnsResolver Answer(string name, DnsRecordType type, params string[] records) =>
        Set(name, type, new DnsAnswer(DnsStatus.Answer, records, TimeSpan.FromMinutes(5)));

    public FakeDnsResolver NoData(string name, DnsRecordType type) => Set(name, type, new DnsAnswer(DnsStatus.NoData, null, TimeSpan.FromMinutes(1)));

    public FakeDnsResolver Fail(string name, DnsRecordType type) => Set(name, type, DnsAnswer.Failed("SERVFAIL"));

    public FakeDnsResolver Set(string name, DnsRecordType type, DnsAnswer answer)
    {
        _answers[(name, type)] = answer;
        return this;
    }

    public async ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        lock (_asked)
        {
            _asked.Add((name, type));
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return _answers.TryGetValue((name, type), out var answer) ? answer : new DnsAnswer(DnsStatus.NameError, null, TimeSpan.FromMinutes(1));
    }
}
