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
    private readonly int _perSecond;
    private long _second;
    private int _sentThisSecond;
    private long _skipped;
    private volatile bool _done;

    /// <summary>Skips the dispatcher has counted in the batch at hand, published once at its end (<see cref="Publish"/>).</summary>
    private long _unreported;

    internal TailSubscription(TailHub hub, RowPredicate? filter, int capacity, int perSecond)
    {
        _hub = hub;
        _filter = filter;
        _perSecond = perSecond;
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

    /// <summary>
    /// Whether this event is for this subscriber: it matches, and the subscriber has not had its events of this
    /// second (<c>Tail:MaxEventsPerSecond</c>; past it, skipped and counted). The dispatcher's only (a predicate is
    /// not thread-safe).
    /// </summary>
    internal bool Wants(ReadOnlyMemory<byte> row, long second)
    {
        if (_done || (_filter is not null && !_filter.Matches(row)))
        {
            return false;
        }

        if (second != _second)
        {
            _second = second;
            _sentThisSecond = 0;
        }

        if (_sentThisSecond >= _perSecond)
        {
            _unreported++;
            return false;
        }

        _sentThisSecond++;
        return true;
    }

    internal void Offer(byte[] rendered)
    {
        if (!_events.Writer.TryWrite(rendered))
        {
            _unreported++;
        }
    }

    /// <summary>Makes the batch's skips visible to the sender: one atomic add a batch, not one an event.</summary>
    internal void Publish()
    {
        if (_unreported > 0)
        {
            Skip(_unreported);
            _unreported = 0;
        }
    }

    internal void Skip(long events)
    {
        Interlocked.Add(ref _skipped, events);
        _hub.CountSkipped(events);
    }

    internal void Complete()
    {
        _done = true;
        _events.Writer.TryComplete();
    }

    public void Dispose()
    {
        _hub.Unsubscribe(this);
        Complete();
    }
}
