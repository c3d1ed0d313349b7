namespace Sluice.Cli.Ingest;

/// <summary>
/// Batches finish out of order over several connections; the resume point may only move past a batch once every
/// batch before it is acknowledged too. Holds the finished batches past the first gap.
/// </summary>
internal sealed class AckWatermark(long startLine, long startOffset)
{
    private readonly SortedDictionary<long, (long Line, long Offset)> _waiting = [];
    private long _next;

    private long Line { get; set; } = startLine;

    private long Offset { get; set; } = startOffset;

    /// <summary>The input line and decoded byte offset through which every batch is acknowledged.</summary>
    public (long Line, long Offset) Point
    {
        get
        {
            lock (_waiting)
            {
                return (Line, Offset);
            }
        }
    }

    /// <summary>Records batch <paramref name="sequence"/> as acknowledged; true (and the new point) when the resume point moved.</summary>
    public bool Complete(long sequence, long endLine, long endOffset, out (long Line, long Offset) point)
    {
        lock (_waiting)
        {
            _waiting[sequence] = (endLine, endOffset);
            var moved = false;
            while (_waiting.Remove(_next, out var end))
            {
                (Line, Offset) = end;
                _next++;
                moved = true;
            }

            point = (Line, Offset);
            return moved;
        }
    }
}
