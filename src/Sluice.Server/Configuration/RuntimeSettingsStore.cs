using System.Text;
using System.Text.Json;
using Sluice.Core.IO;

namespace Sluice.Server.Configuration;

/// <summary>
/// The runtime layer on disk, under meta/settings/ of the data directory: <c>versions/{N}.json</c> holds the runtime
/// settings of version N (the highest one is in force; read again at every start) and <c>history.jsonl</c> the audit
/// records, one JSON line each, secrets masked. A version's snapshot is written (atomically) before its record, so
/// the settings in force never lack their file; a record whose snapshot is missing was torn and is ignored.
/// </summary>
public sealed class RuntimeSettingsStore
{
    public const string RelativeDirectory = "meta/settings";

    /// <summary>Longest history file read back, so a damaged or huge file cannot exhaust memory at start.</summary>
    private const long MaxHistoryBytes = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly List<SettingsVersion> _history = [];

    private RuntimeSettingsStore(string directory) => _directory = directory;

    public long Version { get; private set; }

    public IReadOnlyDictionary<string, string?> Settings { get; private set; } = new Dictionary<string, string?>();

    /// <summary>Why the runtime layer could not be read at start; null when it was (or there was none).</summary>
    public string? LoadProblem { get; private set; }

    public IReadOnlyList<SettingsVersion> History => _history;

    public static string DirectoryIn(string dataDir) => Path.Combine(dataDir, "meta", "settings");

    /// <summary>The runtime settings in force, for building the layers before the server starts.</summary>
    public static IReadOnlyDictionary<string, string?> ReadSettings(string directory, out string? problem)
    {
        var store = Open(directory);
        problem = store.LoadProblem;
        return store.Settings;
    }

    public static RuntimeSettingsStore Open(string directory)
    {
        var store = new RuntimeSettingsStore(directory);
        try
        {
            store.Load();
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            store.Version = 0;
            store.Settings = new Dictionary<string, string?>();
            store._history.Clear();
            store.LoadProblem = $"the runtime settings in {RelativeDirectory} could not be read ({e.GetType().Name}); the server runs without them";
        }

        return store;
    }

    /// <summary>The runtime settings of <paramref name="version"/> (0: none), or null if that version is unknown.</summary>
    public IReadOnlyDictionary<string, string?>? SettingsOf(long version)
    {
        if (version == 0)
        {
            return new Dictionary<string, string?>();
        }

        var path = SnapshotPath(version);
        return version <= Version && File.Exists(path) ? ReadSnapshot(path) : null;
    }

    /// <summary>Makes <paramref name="record"/>'s version the one in force with <paramref name="settings"/>.</summary>
    public void Save(IReadOnlyDictionary<string, string?> settings, SettingsVersion record)
    {
        AtomicFile.CreateDirectory(Path.Combine(_directory, "versions"));
        AtomicFile.Write(SnapshotPath(record.Version), JsonSerializer.SerializeToUtf8Bytes(settings));
        using (var history = new FileStream(Path.Combine(_directory, "history.jsonl"), FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            history.Write(JsonSerializer.SerializeToUtf8Bytes(record, Json));
            history.WriteByte((byte)'\n');
            history.Flush(flushToDisk: true);
        }

        Version = record.Version;
        Settings = settings;
        _history.Add(record);
    }

    private void Load()
    {
        var versions = Path.Combine(_directory, "versions");
        if (!Directory.Exists(versions))
        {
            return;
        }

        var latest = Directory.EnumerateFiles(versions, "*.json")
            .Select(f => long.TryParse(Path.GetFileNameWithoutExtension(f), out var n) && n > 0 ? n : 0)
            .DefaultIfEmpty(0).Max();
        if (latest > 0)
        {
            Settings = ReadSnapshot(SnapshotPath(latest));
            Version = latest;
        }

        var historyFile = Path.Combine(_directory, "history.jsonl");
        if (File.Exists(historyFile))
        {
            if (new FileInfo(historyFile).Length > MaxHistoryBytes)
            {
                throw new InvalidDataException("history.jsonl is larger than 64 MiB");
            }

            foreach (var line in File.ReadLines(historyFile, Encoding.UTF8))
            {
                if (line.Length == 0)
                {
                    continue;
                }

                SettingsVersion? record;
                try
                {
                    record = JsonSerializer.Deserialize<SettingsVersion>(line, Json);
                }
                catch (JsonException)
                {
                    continue; // a line torn by a crash
                }

                if (record is not null && record.Version <= Version)
                {
                    _history.Add(record);
                }
            }
        }
    }

    private string SnapshotPath(long version) => Path.Combine(_directory, "versions", $"{version}.json");

    private static Dictionary<string, string?> ReadSnapshot(string path) =>
        new(JsonSerializer.Deserialize<Dictionary<string, string?>>(File.ReadAllBytes(path)) ?? [], StringComparer.OrdinalIgnoreCase);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
