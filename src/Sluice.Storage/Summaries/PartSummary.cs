using System.Text;
using Sluice.Core.Events;
using Sluice.Storage.Hot;

namespace Sluice.Storage.Summaries;

/// <summary>
/// What a summary needs of a set of events, kept so that two summaries add up exactly: the event count, a count
/// per value of each summarised field, and a distinct-count sketch of <c>ip_hash</c>. Built row by row when a part
/// is sealed and stored beside it; an hour or a day is the merge of its parts (plus the hot rows not yet sealed).
/// </summary>
public sealed class PartSummary
{
    /// <summary>
    /// Distinct values a part keeps per field; the rest of that part are counted under <see cref="Other"/> so totals
    /// stay exact. The cap applies when a part is summarised, never when summaries merge, so a merged count is the
    /// sum of the parts' counts whatever order they are merged in.
    /// </summary>
    public const int MaxValuesPerField = 1000;

    public const string Other = "(other)";

    /// <summary>The fields counted by value: the traffic summary's and the log summary's.</summary>
    public static readonly FieldTag[] CountedFields =
        [FieldTag.Decision, FieldTag.Country, FieldTag.Reason, FieldTag.Domain, FieldTag.Service, FieldTag.System, FieldTag.Category];

    public long Total { get; set; }

    /// <summary>Field name ("level", "decision", "country" …) → value → count.</summary>
    public Dictionary<string, Dictionary<string, long>> Counts { get; } = new(StringComparer.Ordinal);

    public HyperLogLog Ips { get; internal set; } = new();

    /// <summary>Adds one encoded row, as many events as its sample weight says (a sampled event stands for several).</summary>
    public void Add(ReadOnlySpan<byte> row)
    {
        var weight = RowReader.WeightOf(row);
        Total += weight;
        CountCapped("level", Levels.Name(RowLayout.ReadLevel(row)), weight);
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            if (reader.Tag == FieldTag.IpHash)
            {
                Ips.Add(FieldHash.Of64(reader.Value));
            }
            else if (Array.IndexOf(CountedFields, reader.Tag) >= 0)
            {
                CountCapped(FieldCatalog.Get(reader.Tag).Name, reader.Value, weight);
            }
        }
    }

    public void Merge(PartSummary other)
    {
        Total += other.Total;
        foreach (var (field, values) in other.Counts)
        {
            foreach (var (value, count) in values)
            {
                Count(field, value, count);
            }
        }

        Ips.Merge(other.Ips);
    }

    /// <summary>Values of a field, most frequent first.</summary>
    public IEnumerable<KeyValuePair<string, long>> Top(string field, int limit) =>
        Counts.TryGetValue(field, out var values)
            ? values.OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).Take(limit)
            : [];

    public long CountOf(string field, string value) =>
        Counts.TryGetValue(field, out var values) && values.TryGetValue(value, out var n) ? n : 0;

    /// <summary>Adds <paramref name="n"/> events with this value of a field.</summary>
    public void Count(string field, string value, long n) => Values(field)[value] = Values(field).GetValueOrDefault(value) + n;

    /// <summary>Counts a UTF-8 value without allocating a string for values already counted (nearly all of them).</summary>
    private void CountCapped(string field, ReadOnlySpan<byte> utf8, long n)
    {
        var values = Values(field);
        var chars = utf8.Length <= 256 ? stackalloc char[utf8.Length] : new char[utf8.Length];
        chars = chars[..Encoding.UTF8.GetChars(utf8, chars)];
        var lookup = values.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var count))
        {
            lookup[chars] = count + n;
            return;
        }

        CountCapped(field, new string(chars), n);
    }

    private void CountCapped(string field, string value, long n)
    {
        var values = Values(field);
        if (!values.ContainsKey(value) && values.Count >= MaxValuesPerField)
        {
            value = Other;
        }

        values[value] = values.GetValueOrDefault(value) + n;
    }

    private Dictionary<string, long> Values(string field)
    {
        if (!Counts.TryGetValue(field, out var values))
        {
            Counts[field] = values = new Dictionary<string, long>(StringComparer.Ordinal);
        }

        return values;
    }
}
