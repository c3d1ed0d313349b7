using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Storage.IO;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// The catalog on disk (<c>meta/patterns.json</c>): one object per pattern with its template, type, counts, first
/// and last seen, services, highest level and example. Written whole to a temporary file and renamed, so a crash
/// leaves the previous version (docs/patterns.md).
/// </summary>
internal static class PatternCatalogFile
{
    public const int Version = 1;

    public static void Save(string path, IReadOnlyCollection<CatalogEntry> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("version", Version);
            json.WriteStartArray("patterns");
            foreach (var e in entries)
            {
                json.WriteStartObject();
                json.WriteString("id", e.Id);
                json.WriteString("type", e.Type);
                if (e.Name is not null)
                {
                    json.WriteString("name", e.Name);
                }

                json.WriteString("template", e.Template);
                json.WriteString("severity", Levels.Name(e.Severity));
                json.WriteNumber("frequency", e.Frequency);
                json.WriteNumber("first_seen_ms", e.FirstSeenMs == long.MaxValue ? 0 : e.FirstSeenMs);
                json.WriteNumber("last_seen_ms", e.LastSeenMs == long.MinValue ? 0 : e.LastSeenMs);
                json.WriteStartArray("services");
                foreach (var s in e.Services)
                {
                    json.WriteStringValue(s);
                }

                json.WriteEndArray();
                if (e.Example is not null)
                {
                    json.WriteString("example", e.Example);
                }

                if (e.MergedInto is { } merged)
                {
                    json.WriteString("merged_into", merged);
                }

                json.WriteBoolean("live", e.Pattern is { IsLive: true });
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        AtomicFile.Write(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The saved entries, in the order they were saved; none when there is no file yet.</summary>
    public static List<SavedPattern> Load(string path)
    {
        var saved = new List<SavedPattern>();
        if (!File.Exists(path))
        {
            return saved;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (root.GetProperty("version").GetInt32() != Version)
        {
            throw new InvalidDataException($"{path} has version {root.GetProperty("version")}, this server reads version {Version}");
        }

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
                p.GetProperty("live").GetBoolean()));
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
    bool Live);
