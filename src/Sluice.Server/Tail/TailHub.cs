using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Language;
using Sluice.Query.Output;

namespace Sluice.Server.Tail;

/// <summary>
/// Live tail: acknowledged batches go to every subscriber whose filter they match. Ingest only copies a batch into a
/// pooled buffer and queues it (nothing at all when nobody listens), so a slow subscriber can never slow ingest.
/// One dispatcher matches rows and renders each matching event to JSON once, shared by every subscriber that wants
/// it. Memory is bounded twice: queued batches by <c>Tail:MaxPendingKb</c> (past it a batch is skipped for all), and
/// each subscriber's waiting events by <c>Tail:BufferEvents</c> (past it, skipped for that one). What a subscriber
/// costs is bounded too: it is sent at most <c>Tail:MaxEventsPerSecond</c>, and an event no subscriber takes is
/// never rendered. Skips are counted and told to the subscriber.
/// </summary>
public sealed class TailHub : IAsyncDisposable
{
    private readonly TailOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingBatch> _pending = Channel.CreateUnbounded<PendingBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private readonly Task _dispatcher;
    private TailSubscription[] _subscribers = [];
    private long _pendingBytes;
    private long _pendingPeak;
    private long _droppedBatches;
    private long _skipped;

    public TailHub(TailOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _dispatcher = Task.Run(DispatchAsync);
    }

    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>Batches skipped for every subscriber because matching fell behind (<c>Tail:MaxPendingKb</c>).</summary>
    public long DroppedBatches => Interlocked.Read(ref _droppedBatches);

    /// <summary>The most bytes of batches that have waited for matching at once since start.</summary>
    public long PendingPeakBytes => Interlocked.Read(ref _pendingPeak);

    /// <summary>Events skipped for one subscriber or another, all reasons, since start.</summary>
    public long SkippedEvents => Interlocked.Read(ref _skipped);

    /// <summary>A new subscriber with <paramref name="filter"/> (null: everything), or null when the cap is reached.</summary>
    public TailSubscription? Subscribe(Filter? filter, long nowMs)
    {
        lock (_gate)
        {
            if (_subscribers.Length >= _options.MaxSubscribers)
            {
                return null;
            }

            var subscription = new TailSubscription(this, filter is null ? null : new RowPredicate(filter, nowMs), _options.BufferEvents, _options.MaxEventsPerSecond);
            _subscribers = [.. _subscribers, subscription];
            return subscription;
        }
    }

    internal void Unsubscribe(TailSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscription);
        }
    }

    internal void CountSkipped(long events) => Interlocked.Add(ref _skipped, events);

    /// <summary>Called with each batch of rows once it is durable. Never waits.</summary>
    public void Publish(ReadOnlySpan<byte> rows, int count)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Length == 0 || count == 0)
        {
            return;
        }

        var pending = Interlocked.Add(ref _pendingBytes, rows.Length);
        // A batch larger than the whole allowance still goes when nothing else waits: it is bounded by the request.
        if (pending > _options.MaxPendingKb * 1024L && pending != rows.Length)
        {
            Interlocked.Add(ref _pendingBytes, -rows.Length);
            Interlocked.Increment(ref _droppedBatches);
            foreach (var subscriber in subscribers)
            {
                subscriber.Skip(count);
            }

            return;
        }

        for (var peak = Interlocked.Read(ref _pendingPeak); pending > peak; peak = Interlocked.Read(ref _pendingPeak))
        {
            Interlocked.CompareExchange(ref _pendingPeak, pending, peak);
        }

        var copy = ArrayPool<byte>.Shared.Rent(rows.Length);
        rows.CopyTo(copy);
        if (!_pending.Writer.TryWrite(new PendingBatch(copy, rows.Length)))
        {
            // Stopped: nobody will match it.
            Interlocked.Add(ref _pendingBytes, -rows.Length);
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private async Task DispatchAsync()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        await foreach (var batch in _pending.Reader.ReadAllAsync())
        {
            try
            {
                Dispatch(batch.Rows.AsMemory(0, batch.Length), output);
            }
            finally
            {
                Interlocked.Add(ref _pendingBytes, -batch.Length);
                ArrayPool<byte>.Shared.Return(batch.Rows);
            }
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> rows, ArrayBufferWriter<byte> output)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        var second = Environment.TickCount64 / 1000;
        while (rows.Length > 0)
        {
            var length = RowLayout.ReadLength(rows.Span);
            var row = rows[..length];
            byte[]? rendered = null;
            foreach (var subscriber in subscribers)
            {
                if (!subscriber.Wants(row, second))
                {
                    continue;
                }

                rendered ??= TryRender(row.Span, output);
                if (rendered is null)
                {
                    subscriber.Skip(1); // counted, like any event it did not get
                }
                else
                {
                    subscriber.Offer(rendered);
                }
            }

            rows = rows[length..];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Publish();
        }
    }

    /// <summary>The event's JSON, or null (logged) for a row that cannot be rendered: it must not end live tail for everyone.</summary>
    private byte[]? TryRender(ReadOnlySpan<byte> row, ArrayBufferWriter<byte> output)
    {
        try
        {
            output.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(output))
            {
                EventJsonWriter.Write(json, row);
            }

            return output.WrittenSpan.ToArray();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            _logger.LogWarning(e, "live tail skipped an event it could not render");
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _dispatcher;
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Complete();
        }
    }

    private readonly record struct PendingBatch(byte[] Rows, int Length);
}
