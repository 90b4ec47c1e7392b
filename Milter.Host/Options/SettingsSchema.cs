using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Milter.Host.Options;

/// <summary>
/// Every key the configuration may hold, derived by reflection from the classes the settings are bound to (the
/// <c>Milter</c> section is <see cref="MilterSettings"/>, whose properties are its sections), so a property added to a
/// settings class is a known key, and is bound, checked and documented by its type, without a list kept by hand.
/// Outside <c>Milter</c> only the logging framework's <c>Logging:LogLevel:&lt;category&gt;</c> and
/// <c>Logging:Console:…</c> are known.
/// </summary>
/// <remarks>
/// A property is a key when the configuration binder would fill it: public, with a public setter, or a get-only
/// settings class (bound in place) or <see cref="List{T}"/>. Computed properties (<c>Enabled</c>, <c>UsesRedis</c>)
/// are not keys: the binder ignores them, so a key of that name is refused as unknown.
/// </remarks>
internal static class SettingsSchema
{
    public const string MilterSection = "Milter";

    public const string LoggingSection = "Logging";

    /// <summary>The whole tree: <c>Milter</c> and <c>Logging</c>.</summary>
    public static SettingNode Root { get; } = BuildRoot();

    /// <summary>The <c>Milter</c> section.</summary>
    public static SettingNode Milter => Root.Children[MilterSection];

    /// <summary>The node of a key path (<c>Milter:Policy:OwnAddresses:3</c>), or null when it is not a known key.</summary>
    public static SettingNode? Find(string path)
    {
        SettingNode? node = Root;
        foreach (string segment in path.Split(':'))
        {
            node = node?.Kind switch
            {
                SettingKind.Section => node.Children.GetValueOrDefault(segment),
                SettingKind.List => IsIndex(segment) ? node.Entry : null,
                SettingKind.Map => node.Entry ?? node, // a map without an entry node takes anything below it
                _ => null,
            };
        }

        return node;
    }

    /// <summary>A list entry's key: a decimal index without sign or leading zeros, as the binder reads them.</summary>
    public static bool IsIndex(string segment) =>
        segment.Length is > 0 and <= 9 && segment.All(char.IsAsciiDigit) && (segment.Length == 1 || segment[0] != '0');

    /// <summary>The section a settings class describes, as a tree rooted at <paramref name="path"/>.</summary>
    public static SettingNode Section(string path, Type type)
    {
        var children = new Dictionary<string, SettingNode>(StringComparer.OrdinalIgnoreCase);
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            string name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            if (Node($"{path}:{name}", property.PropertyType, property) is { } node)
            {
                children[name] = node;
            }
        }

        return new SettingNode(path, SettingKind.Section, children: children);
    }

    /// <summary>The element type of a list setting (<c>T[]</c> or <see cref="List{T}"/>), else null.</summary>
    public static Type? ListElement(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0] : null;

    /// <summary>The value type of a map setting (<see cref="Dictionary{TKey,TValue}"/> keyed by string), else null.</summary>
    public static Type? MapValue(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GetGenericArguments()[0] == typeof(string) ? type.GetGenericArguments()[1] : null;

    private static SettingNode? Node(string path, Type type, PropertyInfo? property)
    {
        bool settable = property is null || property.SetMethod is { IsPublic: true };
        Type plain = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(plain))
        {
            return settable ? new SettingNode(path, SettingKind.Value, property, plain) : null;
        }

        if (ListElement(type) is { } element)
        {
            // A get-only array cannot be replaced; a get-only List<T> is filled in place.
            return (settable || !type.IsArray) && Node(path + ":*", element, null) is { } entry
                ? new SettingNode(path, SettingKind.List, property, entry: entry)
                : null;
        }

        if (MapValue(type) is { } value)
        {
            return Node(path + ":*", value, null) is { } entry ? new SettingNode(path, SettingKind.Map, property, entry: entry) : null;
        }

        if (IsSettingsClass(type))
        {
            SettingNode section = Section(path, type);
            return new SettingNode(path, SettingKind.Section, property, children: (Dictionary<string, SettingNode>)section.Children);
        }

        return null;
    }

    private static bool IsValue(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum || type == typeof(decimal) || type == typeof(TimeSpan);

    /// <summary>One of this program's settings classes: what the binder creates or fills in place.</summary>
    private static bool IsSettingsClass(Type type) =>
        type.IsClass && type.Assembly == typeof(SettingsSchema).Assembly && type.GetConstructor(Type.EmptyTypes) is not null;

    private static SettingNode BuildRoot()
    {
        SettingNode milter = Section(MilterSection, typeof(MilterSettings));
        var logLevels = new SettingNode($"{LoggingSection}:LogLevel", SettingKind.Map, entry: new SettingNode($"{LoggingSection}:LogLevel:*", SettingKind.Value, valueType: typeof(LogLevel)));
        var logging = new SettingNode(LoggingSection, SettingKind.Section, children: new(StringComparer.OrdinalIgnoreCase)
        {
            ["LogLevel"] = logLevels,

            // The console logger's own options (FormatterOptions, LogLevel, …): the logging framework reads them.
            ["Console"] = new SettingNode($"{LoggingSection}:Console", SettingKind.Map, entry: null),
        });
        return new SettingNode(string.Empty, SettingKind.Section, children: new(StringComparer.OrdinalIgnoreCase)
        {
            [MilterSection] = milter,
            [LoggingSection] = logging,
        });
    }
}
