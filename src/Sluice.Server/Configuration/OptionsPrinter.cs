using System.Collections;
using System.Globalization;
using System.Reflection;
using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>Lists every effective setting as Section:Key = value, secrets masked, for the start-up banner.</summary>
public static class OptionsPrinter
{
    private static readonly HashSet<string> Secrets = new(StringComparer.Ordinal) { "Privacy:IpHashKey", "Auth:ApiKeys", "Redis:Url", "Alerts:WebhookUrl", "ClickHouse:Password", "ClickHouse:ReadPassword", "Mirror:ApiKey", "Tls:Password" };

    public static IEnumerable<string> Lines(SluiceOptions options) => Walk(options, "");

    private static IEnumerable<string> Walk(object value, string prefix)
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
                foreach (var line in Walk(current, key))
                {
                    yield return line;
                }

                continue;
            }

            var shown = Secrets.Contains(key)
                ? current is null ? "(generated, kept in meta/)" : current is "" ? "(none)" : "****"
                : Convert.ToString(current, CultureInfo.InvariantCulture) ?? "(unset)";
            yield return $"{key} = {shown}";
        }
    }
}
