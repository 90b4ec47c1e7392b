using System.ComponentModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Milter.Host.Options;

/// <summary>
/// Checks the keys and values of a configuration against <see cref="SettingsSchema"/> before anything is bound: a key
/// that is not a setting (a typo the binder would silently ignore) is a problem naming it and the nearest known key; so
/// are a value where a section or list belongs, entries below a value, and a value the setting's type cannot hold.
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>
    /// Problems in the sources of <paramref name="configuration"/> a command reads: the JSON file (every key) and the
    /// <c>Milter__…</c> environment variables (other variables are not the milter's).
    /// </summary>
    public static IReadOnlyList<string> CheckSources(IConfigurationRoot configuration)
    {
        var problems = new List<string>();
        foreach (IConfigurationProvider provider in configuration.Providers)
        {
            switch (provider)
            {
                case JsonConfigurationProvider json:
                    string file = json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? string.Empty).PhysicalPath ?? json.Source.Path ?? "the JSON file";
                    Walk(new ProviderKeys(provider), null, SettingsSchema.Root, $" in {file}", environment: false, problems);
                    break;
                case EnvironmentVariablesConfigurationProvider:
                    var keys = new ProviderKeys(provider);
                    if (keys.Children(null).FirstOrDefault(k => string.Equals(k, SettingsSchema.MilterSection, StringComparison.OrdinalIgnoreCase)) is { } root)
                    {
                        Walk(keys, root, SettingsSchema.Milter, " in the environment", environment: true, problems);
                    }

                    break;
            }
        }

        return problems;
    }

    /// <summary>Problems under <c>Milter</c> in the merged configuration (what is about to be bound).</summary>
    public static IReadOnlyList<string> Check(IConfiguration configuration)
    {
        var problems = new List<string>();
        var keys = new MergedKeys(configuration);
        if (configuration.GetSection(SettingsSchema.MilterSection).Exists())
        {
            Walk(keys, SettingsSchema.MilterSection, SettingsSchema.Milter, string.Empty, environment: false, problems);
        }

        return problems;
    }

    private static void Walk(IKeys keys, string? path, SettingNode node, string origin, bool environment, List<string> problems)
    {
        string? value = path is null ? null : keys.Value(path);
        List<string> children = [.. keys.Children(path).Distinct(StringComparer.OrdinalIgnoreCase)];
        string Below(string child) => path is null ? child : $"{path}:{child}";
        switch (node.Kind)
        {
            case SettingKind.Section:
                if (!string.IsNullOrEmpty(value))
                {
                    problems.Add($"{path}: is a section of settings, not a value ('{value}'){origin}");
                }

                foreach (string child in children)
                {
                    if (node.Children.TryGetValue(child, out SettingNode? known))
                    {
                        Walk(keys, Below(child), known, origin, environment, problems);
                    }
                    else
                    {
                        string where = environment ? $"{origin} ({Below(child).Replace(":", "__", StringComparison.Ordinal)}{(keys.Children(Below(child)).Any() ? "__…" : string.Empty)})" : origin;
                        problems.Add($"{Below(child)}: unknown setting{where}; did you mean {NearestKey.Suggest(node, child)}?");
                    }
                }

                break;
            case SettingKind.List:
                if (!string.IsNullOrEmpty(value) && children.Count == 0)
                {
                    problems.Add($"{path}: is a list, not one value ('{value}'){origin}: JSON [\"a\", \"b\"] or {EnvironmentName(path!)}__0=a, __1=b; the empty list is [] or an empty value");
                }

                foreach (string child in children)
                {
                    if (SettingsSchema.IsIndex(child))
                    {
                        Walk(keys, Below(child), node.Entry!, origin, environment, problems);
                    }
                    else
                    {
                        problems.Add($"{Below(child)}: not an entry of the list {path} (entries are :0, :1, …){origin}");
                    }
                }

                break;
            case SettingKind.Map when node.Entry is { } entry:
                foreach (string child in children)
                {
                    Walk(keys, Below(child), entry, origin, environment, problems);
                }

                break;
            case SettingKind.Value:
                if (children.Count > 0)
                {
                    problems.Add($"{Below(children[0])}: unknown setting{origin}: {path} takes one value, not settings below it");
                }
                else if (value is not null && ValueProblem(node, value) is { } problem)
                {
                    problems.Add($"{path}: {problem}{origin}");
                }

                break;
        }
    }

    private static string EnvironmentName(string path) => path.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Why <paramref name="value"/> cannot be bound to the setting's type, or null when it can (ranges are checked after binding).</summary>
    internal static string? ValueProblem(SettingNode node, string value)
    {
        Type type = node.ValueType!;
        if (type == typeof(string))
        {
            return null;
        }

        bool nullable = node.Property is { } property && Nullable.GetUnderlyingType(property.PropertyType) is not null;
        if (value.Length == 0)
        {
            return nullable ? null : $"is empty; it takes {Describe(type)}";
        }

        object? converted;
        try
        {
            converted = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException or InvalidCastException)
        {
            converted = null;
        }

        bool ok = converted is not null && (!type.IsEnum || (Enum.IsDefined(type, converted) && !int.TryParse(value, out _)));
        return ok ? null : $"'{value}' is not {Describe(type)}{SettingRanges.Describe(node)}";
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
        _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ when type.IsPrimitive => "a whole number",
        _ => "a " + type.Name,
    };

    private interface IKeys
    {
        IEnumerable<string> Children(string? path);

        string? Value(string path);
    }

    private sealed class ProviderKeys(IConfigurationProvider provider) : IKeys
    {
        public IEnumerable<string> Children(string? path) => provider.GetChildKeys([], path);

        public string? Value(string path) => provider.TryGet(path, out string? value) ? value : null;
    }

    private sealed class MergedKeys(IConfiguration configuration) : IKeys
    {
        public IEnumerable<string> Children(string? path) =>
            (path is null ? configuration.GetChildren() : configuration.GetSection(path).GetChildren()).Select(c => c.Key);

        public string? Value(string path) => configuration[path];
    }
}
