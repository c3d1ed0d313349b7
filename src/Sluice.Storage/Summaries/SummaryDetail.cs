using System.Runtime.InteropServices;
using System.Text;
using Sluice.Core.Events;

namespace Sluice.Storage.Summaries;

/// <summary>
/// The counts of one part-hour that a dashboard asks for beyond <see cref="PartSummary"/>'s: per value of a primary
/// field (<c>level</c>, <c>decision</c>) the counts of every other counted field within it ("the countries of blocks"),
/// and per minute the events overall and per value of <see cref="MinuteFields"/>. Built row by row when a part is
/// sealed, added up when parts of the hour are compacted, and kept encoded (<see cref="Encode"/>: about 2 KB a
/// part-hour of the standard dataset) — a query decodes the parts it reads. Parts written before it have none.
/// </summary>
public sealed class SummaryDetail
{
    public const int Version = 1;

    /// <summary>Distinct values of a primary field a part keeps counts within; past it the field is marked overflowed.</summary>
    public const int MaxPrimaryValues = 32;

    public const long MinuteMs = 60_000;

    /// <summary>The fields whose values other fields are counted within.</summary>
    public static readonly string[] Primaries = ["level", "decision"];

    /// <summary>The fields counted per minute (besides every event): few values each, so a minute costs a few bytes.</summary>
    public static readonly string[] MinuteFields = ["level", "service", "decision"];

    /// <summary>The fields counted within a primary field's value: the level and every field the summary counts.</summary>
    public static readonly string[] WithinFields = ["level", .. PartSummary.CountedFields.Select(f => FieldCatalog.Get(f).Name)];

    private const int MinutesPerHour = 60;
    private const string All = "";

