using System.Globalization;

namespace Milter.Host.Leases;

/// <summary>
/// Durations as operators write them: <c>1800</c> (seconds), <c>90s</c>, <c>30m</c>, <c>2h</c>, <c>1d</c>, or
/// <c>00:30:00</c>; from <see cref="Min"/> to <see cref="Max"/> in every spelling (a lease's expiry must stay a date
/// every store can hold).
/// </summary>
public static class LeaseDuration
{
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>Why <paramref name="text"/> is not a lease duration (the text of a settings problem).</summary>
    public static string Problem(string? text) => $"'{text}' is not a duration from 1 s to 3650 days (1800, 90s, 30m, 2h, 1d or 00:30:00)";

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        if (TryParseAnyLength(text, out duration) && duration >= Min && duration <= Max)
        {
            return true;
        }

        duration = TimeSpan.Zero;
        return false;
    }

    private static bool TryParseAnyLength(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
        }

        double unit = char.ToLowerInvariant(text[^1]) switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => 0,
        };
        string number = unit == 0 ? text : text[..^1];
        unit = unit == 0 ? 1 : unit;
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value * unit > Max.TotalSeconds)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * unit);
        return true;
    }
}
