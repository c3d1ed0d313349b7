using System.Threading.Channels;
using Sluice.Query.Language;

namespace Sluice.Server.Tail;

/// <summary>
/// One live-tail subscriber: its filter, and a bounded queue of rendered events waiting to be sent. An event that
/// finds the queue full is skipped and counted; the transport tells the client how many it missed.
/// </summary>
public sealed class TailSubscription : IDisposable
{
    private readonly TailHub _hub;
    private readonly RowPredicate? _filter;
    private readonly Channel<byte[]> _events;
    private long _skipped;

    internal TailSubscription(TailHub hub, RowPredicate? filter, int capacity)
    {
        _hub = hub;
        _filter = filter;
        _events = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails at once, and the event is counted as skipped
        });
    }

    /// <summary>Events rendered and waiting to be sent.</summary>
    public ChannelReader<byte[]> Events => _events.Reader;

    /// <summary>Takes the count of events skipped since the last call.</summary>
    public long TakeSkipped() => Interlocked.Exchange(ref _skipped, 0);

    /// <summary>Used by the dispatcher only (a predicate is not thread-safe).</summary>
    internal bool Wants(ReadOnlyMemory<byte> row) => _filter is null || _filter.Matches(row);

    internal void Offer(byte[] rendered)
    {
        if (!_events.Writer.TryWrite(rendered))
        {
            Skip(1);
        }
    }

    internal void Skip(long events)
    {
        Interlocked.Add(ref _skipped, events);
        _hub.CountSkipped(events);
    }

    internal void Complete() => _events.Writer.TryComplete();

    public void Dispose()
    {
        _hub.Unsubscribe(this);
        Complete();
    }
}
