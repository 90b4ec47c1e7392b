using Microsoft.Extensions.Time.Testing;
using Milter.Policy.Dns;

namespace Milter.Policy.Tests.Dns;

public sealed class CachingDnsResolverTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeDnsResolver _dns = new();

    private CachingDnsResolver Cache(int size = 100) => new(_dns, _time, size, TimeSpan.FromHours(1));

    private static DnsAnswer Ask(CachingDnsResolver cache, string name, DnsRecordType type = DnsRecordType.A) =>
        cache.QueryAsync(name, type, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    [Test]
    public void Answer_IsKeptForItsTtl_ThenAskedAgain()
    {
        _dns.Set("a.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromSeconds(30)));
        var cache = Cache();

        Ask(cache, "a.example").Records.Should().Equal("192.0.2.1");
        Ask(cache, "A.Example").Records.Should().Equal("192.0.2.1");
        _time.Advance(TimeSpan.FromSeconds(29));
        Ask(cache, "a.example");
        _dns.Asked.Should().HaveCount(1, "names are case-insensitive and the TTL has not run out");

        _time.Advance(TimeSpan.FromSeconds(1));
        Ask(cache, "a.example");
        _dns.Asked.Should().HaveCount(2, "after 30 s the answer has expired");
    }

    [Test]
    public void NegativeAnswer_IsKeptForTheSoaTtl_TheResolverReports()
    {
        _dns.Set("gone.example", DnsRecordType.A, new DnsAnswer(DnsStatus.NameError, null, TimeSpan.FromSeconds(60)));
        var cache = Cache();

        Ask(cache, "gone.example").Status.Should().Be(DnsStatus.NameError);
        _time.Advance(TimeSpan.FromSeconds(59));
        Ask(cache, "gone.example").Status.Should().Be(DnsStatus.NameError);
        _dns.Asked.Should().HaveCount(1);
        _time.Advance(TimeSpan.FromSeconds(1));
        Ask(cache, "gone.example");
        _dns.Asked.Should().HaveCount(2);
    }

    [Test]
    public void TemporaryFailure_IsNeverKept()
    {
        _dns.Fail("down.example", DnsRecordType.A);
        var cache = Cache();

        Ask(cache, "down.example").Status.Should().Be(DnsStatus.TemporaryFailure);
        Ask(cache, "down.example").Status.Should().Be(DnsStatus.TemporaryFailure);
        _dns.Asked.Should().HaveCount(2);
    }

    [Test]
    public void Ttl_IsCappedAtTheMaximum()
    {
        _dns.Set("long.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromDays(7)));
        var cache = Cache();
        Ask(cache, "long.example");
        _time.Advance(TimeSpan.FromHours(1));
        Ask(cache, "long.example");
        _dns.Asked.Should().HaveCount(2);
    }

    [Test]
    public async Task ConcurrentQuestions_ShareOneQuery_AndOneAskerGivingUpDoesNotCancelIt()
    {
        _dns.Answer("slow.example", DnsRecordType.A, "192.0.2.7");
        _dns.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = Cache();
        using var giveUp = new CancellationTokenSource();

        var first = cache.QueryAsync("slow.example", DnsRecordType.A, giveUp.Token).AsTask();
        var second = cache.QueryAsync("slow.example", DnsRecordType.A, CancellationToken.None).AsTask();
        await giveUp.CancelAsync();
        _dns.Gate.SetResult();

        await FluentActions.Awaiting(() => first).Should().ThrowAsync<OperationCanceledException>();
        (await second).Records.Should().Equal("192.0.2.7");
        _dns.Asked.Should().HaveCount(1);
    }

    [Test]
    public void Full_DropsExpiredAnswers_AndOtherwiseKeepsNoMore()
    {
        var cache = Cache(size: 2);
        _dns.Set("one.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromSeconds(10)));
        _dns.Answer("two.example", DnsRecordType.A, "192.0.2.2");
        _dns.Answer("three.example", DnsRecordType.A, "192.0.2.3");
        Ask(cache, "one.example");
        Ask(cache, "two.example");
        Ask(cache, "three.example");
        cache.Count.Should().Be(2, "nothing had expired: the third answer is used, not kept");

        _time.Advance(TimeSpan.FromSeconds(10));
        Ask(cache, "three.example");
        cache.Count.Should().Be(2, "the expired one made room");
        Ask(cache, "three.example");
        _dns.Asked.Count(q => q.Name == "three.example").Should().Be(2);
    }

    [Test]
    public void AThrowingResolver_IsATemporaryFailure()
    {
        var cache = new CachingDnsResolver(new Throwing(), _time, 10, TimeSpan.FromHours(1));
        Ask(cache, "x.example").Status.Should().Be(DnsStatus.TemporaryFailure);
    }

    private sealed class Throwing : IDnsResolver
    {
        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("broken");
    }

    [Test]
    public void ExpiredAnswer_IsDropped_EvenWhenTheNewAnswerIsNotKept()
    {
        _dns.Set("a.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.FromSeconds(30)));
        var cache = Cache();
        Ask(cache, "a.example");
        cache.Count.Should().Be(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        _dns.Fail("a.example", DnsRecordType.A);

        Ask(cache, "a.example").Status.Should().Be(DnsStatus.TemporaryFailure);
        cache.Count.Should().Be(0);
    }

    [Test]
    public void ZeroTtl_IsNotKept()
    {
        _dns.Set("now.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], TimeSpan.Zero));
        var cache = Cache();
        Ask(cache, "now.example");
        cache.Count.Should().Be(0);
    }

    [Test]
    public void ZeroSizedCache_KeepsNothing()
    {
        _dns.Answer("a.example", DnsRecordType.A, "192.0.2.1");
        var cache = Cache(size: 0);
        Ask(cache, "a.example");
        Ask(cache, "a.example");
        cache.Count.Should().Be(0);
        _dns.Asked.Should().HaveCount(2);
    }

    [Test]
    public void FullCache_DropsExpiredAnswers_AtMostOnceASecond()
    {
        var cache = Cache(size: 1);
        var halfSecond = TimeSpan.FromMilliseconds(500);
        _dns.Set("a.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.1"], halfSecond));
        _dns.Set("b.example", DnsRecordType.A, new DnsAnswer(DnsStatus.Answer, ["192.0.2.2"], halfSecond));
        _dns.Answer("c.example", DnsRecordType.A, "192.0.2.3");
        _dns.Answer("d.example", DnsRecordType.A, "192.0.2.4");
        Ask(cache, "a.example");
        _time.Advance(halfSecond);
        Ask(cache, "b.example"); // full: the expired a is dropped, b kept; the next purge is one second on
        _time.Advance(halfSecond);

        Ask(cache, "c.example"); // full, b expired, but no purge yet: c is used, not kept
        Ask(cache, "c.example");
        _dns.Asked.Count(q => q.Name == "c.example").Should().Be(2, "within a second of the last purge a full cache keeps nothing new");

        _time.Advance(halfSecond);
        Ask(cache, "d.example"); // a second after the last purge: b is dropped, d kept
        Ask(cache, "d.example");
        _dns.Asked.Count(q => q.Name == "d.example").Should().Be(1, "a second after the last purge the expired answers make room");
    }
}
