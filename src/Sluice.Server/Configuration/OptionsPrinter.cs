using Sluice.Core.Options;

namespace Sluice.Server.Configuration;

/// <summary>Lists every effective setting as Section:Key = value, secrets masked (<see cref="SecretSettings"/>), for the start-up banner.</summary>
public static class OptionsPrinter
{
    public static IEnumerable<string> Lines(SluiceOptions options) =>
        FlatSettings.Flatten(options).Select(s => $"{s.Key} = {Shown(s.Key, s.Value)}");

    private static string Shown(string key, string? value) => SecretSettings.IsSecret(key)
        ? value is null ? "(generated, kept in meta/)" : value.Length == 0 ? "(none)" : SecretSettings.Masked
        : value ?? "(unset)";
}
