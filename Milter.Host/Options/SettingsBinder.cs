using System.Collections;
using Microsoft.Extensions.Configuration;

namespace Milter.Host.Options;

/// <summary>
/// Binds a configuration section to a settings object as <see cref="ConfigurationBinder"/> does, except for lists: the
/// binder appends configured entries to the initialised default (so <c>["PLAIN", "LOGIN"]</c> over the four default
/// mechanisms trusted six), where an admin means to replace it. Here a list (or map) the configuration names replaces
/// the default, and an empty value is the empty list: JSON <c>[]</c> (which the JSON provider reads as an empty
/// value) or <c>""</c>, or an empty environment variable (<c>Milter__Policy__TrustedAuthMechanisms=</c>).
/// </summary>
internal static class SettingsBinder
{
    /// <summary>Binds <paramref name="path"/> of <paramref name="configuration"/> into <paramref name="instance"/>.</summary>
    public static T Bind<T>(IConfiguration configuration, string path, T instance)
        where T : class
    {
        IConfigurationSection section = configuration.GetSection(path);
        ClearConfiguredLists(section, SettingsSchema.Section(path, instance.GetType()), instance);
        section.Bind(instance);
        return instance;
    }

    private static void ClearConfiguredLists(IConfigurationSection section, SettingNode node, object instance)
    {
        foreach (SettingNode child in node.Children.Values)
        {
            if (child.Property is not { } property || !section.GetSection(child.Name).Exists())
            {
                continue;
            }

            object? value = property.GetValue(instance);
            switch (child.Kind)
            {
                case SettingKind.List or SettingKind.Map when property.SetMethod is { IsPublic: true }:
                    property.SetValue(instance, property.PropertyType.IsArray
                        ? Array.CreateInstance(property.PropertyType.GetElementType()!, 0)
                        : Activator.CreateInstance(property.PropertyType));
                    break;
                case SettingKind.List when value is IList list:
                    list.Clear();
                    break;
                case SettingKind.Map when value is IDictionary map:
                    map.Clear();
                    break;
                case SettingKind.Section when value is not null:
                    ClearConfiguredLists(section.GetSection(child.Name), child, value);
                    break;
            }
        }
    }
}
