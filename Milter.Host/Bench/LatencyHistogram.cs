using System.Numerics;

namespace Milter.Host.Bench;

/// <summary>
/// Log-linear latency histogram in nanoseconds (HdrHistogram's layout with 32 linear sub-buckets per power of
/// two, so a reported percentile is within ~3% of the true value). One per worker and step: recording is an
/// array increment, no lock and no allocation; workers' histograms are merged once at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int SubCount = 1 << SubBits;

    // Values up to 2^40 ns (~18 minutes); anything longer lands in the last bucket.
    private const int MaxMagnitude = 40;
    private const int BucketCount = (MaxMagnitude - SubBits + 1) * SubCount;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Sum { get; private set; }

    public void Record(long nanoseconds)
    {
        if (nanoseconds < 0)
        {
            nanoseconds = 0;
        }

        _counts[Index(nanoseconds)]++;
        Count++;
        Sum += nanoseconds;
        if (nanoseconds > Max)
        {
            Max = nanoseconds;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Sum += other.Sum;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The value at <paramref name="percentile"/> (0–100): the midpoint of its bucket, capped at the maximum.</summary>
    public long ValueAt(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * Count));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(Max, (LowerBound(i) + LowerBound(i + 1)) / 2);
            }
        }

        return Max;
    }

    private static int Index(long value)
    {
        if (value < SubCount)
        {
            return (int)value;
        }

        int magnitude = Math.Min(BitOperations.Log2((ulong)value), MaxMagnitude);
        if (magnitude == MaxMagnitude)
        {
            return BucketCount - 1;
        }

        int shift = magnitude - SubBits;
        return ((shift + 1) * SubCount) + (int)((value >> shift) - SubCount);
    }

    private static long LowerBound(int index)
    {
        if (index < 2 * SubCount)
        {
            return index;
        }

        int shift = (index / SubCount) - 1;
        return (long)((index % SubCount) + SubCount) << shift;
    }
}
