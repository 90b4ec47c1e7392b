namespace Milter.Protocol.Listening;

/// <summary>The wait after a failed accept: 10 ms, doubling to at most one second, back to 10 ms after a success.</summary>
internal sealed class AcceptBackoff
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    private TimeSpan _next = FirstDelay;

    public TimeSpan Next()
    {
        TimeSpan delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, MaxDelay.Ticks));
        return delay;
    }

    public void Reset() => _next = FirstDelay;
}
