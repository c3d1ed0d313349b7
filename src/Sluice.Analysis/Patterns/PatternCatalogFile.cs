using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.IO;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// The catalog on disk (<c>meta/patterns.json</c>): one object per pattern with its template, type, counts, first
/// and last seen, services, highest level and example. Written whole to a temporary file and renamed, so a crash
/// leaves the previous version (docs/patterns.md).
/// </summary>
internal static class PatternCatalogFile
{
    public const int Version = 1;

    public static void Save(string path, IReadOnlyList<SavedPattern> patterns)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteStartArray("patterns");
            foreach (var p in patterns)
            {
                json.WriteStartObject();
                json.WriteString("id", p.Id);
                json.WriteString("type", p.Type);
                if (p.Name is not null)
                {
                    json.WriteString("name", p.Name);
                }

                json.WriteString("template", p.Template);
                json.WriteString("severity", Levels.Name(p.Severity));
                json.WriteNumber("frequency", p.Frequency);
                json.WriteNumber("first_seen_ms", p.FirstSeenMs);
                json.WriteNumber("last_seen_ms", p.LastSeenMs);
                json.WriteNumber("first_observed_ms", p.FirstObservedMs);
                json.WriteStartObject("levels");
                foreach (var (level, count) in p.Levels)
                {
                    json.WriteNumber(level, count);
                }

                json.WriteEndObject();
                json.WriteStartArray("services");
                foreach (var service in p.Services)
                {
                    json.WriteStringValue(service);
                }

                json.WriteEndArray();
                if (p.Example is not null)
                {
                    json.WriteString("example", p.Example);
                }

                if (p.MergedInto is not null)
                {
                    json.WriteString("merged_into", p.MergedInto);
                }

                json.WriteBoolean("live", p.Live);
                if (p.Elastic)
                {
                    json.WriteBoolean("elastic", true);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        AtomicFile.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>
    /// The saved entries, in the order they were saved; none when there is no file yet. A file of a newer version
    /// throws <see cref="NotSupportedException"/> (this server must not overwrite it); an unreadable one
    /// <see cref="InvalidDataException"/>, naming the file.
    /// </summary>
    public static List<SavedPattern> Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var version = document.RootElement.GetProperty("version").GetInt32();
            return version > Version
                ? throw new NotSupportedException($"{path} was written by a newer Sluice (version {version}; this one reads {Version})")
                : Read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"{path} is not a readable pattern catalog: {e.Message}", e);
        }
    }

    private static List<SavedPattern> Read(JsonElement root)
    {
        var saved = new List<SavedPattern>();
        foreach (var p in root.GetProperty("patterns").EnumerateArray())
        {
            Levels.TryParse(System.Text.Encoding.UTF8.GetBytes(p.GetProperty("severity").GetString() ?? "info"), out var severity);
            saved.Add(new SavedPattern(
                p.GetProperty("id").GetString()!,
                p.GetProperty("type").GetString()!,
                p.TryGetProperty("name", out var name) ? name.GetString() : null,
                p.GetProperty("template").GetString()!,
                severity,
                p.GetProperty("frequency").GetInt64(),
                p.GetProperty("first_seen_ms").GetInt64(),
                p.GetProperty("last_seen_ms").GetInt64(),
                [.. p.GetProperty("services").EnumerateArray().Select(s => s.GetString()!)],
                p.TryGetProperty("example", out var example) ? example.GetString() : null,
                p.TryGetProperty("merged_into", out var merged) ? merged.GetString() : null,
                p.GetProperty("live").GetBoolean())
            {
                FirstObservedMs = p.TryGetProperty("first_observed_ms", out var observed) ? observed.GetInt64() : 0,
                Elastic = p.TryGetProperty("elastic", out var elastic) && elastic.GetBoolean(),
                Levels = p.TryGetProperty("levels", out var levels) ? levels.EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetInt64()) : [],
            });
        }

        return saved;
    }
}

/// <summary>One pattern as the catalog file holds it.</summary>
internal sealed record SavedPattern(
    string Id,
    string Type,
    string? Name,
    string Template,
    EventLevel Severity,
    long Frequency,
    long FirstSeenMs,
    long LastSeenMs,
    IReadOnlyList<string> Services,
    string? Example,
    string? MergedInto,
    bool Live)
{
    public long FirstObservedMs { get; init; }

    public IReadOnlyDictionary<string, long> Levels { get; init; } = new Dictionary<string, long>();

    /// <summary>The pattern takes messages of other lengths (docs/patterns.md).</summary>
    public bool Elastic { get; init; }
}
