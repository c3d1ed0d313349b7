using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Cli.Client;

/// <summary>A named server to talk to: its URL and, optionally, its API key.</summary>
public sealed record Profile(string Url, string? ApiKey);

/// <summary>
/// Connection profiles, like seqcli's: <c>profiles.json</c> in <c>$SLUICE_CONFIG_DIR</c>, else
/// <c>$XDG_CONFIG_HOME/sluice</c>, else <c>~/.config/sluice</c>. The file holds keys, so it is written readable by
/// its owner only.
/// </summary>
public sealed class ProfileStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string FilePath { get; } = Path.Combine(directory, "profiles.json");

    public static ProfileStore ForUser()
    {
        var directory = Environment.GetEnvironmentVariable("SLUICE_CONFIG_DIR") is { Length: > 0 } explicitDir
            ? explicitDir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "sluice");
        return new ProfileStore(directory);
    }

    public SortedDictionary<string, Profile> Load()
    {
        if (!File.Exists(FilePath))
        {
            return new SortedDictionary<string, Profile>(StringComparer.Ordinal);
        }

        try
        {
            var loaded = JsonSerializer.Deserialize<Dictionary<string, Profile>>(File.ReadAllText(FilePath), Json) ?? [];
            return new SortedDictionary<string, Profile>(loaded, StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw new CommandFailedException(ExitCodes.Usage, $"the profiles file {FilePath} is not valid JSON: {e.Message}");
        }
    }

    public void Save(SortedDictionary<string, Profile> profiles)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(temporary); // the mode applies only to a file this call creates
        using (var stream = new FileStream(temporary, create))
        {
            JsonSerializer.Serialize(stream, profiles, Json);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }
}
