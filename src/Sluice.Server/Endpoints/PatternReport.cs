using System.Text.Json;
using Sluice.Analysis.Patterns;
using Sluice.Core.Events;
using Sluice.Query;
using Sluice.Query.Analytics;
using Sluice.Query.Language;

namespace Sluice.Server.Endpoints;

/// <summary>
/// The patterns of the log events in a range in seed 001's shape, with each one's count in the range of equal length
/// before (its trend). Counted by the query language's <c>patterns diff</c>, so the answer reads what is stored —
/// sample weights included — and the catalog adds the template, type, services and severity.
/// </summary>
internal sealed record PatternReport(long Start, long End, IReadOnlyList<string> Services, IReadOnlyList<EventLevel> Levels, long MinFrequency, int Limit)
{
    public const int MaxLimit = 1_000;

    public ParsedQuery Query()
    {
        Filter filter = new FieldFilter(QueryField.Resolve("kind"), MatchOp.Equal, "log");
        if (Any(Services.Select(s => new FieldFilter(QueryField.Resolve("service"), MatchOp.Equal, s))) is { } services)
        {
            filter = new AndFilter(filter, services);
        }

        if (Any(Levels.Select(l => new FieldFilter(QueryField.Resolve("level"), MatchOp.Equal, Core.Events.Levels.Name(l)))) is { } levels)
        {
            filter = new AndFilter(filter, levels);
        }

        return new ParsedQuery(filter, [new PatternsPipe(true, PatternsPipe.DefaultShiftFactor)]);
    }

    public byte[] Run(IQueryEngine analytics, IPatternCatalogView? catalog, bool includeArchive, CancellationToken cancel)
    {
        using var answer = analytics.Run(Query(), new QueryBounds(Start, End, null), includeArchive, cancel);
        var rows = answer.Rows.Where(r => Convert.ToInt64(r[3]) >= MinFrequency).ToList();
        return AnalyticsEndpoints.Serialize(json =>
        {
            json.WriteStartObject();
            json.WriteString("start_time", Timestamps.ToIso(Start));
            json.WriteString("end_time", Timestamps.ToIso(End));
            json.WriteString("previous_start_time", Timestamps.ToIso(Start - (End - Start)));
            json.WriteString("previous_end_time", Timestamps.ToIso(Start));
            json.WriteNumber("total", rows.Count);
            json.WriteBoolean("truncated", rows.Count > Limit || answer.Truncated);
            json.WriteStartArray("patterns");
            foreach (var row in rows.Take(Limit))
            {
                var id = (string)row[0]!;
                var known = catalog?.Find(id);
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("pattern", known?.Template ?? (string?)row[1]);
                json.WriteString("type", known?.Type ?? "unknown");
                if (known?.Name is { } name)
                {
                    json.WriteString("name", name);
                }

                json.WriteNumber("frequency", Convert.ToInt64(row[3]));
                json.WriteNumber("previous_frequency", Convert.ToInt64(row[4]));
                json.WriteString("trend", (string)row[2]!);
                if (row[5] is double ratio)
                {
                    json.WriteNumber("change", ratio);
                }
                else
                {
                    json.WriteNull("change");
                }

                WriteCatalogFields(json, known);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    /// <summary>The catalog's lifetime view of a pattern: first and last seen, services, severity and an example.</summary>
    public static void WriteCatalogFields(Utf8JsonWriter json, PatternSummary? known)
    {
        if (known is null)
        {
            return;
        }

        if (known.FirstSeenMs != 0)
        {
            json.WriteString("first_seen", Timestamps.ToIso(known.FirstSeenMs));
            json.WriteString("last_seen", Timestamps.ToIso(known.LastSeenMs));
        }

        json.WriteStartArray("services");
        foreach (var service in known.Services)
        {
            json.WriteStringValue(service);
        }

        json.WriteEndArray();
        if (known.Frequency > 0)
        {
            json.WriteString("severity", Core.Events.Levels.Name(known.Severity));
        }

        json.WriteStartObject("levels");
        foreach (var (level, count) in known.Levels)
        {
            json.WriteNumber(level, count);
        }

        json.WriteEndObject();

        json.WriteNumber("total_frequency", known.Frequency);
        if (known.Example is { } example)
        {
            json.WriteString("example", example);
        }
    }

    private static Filter? Any(IEnumerable<Filter> filters) =>
        filters.Aggregate((Filter?)null, (all, f) => all is null ? f : new OrFilter(all, f));
}
