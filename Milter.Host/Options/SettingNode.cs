using System.Reflection;

namespace Milter.Host.Options;

/// <summary>What a configuration key may hold.</summary>
internal enum SettingKind
{
    /// <summary>Named settings below it (a settings class).</summary>
    Section,

    /// <summary>One value (string, number, boolean, enum).</summary>
    Value,

    /// <summary>Entries <c>:0</c>, <c>:1</c>, … of <see cref="SettingNode.Entry"/>; an empty value is the empty list.</summary>
    List,

    /// <summary>Entries of any name, each a <see cref="SettingNode.Entry"/> (<c>Logging:LogLevel:&lt;category&gt;</c>).</summary>
    Map,
}

/// <summary>One key of the settings tree that <see cref="SettingsSchema"/> derives from the settings classes.</summary>
internal sealed class SettingNode
{
    private static readonly Dictionary<string, SettingNode> NoChildren = new(StringComparer.OrdinalIgnoreCase);

    public SettingNode(string path, SettingKind kind, PropertyInfo? property = null, Type? valueType = null, SettingNode? entry = null, Dictionary<string, SettingNode>? children = null)
    {
        Path = path;
        Kind = kind;
        Property = property;
        ValueType = valueType;
        Entry = entry;
        Children = children ?? NoChildren;
    }

    /// <summary><c>Milter:Listener:IdleTimeoutSeconds</c>; entries of a list or map end in <c>:*</c>.</summary>
    public string Path { get; }

    public SettingKind Kind { get; }

    /// <summary>The property the key binds to (none for entries and for the roots).</summary>
    public PropertyInfo? Property { get; }

    /// <summary>The type of a <see cref="SettingKind.Value"/> (nullable unwrapped).</summary>
    public Type? ValueType { get; }

    /// <summary>The node of each entry of a <see cref="SettingKind.List"/> or <see cref="SettingKind.Map"/>.</summary>
    public SettingNode? Entry { get; }

    /// <summary>The known keys below a <see cref="SettingKind.Section"/>, by name (case-insensitive, as configuration keys are).</summary>
    public IReadOnlyDictionary<string, SettingNode> Children { get; }

    /// <summary>The name the key has in its section (the last segment of <see cref="Path"/>).</summary>
    public string Name => Path[(Path.LastIndexOf(':') + 1)..];

    /// <summary>This node and every node below it.</summary>
    public IEnumerable<SettingNode> DescendantsAndSelf()
    {
        yield return this;
        IEnumerable<SettingNode> below = Entry is { } entry ? [entry] : Children.Values;
        foreach (SettingNode child in below)
        {
            foreach (SettingNode node in child.DescendantsAndSelf())
            {
                yield return node;
            }
        }
    }
}
