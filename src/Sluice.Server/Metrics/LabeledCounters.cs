using System.Collections.Concurrent;

namespace Sluice.Server.Metrics;

/// <summary>A family of counters keyed by their label values (few, fixed label sets: endpoint, reason, status).</summary>
public sealed class LabeledCounters(params string[] labelNames)
{
    private readonly ConcurrentDictionary<string[], Counter> _counters = new(LabelValuesComparer.Instance);

    public IReadOnlyList<string> LabelNames { get; } = labelNames;

    public void Add(long value, params string[] labelValues) =>
        _counters.GetOrAdd(labelValues, static _ => new Counter()).Add(value);

    public IEnumerable<(string[] Labels, long Value)> Snapshot() =>
        _counters.Select(pair => (pair.Key, pair.Value.Value)).OrderBy(p => string.Join(',', p.Key), StringComparer.Ordinal);

    private sealed class Counter
    {
        private long _value;

        public long Value => Volatile.Read(ref _value);

        public void Add(long n) => Interlocked.Add(ref _value, n);
    }

    private sealed class LabelValuesComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelValuesComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] values)
        {
            var hash = new HashCode();
            foreach (var v in values)
            {
                hash.Add(v);
            }

            return hash.ToHashCode();
        }
    }
}
