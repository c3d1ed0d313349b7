using System.Collections;
using System.Globalization;
using System.Reflection;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>Options as <c>Section:Key</c> → text (invariant culture), the one shape every layer, answer and audit uses.</summary>
public static class FlatSettings
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> CanonicalNames = new(() =>
        Flatten(new SluiceOptions()).ToDictionary(e => e.Key, e => e.Key, StringComparer.OrdinalIgnoreCase));

    /// <summary>Every setting of <paramref name="options"/> in declaration order; unset ones as null.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Flatten(SluiceOptions options)
    {
        var list = new List<KeyValuePair<string, string?>>();
        Walk(options, "", list);
        return list;
    }

    /// <summary>The declared spelling of a setting name given in any case; false for a name no setting has.</summary>
    public static bool TryCanonical(string key, out string canonical)
    {
        if (CanonicalNames.Value.TryGetValue(key, out var found))
        {
            canonical = found;
            return true;
        }

        canonical = key;
        return false;
    }

    private static void Walk(object value, string prefix, List<KeyValuePair<string, string?>> into)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.Name == "EqualityContract")
            {
                continue;
            }

            var key = prefix.Length == 0 ? property.Name : prefix + ":" + property.Name;
            var current = property.GetValue(value);
            if (current is not null && property.PropertyType.IsClass && property.PropertyType != typeof(string) && current is not IEnumerable)
            {
                Walk(current, key, into);
                continue;
            }

            into.Add(new(key, current is null ? null : Convert.ToString(current, CultureInfo.InvariantCulture)));
        }
    }
}
