namespace Sluice.Core.Options;

/// <summary>
/// The settings whose values are secrets, named once: the start-up banner, the settings answer, the audit trail and
/// the health answer all mask them through <see cref="Mask"/>.
/// </summary>
public static class SecretSettings
{
    /// <summary>Shown in place of a secret value.</summary>
    public const string Masked = "****";

    private static readonly HashSet<string> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Privacy:IpHashKey", "Auth:ApiKeys", "Auth:ApiKeyHashes", "Redis:Url", "Alerts:WebhookUrl",
        "ClickHouse:Password", "ClickHouse:ReadPassword", "Mirror:ApiKey", "Tls:Password",
    };

    public static IReadOnlyCollection<string> All => Keys;

    public static bool IsSecret(string key) => Keys.Contains(key);

    /// <summary>The value as it may be shown: a secret as <see cref="Masked"/> (or "(none)" when empty, null as null).</summary>
    public static string? Mask(string key, string? value) =>
        !IsSecret(key) || value is null ? value : value.Length == 0 ? "" : Masked;
}
