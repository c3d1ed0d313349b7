using System.Text;
using Sluice.Core.Events;

namespace Sluice.Analysis.Patterns;

/// <summary>
/// What the catalog keeps of one pattern beyond the miner's tree: its stored-event counts, when it was first and
/// last seen (event time), the services it came from, its highest level and one example. Outlives the miner's
/// pattern when that is evicted, so no count is lost.
/// </summary>
internal sealed class CatalogEntry(string id, string type)
{
    public const int MaxServices = 8;
    public const int MaxExampleChars = 512;

    private readonly List<(byte[] Utf8, string Text)> _services = [];

    public string Id { get; } = id;

    /// <summary><c>mined</c>, <c>learnt</c> or <c>regex</c>.</summary>
    public string Type { get; } = type;

    public string? Name { get; init; }

    /// <summary>The live pattern in the miner; null once evicted or when only restored counts remain.</summary>
    public MinedPattern? Pattern { get; set; }

    /// <summary>The template when last read from the miner (or from the saved catalog).</summary>
    public string SavedTemplate { get; set; } = "";

    public string Template => Pattern?.Current.Template ?? SavedTemplate;

    /// <summary>The id of the pattern this one converged into, if it did.</summary>
    public string? MergedInto => Pattern?.MergedInto?.Current.Id ?? SavedMergedInto;

    public string? SavedMergedInto { get; set; }

    public EventLevel Severity { get; set; }

    /// <summary>Stored events by level (sample weights included), indexed by <see cref="EventLevel"/>.</summary>
    public long[] LevelCounts { get; } = new long[(int)EventLevel.Fatal + 1];

    public IReadOnlyDictionary<string, long> Levels =>
        Enumerable.Range(0, LevelCounts.Length).Where(i => LevelCounts[i] > 0).ToDictionary(i => Core.Events.Levels.Name((EventLevel)i), i => LevelCounts[i]);

    public long Frequency { get; set; }

    public long FirstSeenMs { get; set; } = long.MaxValue;

    public long LastSeenMs { get; set; } = long.MinValue;

    /// <summary>When the server first stored an event of it (server clock; 0 until then): what "new" means to alert rules, whatever time a client stamped.</summary>
    public long FirstObservedMs { get; set; }

    public string? Example { get; set; }

    public IReadOnlyList<string> Services => [.. _services.Select(s => s.Text)];

    public void AddService(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || _services.Count >= MaxServices)
        {
            return;
        }

        foreach (var (known, _) in _services)
        {
            if (utf8.SequenceEqual(known))
            {
                return;
            }
        }

        _services.Add((utf8.ToArray(), Encoding.UTF8.GetString(utf8)));
    }

    public void Seen(long timestampMs, EventLevel level, long weight)
    {
        Frequency += weight;
        if ((uint)level < (uint)LevelCounts.Length)
        {
            LevelCounts[(int)level] += weight;
        }

        FirstSeenMs = Math.Min(FirstSeenMs, timestampMs);
        LastSeenMs = Math.Max(LastSeenMs, timestampMs);
        if (level > Severity)
        {
            Severity = level;
        }
    }

    public PatternSummary Summarise() => new(
        Id, Template, Type, Name ?? Pattern?.Name, Severity, Frequency,
        FirstSeenMs == long.MaxValue ? 0 : FirstSeenMs,
        LastSeenMs == long.MinValue ? 0 : LastSeenMs,
        Services, Example)
    {
        FirstObservedMs = FirstObservedMs,
        Levels = Levels,
    };
}
