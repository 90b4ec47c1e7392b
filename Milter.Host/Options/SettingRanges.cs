using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Milter.Host.Options;

/// <summary>
/// The bounds every setting has, checked after binding by walking <see cref="SettingsSchema"/> over the bound objects:
/// a number's <see cref="RangeAttribute"/> (every number must have one, so that no value can feed a timer, a buffer
/// or a count the service cannot honour), a string's or list's <see cref="LengthAttribute"/>, else at most
/// <see cref="MaxStringLength"/> characters and <see cref="MaxListEntries"/> entries. What a value means (a socket, an
/// address, a duration) is each settings class's own <c>Validate</c>.
/// </summary>
internal static class SettingRanges
{
    /// <summary>Characters of a string setting without its own <see cref="LengthAttribute"/> (PATH_MAX).</summary>
    public const int MaxStringLength = 4096;

    /// <summary>Entries of a list setting without its own <see cref="LengthAttribute"/>.</summary>
    public const int MaxListEntries = 10_000;

    /// <summary>The longest timeout a .NET timer takes (<c>uint.MaxValue - 1</c> ms, 49.7 days): every timeout's range stays below it.</summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Problems of <paramref name="instance"/>, bound to <paramref name="section"/>, and of everything below it.</summary>
    public static IEnumerable<string> Validate(SettingNode section, object instance)
    {
        foreach (SettingNode child in section.Children.Values)
        {
            if (child.Property is null)
            {
                continue;
            }

            object? value = child.Property.GetValue(instance);
            IEnumerable<string> problems = child.Kind switch
            {
                SettingKind.Section when value is not null => Validate(child, value),
                SettingKind.List or SettingKind.Map when value is ICollection entries => Entries(child, entries),
                SettingKind.Value => Check(child, child.Path, value) is { } problem ? [problem] : [],
                _ => [],
            };
            foreach (string problem in problems)
            {
                yield return problem;
            }
        }
    }

    /// <summary>" (from 1 to 86400)" for a number with a range, else empty: the hint of a value that is not a number at all.</summary>
    public static string Describe(SettingNode node) =>
        node.Property?.GetCustomAttributes(typeof(RangeAttribute), true).FirstOrDefault() is RangeAttribute range
            ? string.Create(CultureInfo.InvariantCulture, $" (from {range.Minimum} to {range.Maximum})")
            : string.Empty;

    /// <summary>The range of a number setting, or null when it has none.</summary>
    public static (double Minimum, double Maximum)? Range(SettingNode node) =>
        node.Property?.GetCustomAttributes(typeof(RangeAttribute), true).FirstOrDefault() is RangeAttribute range
            ? (Convert.ToDouble(range.Minimum, CultureInfo.InvariantCulture), Convert.ToDouble(range.Maximum, CultureInfo.InvariantCulture))
            : null;

    /// <summary>The length bounds of a string or list setting.</summary>
    public static (int Minimum, int Maximum) Length(SettingNode node, int defaultMaximum) =>
        node.Property?.GetCustomAttributes(typeof(LengthAttribute), true).FirstOrDefault() is LengthAttribute length
            ? (length.MinimumLength, length.MaximumLength)
            : (0, defaultMaximum);

    private static IEnumerable<string> Entries(SettingNode node, ICollection entries)
    {
        (int min, int max) = Length(node, MaxListEntries);
        if (entries.Count < min || entries.Count > max)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{node.Path}: has {entries.Count} entries; from {min} to {max} are allowed");
            yield break;
        }

        int i = 0;
        foreach (object? entry in entries)
        {
            (string key, object? value) = entry is DictionaryEntry pair ? ((string)pair.Key, pair.Value) : (i.ToString(CultureInfo.InvariantCulture), entry);
            if (Check(node.Entry!, $"{node.Path}:{key}", value) is { } problem)
            {
                yield return problem;
            }

            i++;
        }
    }

    private static string? Check(SettingNode node, string path, object? value)
    {
        switch (value)
        {
            case null:
                return null;
            case string text:
                (int min, int max) = Length(node, MaxStringLength);
                return text.Length < min || text.Length > max
                    ? string.Create(CultureInfo.InvariantCulture, $"{path}: is {text.Length} characters long; from {min} to {max} are allowed")
                    : null;
            case IConvertible number when value is not bool && !value.GetType().IsEnum:
                if (Range(node) is not { } range)
                {
                    return null; // a number without a range fails SettingRangesTests, not the start
                }

                double x = number.ToDouble(CultureInfo.InvariantCulture);
                return x >= range.Minimum && x <= range.Maximum
                    ? null
                    : string.Create(CultureInfo.InvariantCulture, $"{path}: must be between {range.Minimum} and {range.Maximum}, not {value}");
            default:
                return null;
        }
    }
}
