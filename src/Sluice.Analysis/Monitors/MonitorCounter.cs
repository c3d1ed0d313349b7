using System.Buffers;
using Sluice.Core.Events;

namespace Sluice.Analysis.Monitors;

/// <summary>
/// Counts each durable row into the buckets of the monitors it matches, on the ingest thread: the row's field
/// values pick the candidate monitors (<see cref="MonitorIndex"/>), and only those run their predicate. Batches
/// are counted one at a time (predicates are single-threaded); the work is a few lookups per row.
/// </summary>
internal sealed class MonitorCounter : IStoredRowsObserver
{
    private readonly Lock _lock = new();
    private readonly List<LiveMonitor> _candidates = [];
    private volatile MonitorIndex _index = MonitorIndex.Empty;

    public MonitorIndex Index
    {
        get => _index;
        set => _index = value;
    }

    public void Observe(ReadOnlySpan<byte> rows, int count)
    {
        if (_index.Count == 0 || rows.IsEmpty)
        {
            return;
        }

        // The predicate reads rows as memory; the batch is only lent to us as a span.
        var buffer = ArrayPool<byte>.Shared.Rent(rows.Length);
        try
        {
            rows.CopyTo(buffer);
            var memory = buffer.AsMemory(0, rows.Length);
            lock (_lock)
            {
                var index = _index;
                var offset = 0;
                while (offset + RowLayout.HeaderSize <= memory.Length)
                {
                    var length = RowLayout.ReadLength(memory.Span[offset..]);
                    if (length < RowLayout.HeaderSize || offset + length > memory.Length)
                    {
                        break;
                    }

                    var row = memory.Slice(offset, length);
                    _candidates.Clear();
                    index.Candidates(row.Span, _candidates);
                    foreach (var monitor in _candidates)
                    {
                        if (monitor.Predicate.Matches(row))
                        {
                            monitor.Buckets.Add(RowLayout.ReadTimestamp(row.Span), RowReader.WeightOf(row.Span));
                        }
                    }

                    offset += length;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