    private readonly Dictionary<(string Primary, string PrimaryValue, string Field, string Value), long> _within = [];
    private readonly Dictionary<(string Primary, string PrimaryValue, string Field), int> _distinctWithin = [];
    private readonly Dictionary<string, HashSet<string>> _primaryValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _overflowed = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Field, string Value), long[]> _minutes = [];
    private readonly Dictionary<string, int> _distinctMinute = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly string?[] _rowValues = new string?[WithinFields.Length];

    public SummaryDetail(long hourStart)
    {
        HourStart = hourStart;
    }

    /// <summary>The start of the hour whose minutes are counted (ms).</summary>
    public long HourStart { get; }

    /// <summary>Adds one encoded row of this hour, as many events as its sample weight says.</summary>
    public void Add(ReadOnlySpan<byte> row)
    {
        var weight = RowReader.WeightOf(row);
        var minute = (int)((RowLayout.ReadTimestamp(row) - HourStart) / MinuteMs);
        if (minute is < 0 or >= MinutesPerHour)
        {
            throw new ArgumentOutOfRangeException(nameof(row), "a row outside the part's hour");
        }

        // Values by WithinFields' order: level first, then the counted fields the row has.
        var values = _rowValues;
        Array.Clear(values);
        values[0] = Levels.Name(RowLayout.ReadLevel(row));
        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            var at = Array.IndexOf(PartSummary.CountedFields, reader.Tag);
            if (at >= 0 && values[at + 1] is null)
            {
                values[at + 1] = Intern(reader.Value);
            }
        }

        foreach (var primary in Primaries)
        {
            var p = Array.IndexOf(WithinFields, primary);
            if (values[p] is not { } primaryValue || !Admit(primary, primaryValue))
            {
                continue;
            }

            CountIn(primary, primaryValue, All, All, weight);
            for (var f = 0; f < WithinFields.Length; f++)
            {
                if (f != p && values[f] is { } value)
                {
                    CountIn(primary, primaryValue, WithinFields[f], value, weight);
                }
            }
        }

        Minute(All, All)[minute] += weight;
        foreach (var field in MinuteFields)
        {
            if (values[Array.IndexOf(WithinFields, field)] is { } value)
            {
                Minute(field, CapMinute(field, value))[minute] += weight;
            }
        }
    }

    /// <summary>The details of parts of one hour added up; null when one of them has none (written before they existed).</summary>
    public static SummaryDetail? Merge(IEnumerable<SummaryDetail?> parts)
    {
        SummaryDetail? merged = null;
        foreach (var part in parts)
        {
            if (part is null || (merged is not null && merged.HourStart != part.HourStart))
            {
                return null;
            }

            merged ??= new SummaryDetail(part.HourStart);
            foreach (var (key, n) in part._within)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(merged._within, key, out _) += n;
            }

            merged._overflowed.UnionWith(part._overflowed);
            foreach (var (key, counts) in part._minutes)
            {
                var into = merged.Minute(key.Field, key.Value);
                for (var m = 0; m < MinutesPerHour; m++)
                {
                    into[m] += counts[m];
                }
            }
        }

        return merged;
    }

    /// <summary>
    /// Adds the counts of <paramref name="field"/>'s values among events whose <paramref name="primary"/> is
    /// <paramref name="primaryValue"/> (null: events without the field), and returns how many such events there are.
    /// Null when this part cannot say exactly: the primary field had more values than it keeps, or the field more than
    /// <see cref="PartSummary.MaxValuesPerField"/> within it.
    /// </summary>
    public long? CountWithin(string primary, string primaryValue, string field, Dictionary<string, long> into)
    {
        if (_overflowed.Contains(primary))
        {
            return null;
        }

        if (_within.ContainsKey((primary, primaryValue, field, PartSummary.Other)))
        {
            return null;
        }

        var total = _within.GetValueOrDefault((primary, primaryValue, All, All));
        foreach (var ((p, pv, f, value), n) in _within)
        {
            if (f == field && pv == primaryValue && p == primary)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(into, value, out _) += n;
            }
        }

        return total;
    }

    /// <summary>
    /// Adds the events of each minute to its bin of <paramref name="binMs"/> (a multiple of a minute), by the value of
    /// <paramref name="field"/> (null key: events without it) or, with no field, overall. False when the field is not
    /// counted per minute or had more than <see cref="PartSummary.MaxValuesPerField"/> values in this part.
    /// </summary>
    public bool CountMinutes(string? field, long binMs, Dictionary<(long Bin, string? Value), long> into)
    {
        if (field is not null && (Array.IndexOf(MinuteFields, field) < 0 || _minutes.ContainsKey((field, PartSummary.Other))))
        {
            return false;
        }

        var unnamed = _minutes.GetValueOrDefault((All, All)) is { } all ? (long[])all.Clone() : new long[MinutesPerHour];
        foreach (var ((f, value), counts) in _minutes)
        {
            if (field is null ? f != All : f != field)
            {
                continue;
            }

            for (var m = 0; m < MinutesPerHour; m++)
            {
                if (counts[m] != 0)
                {
                    Add(into, (Bin(m, binMs), field is null ? null : value), counts[m]);
                    unnamed[m] -= counts[m];
                }
            }
        }

        for (var m = 0; m < MinutesPerHour; m++)
        {
            if (unnamed[m] != 0)
            {
                Add(into, (Bin(m, binMs), null), unnamed[m]);
            }
        }

        return true;
    }

    /// <summary>
    /// Version, hour (in minutes), a table of the strings used, the overflowed primaries, then the within counts grouped
    /// by (primary, value, field) — each group its value count and (string, count) pairs — then the minute series: field,
    /// value, first minute, length and a count per minute. Strings are referenced by their index in the table.
    /// </summary>
    public byte[] Encode()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        int Ref(string s) => table.TryGetValue(s, out var i) ? i : table[s] = table.Count;
        var body = new List<byte>();
        DetailEncoding.Write(body, (ulong)_overflowed.Count);
        foreach (var primary in _overflowed.Order(StringComparer.Ordinal))
        {
            DetailEncoding.Write(body, (ulong)Ref(primary));
        }

        var groups = _within.GroupBy(e => (e.Key.Primary, e.Key.PrimaryValue, e.Key.Field)).ToList();
        DetailEncoding.Write(body, (ulong)groups.Count);
        foreach (var group in groups)
        {
            DetailEncoding.Write(body, (ulong)Ref(group.Key.Primary));
            DetailEncoding.Write(body, (ulong)Ref(group.Key.PrimaryValue));
            DetailEncoding.Write(body, (ulong)Ref(group.Key.Field));
            DetailEncoding.Write(body, (ulong)group.Count());
            foreach (var (key, n) in group)
            {
                DetailEncoding.Write(body, (ulong)Ref(key.Value));
                DetailEncoding.Write(body, (ulong)n);
            }
        }

        DetailEncoding.Write(body, (ulong)_minutes.Count);
        foreach (var ((field, value), counts) in _minutes)
        {
            var first = Array.FindIndex(counts, n => n != 0);
            var last = Array.FindLastIndex(counts, n => n != 0);
            DetailEncoding.Write(body, (ulong)Ref(field));
            DetailEncoding.Write(body, (ulong)Ref(value));
            DetailEncoding.Write(body, (ulong)Math.Max(first, 0));
            DetailEncoding.Write(body, (ulong)(first < 0 ? 0 : last - first + 1));
            for (var m = Math.Max(first, 0); first >= 0 && m <= last; m++)
            {
                DetailEncoding.Write(body, (ulong)counts[m]);
            }
        }

        var bytes = new List<byte>(body.Count + (table.Count * 8));
        DetailEncoding.Write(bytes, Version);
        DetailEncoding.Write(bytes, (ulong)(HourStart / MinuteMs));
        DetailEncoding.Write(bytes, (ulong)table.Count);
        foreach (var s in table.OrderBy(p => p.Value).Select(p => p.Key))
        {
            DetailEncoding.Write(bytes, s);
        }

        bytes.AddRange(body);
        return [.. bytes];
    }

    /// <summary>Reads what <see cref="Encode"/> wrote; damaged bytes (a count or reference past the data) throw.</summary>
    public static SummaryDetail Decode(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        var version = DetailEncoding.Read(bytes, ref at);
        if (version != Version)
        {
            throw new InvalidDataException($"stored counts of version {version}; this build reads version {Version}");
        }

        var detail = new SummaryDetail(checked((long)DetailEncoding.Read(bytes, ref at) * MinuteMs));
        var table = new string[DetailEncoding.ReadCount(bytes, ref at)];
        for (var i = 0; i < table.Length; i++)
        {
            table[i] = DetailEncoding.ReadString(bytes, ref at);
        }

        for (var n = DetailEncoding.ReadCount(bytes, ref at); n > 0; n--)
        {
            detail._overflowed.Add(String(bytes, table, ref at));
        }

        for (var groups = DetailEncoding.ReadCount(bytes, ref at); groups > 0; groups--)
        {
            var (primary, primaryValue, field) = (String(bytes, table, ref at), String(bytes, table, ref at), String(bytes, table, ref at));
            for (var n = DetailEncoding.ReadCount(bytes, ref at); n > 0; n--)
            {
                var value = String(bytes, table, ref at);
                detail._within[(primary, primaryValue, field, value)] = DetailEncoding.ReadCountValue(bytes, ref at);
            }
        }

        for (var series = DetailEncoding.ReadCount(bytes, ref at); series > 0; series--)
        {
            var counts = detail.Minute(String(bytes, table, ref at), String(bytes, table, ref at));
            var first = DetailEncoding.Read(bytes, ref at);
            var length = DetailEncoding.Read(bytes, ref at);
            if (first + length > MinutesPerHour)
            {
                throw new InvalidDataException("stored counts of minutes past the hour");
            }

            for (var m = (int)first; m < (int)(first + length); m++)
            {
                counts[m] = DetailEncoding.ReadCountValue(bytes, ref at);
            }
        }

        return at == bytes.Length ? detail : throw new InvalidDataException("stored counts have bytes after their end");
    }

    private static string String(ReadOnlySpan<byte> bytes, string[] table, ref int at)
    {
        var i = DetailEncoding.Read(bytes, ref at);
        return i < (ulong)table.Length ? table[i] : throw new InvalidDataException("stored counts name a string past their table");
    }

    private long Bin(int minute, long binMs)
    {
        var ms = HourStart + (minute * MinuteMs);
        return ms - (ms % binMs);
    }

    private static void Add(Dictionary<(long Bin, string? Value), long> into, (long, string?) key, long n) =>
        CollectionsMarshal.GetValueRefOrAddDefault(into, key, out _) += n;

    /// <summary>Whether rows of this primary value are counted within it: the first <see cref="MaxPrimaryValues"/> values are.</summary>
    private bool Admit(string primary, string value)
    {
        if (!_primaryValues.TryGetValue(primary, out var admitted))
        {
            _primaryValues[primary] = admitted = new HashSet<string>(StringComparer.Ordinal);
        }

        if (admitted.Contains(value))
        {
            return true;
        }

        if (admitted.Count >= MaxPrimaryValues)
        {
            _overflowed.Add(primary);
            return false;
        }

        return admitted.Add(value);
    }

    private void CountIn(string primary, string primaryValue, string field, string value, long n)
    {
        ref var count = ref CollectionsMarshal.GetValueRefOrAddDefault(_within, (primary, primaryValue, field, value), out var exists);
        if (exists || field == All)
        {
            count += n;
            return;
        }

        ref var distinct = ref CollectionsMarshal.GetValueRefOrAddDefault(_distinctWithin, (primary, primaryValue, field), out _);
        if (distinct < PartSummary.MaxValuesPerField)
        {
            distinct++;
            count += n;
            return;
        }

        // The cap is reached: the value just added goes, and its events count under Other so totals stay exact.
        _within.Remove((primary, primaryValue, field, value));
        CollectionsMarshal.GetValueRefOrAddDefault(_within, (primary, primaryValue, field, PartSummary.Other), out _) += n;
    }

    private string CapMinute(string field, string value)
    {
        if (_minutes.ContainsKey((field, value)))
        {
            return value;
        }

        ref var distinct = ref CollectionsMarshal.GetValueRefOrAddDefault(_distinctMinute, field, out _);
        return distinct < PartSummary.MaxValuesPerField && ++distinct > 0 ? value : PartSummary.Other;
    }

    private long[] Minute(string field, string value)
    {
        ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(_minutes, (field, value), out _);
        return counts ??= new long[MinutesPerHour];
    }

    /// <summary>The row's value as a string, one instance per distinct value (no string per row for values seen before).</summary>
    private string Intern(ReadOnlySpan<byte> utf8)
    {
        var chars = utf8.Length <= 256 ? stackalloc char[utf8.Length] : new char[utf8.Length];
        chars = chars[..Encoding.UTF8.GetChars(utf8, chars)];
        var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var known))
        {
            return known;
        }

        var value = new string(chars);
        _strings[value] = value;
        return value;
    }
}
