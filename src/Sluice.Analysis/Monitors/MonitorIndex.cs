using System.Text;
using Sluice.Core.Events;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// An immutable map from a row's field values to the monitors that may match it (<see cref="IndexTerm"/>, the
/// rarest of each monitor's terms), plus
/// the monitors without such a term, which every row is tested against. Rebuilt whole when monitors change, so
/// the ingest path reads it without a lock.
/// </summary>
internal sealed class MonitorIndex
{
    public static readonly MonitorIndex Empty = new([]);

    private const int MaxStackChars = 256;

    private readonly Dictionary<string, LiveMonitor[]>?[] _byTag = new Dictionary<string, LiveMonitor[]>?[64];
    private readonly Dictionary<string, Dictionary<string, LiveMonitor[]>> _byAttribute = new(StringComparer.Ordinal);
    private readonly LiveMonitor[] _unindexed;

    public MonitorIndex(IReadOnlyCollection<LiveMonitor> monitors)
    {
        Count = monitors.Count;
        // Each monitor is filed under its rarest term among all monitors: decision:block, shared by a thousand
        // monitors, would hand every blocked row to all of them; domain:d7.example only to its own.
        var terms = monitors.ToDictionary(m => m, m => IndexTerm.All(m.Filter));
        var shared = terms.Values.SelectMany(t => t.Distinct()).CountBy(t => t).ToDictionary(p => p.Key, p => p.Value);
        var unindexed = new List<LiveMonitor>();
        foreach (var monitor in monitors)
        {
            if (terms[monitor].Count == 0)
            {
                unindexed.Add(monitor);
                continue;
            }

            var term = terms[monitor].MinBy(t => shared[t]);

            var values = term.Tag == FieldTag.Attribute
                ? _byAttribute.TryGetValue(term.Key, out var byKey) ? byKey : _byAttribute[term.Key] = new(StringComparer.Ordinal)
                : _byTag[(int)term.Tag] ??= new(StringComparer.Ordinal);
            values[term.Value] = values.TryGetValue(term.Value, out var list) ? [.. list, monitor] : [monitor];
        }

        _unindexed = [.. unindexed];
        Indexed = Count - _unindexed.Length;
    }

    public int Count { get; }

    /// <summary>Monitors filed under a term (the rest are tested on every row).</summary>
    public int Indexed { get; }

    /// <summary>Adds to <paramref name="into"/> every monitor that may match the row.</summary>
    public void Candidates(ReadOnlySpan<byte> row, List<LiveMonitor> into)
    {
        into.AddRange(_unindexed);
        if (Indexed == 0)
        {
            return;
        }

        var reader = new RowReader(row);
        while (reader.MoveNext())
        {
            var tag = (int)reader.Tag;
            if (reader.Tag == FieldTag.Attribute)
            {
                if (_byAttribute.Count > 0 && Lookup(_byAttribute, reader.Key) is { } values && Lookup(values, reader.Value) is { } found)
                {
                    into.AddRange(found);
                }
            }
            else if (tag < _byTag.Length && _byTag[tag] is { } values && Lookup(values, reader.Value) is { } found)
            {
                into.AddRange(found);
            }
        }
    }

    /// <summary>A dictionary lookup by UTF-8 bytes without making a string (decoded into stack space when short).</summary>
    private static T? Lookup<T>(Dictionary<string, T> map, ReadOnlySpan<byte> utf8)
        where T : class
    {
        if (utf8.Length > MaxStackChars)
        {
            return map.GetValueOrDefault(Encoding.UTF8.GetString(utf8));
        }

        Span<char> chars = stackalloc char[MaxStackChars];
        var n = Encoding.UTF8.GetChars(utf8, chars);
        return map.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out var value) ? value : null;
    }
}
