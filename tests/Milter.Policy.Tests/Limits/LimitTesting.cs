using Milter.Policy.Limits;

namespace Milter.Policy.Tests.Limits;

/// <summary>What the limit tests share: an observer that keeps the hits, a one-minute rate, a synchronous answer.</summary>
internal static class LimitTesting
{
    public static RateLimit Rate(string name, LimitScope scope, int count, LimitExemptions exempt = LimitExemptions.None, bool audit = false) =>
        new(name, scope, count, TimeSpan.FromMinutes(1), audit: audit, exempt: exempt);

    public static T Sync<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new AssertionException("the stores here answer synchronously");

    public sealed class Hits(List<LimitHit> hits) : ILimitObserver
    {
        public void Exceeded(in LimitHit hit) => hits.Add(hit);
    }
}
