using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Storage;
using Sluice.Core.IO;
using Sluice.Storage.Sinks;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>Sinks read the WAL through durable cursors: every acknowledged event once, in order, across failures and restarts.</summary>
public sealed class SinkCursorTests
{
    private const long Hour = 1_767_225_600_000; // 2026-01-01T00:00Z

    [Fact]
    public async Task A_sink_gets_every_acknowledged_event_once_in_order_in_batches_of_at_most_the_batch_size()
    {
        using var dir = new TempDirectory();
        var sink = new RecordingSink("rec");
        using (var store = Open(dir, sink))
        {
            await AppendAsync(store, 0, 250);
            await AppendAsync(store, 250, 7);
            await sink.WaitForAsync(257);
        }

        Assert.Equal(Enumerable.Range(1, 257).Select(i => (long)i), sink.Seqs);
        Assert.Equal(Enumerable.Range(0, 257).Select(i => $"e{i}"), sink.Ids);
        Assert.All(sink.BatchSizes, n => Assert.InRange(n, 1, 100));
    }

    [Fact]
    public async Task Small_appends_are_gathered_into_batches_of_the_sinks_own_size_while_it_lingers()
    {
        using var dir = new TempDirectory();
        var sink = new RecordingSink("gather") { OwnBatchEvents = 40, Linger = 300 };
        using (var store = Open(dir, sink))
        {
            for (var i = 0; i < 60; i++)
            {
                await AppendAsync(store, i * 2, 2); // 60 requests of 2 events each
            }

            await sink.WaitForAsync(120);
        }

        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), sink.Seqs);
        Assert.All(sink.BatchSizes, n => Assert.InRange(n, 1, 40));
        Assert.True(sink.BatchSizes.Count <= 6, $"120 events in 60 appends reached the sink in {sink.BatchSizes.Count} batches: {string.Join(",", sink.BatchSizes)}");
    }

    [Fact]
    public async Task A_failing_sink_holds_the_wal_past_a_seal_and_catches_up_with_nothing_lost()
    {
        using var dir = new TempDirectory();
        var sink = new RecordingSink("flaky") { Failing = true };
        using var store = Open(dir, sink, o => o with { Wal = o.Wal with { SegmentBytes = 64 * 1024 } });
        for (var i = 0; i < 20; i++)
        {
            await AppendAsync(store, i * 200, 200, padding: 400);
        }

        await store.Worker.FlushAsync(); // sealed: without the sink the log would be trimmed now
        var segments = Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*.wal").Length;
        Assert.True(segments > 5, $"only {segments} WAL segments are left while the sink holds none of their events");
        Assert.Equal(4000, store.Hot.MaxSeq);

        sink.Failing = false;
        await sink.WaitForAsync(4000);
        Assert.Equal(Enumerable.Range(1, 4000).Select(i => (long)i), sink.Seqs);
        Assert.True(store.Sinks.Status().Single().FailedAttempts > 0);

        await WaitUntilAsync(() => Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*.wal").Length < segments);
        Assert.Equal(0, store.Sinks.Status().Single().LostEvents);
    }

    [Fact]
    public async Task The_cursor_survives_a_restart_so_a_sink_resumes_where_it_left_off()
    {
        using var dir = new TempDirectory();
        var first = new RecordingSink("resume");
        using (var store = Open(dir, first))
        {
            await AppendAsync(store, 0, 120);
            await first.WaitForAsync(120);
        }

        var second = new RecordingSink("resume");
        using (var store = Open(dir, second))
        {
            await AppendAsync(store, 120, 30);
            await second.WaitForAsync(30);
        }

        Assert.Equal(Enumerable.Range(121, 30).Select(i => (long)i), second.Seqs);
    }

    [Fact]
    public async Task A_sink_further_behind_than_the_lag_limit_stops_holding_the_wal_and_counts_what_it_lost()
    {
        using var dir = new TempDirectory();
        var sink = new RecordingSink("dead") { Failing = true };
        using var store = Open(dir, sink, o => o with { Wal = o.Wal with { SegmentBytes = 64 * 1024 }, Sinks = o.Sinks with { MaxLagMb = 1 } });
        for (var i = 0; i < 40; i++)
        {
            await AppendAsync(store, i * 200, 200, padding: 400); // ~ 4 MB of WAL
        }

        await store.Worker.FlushAsync();
        var status = store.Sinks.Status().Single();
        Assert.False(status.HoldsWal);
        Assert.True(Directory.GetFiles(Path.Combine(dir.Path, "wal"), "*.wal").Length <= 2, "the WAL was kept for a sink past its lag limit");

        sink.Failing = false;
        await WaitUntilAsync(() => store.Sinks.Status().Single().LagEvents == 0, () => store.Sinks.Status().Single().ToString() + " wal: " + string.Join(",", Directory.GetFiles(Path.Combine(dir.Path, "wal"))));
        status = store.Sinks.Status().Single();
        Assert.True(status.LostEvents > 0);
        Assert.Equal(8000, status.LostEvents + sink.Seqs.Count);
        Assert.Equal(sink.Seqs.Order(), sink.Seqs);
    }

    private static EventStore Open(TempDirectory dir, IEventSink sink, Func<SluiceOptions, SluiceOptions>? configure = null)
    {
        var options = new SluiceOptions { DataDir = dir.Path, Sinks = new SinkOptions { CursorSaveMs = 10, BatchEvents = 100 } };
        options = configure?.Invoke(options) ?? options;
        var store = new EventStore(options, DataDirectory.Open(dir.Path), Sluice.Core.Time.SystemClock.Instance, NullLogger.Instance);
        store.Sinks.Attach(sink);
        store.Recover();
        return store;
    }

    private static async Task AppendAsync(EventStore store, int from, int count, int padding = 0)
    {
        var message = new string('x', padding);
        var rows = Rows.Batch(Enumerable.Range(from, count).Select(i => ($"e{i}", Hour + i, (string?)null, "m" + message)));
        await store.AppendAsync(rows, count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out" + (state is null ? "" : ": " + state()));
            await Task.Delay(20);
        }
    }

    private sealed class RecordingSink(string name) : IEventSink
    {
        private readonly ConcurrentQueue<(long Seq, string Id)> _events = new();
        private readonly ConcurrentQueue<int> _batches = new();

        public string Name => name;

        public volatile bool Failing;

        public int OwnBatchEvents { get; init; }

        public int Linger { get; init; }

        int IEventSink.MaxBatchEvents => OwnBatchEvents;

        int IEventSink.LingerMs => Linger;

        public List<long> Seqs => [.. _events.Select(e => e.Seq)];

        public List<string> Ids => [.. _events.Select(e => e.Id)];

        public List<int> BatchSizes => [.. _batches];

        public ValueTask DeliverAsync(SinkBatch batch, CancellationToken cancel)
        {
            if (Failing)
            {
                throw new IOException("sink is down");
            }

            var rows = batch.Rows.Span;
            var seq = batch.FirstSeq;
            for (var i = 0; i < batch.Count; i++)
            {
                var length = RowLayout.ReadLength(rows);
                _events.Enqueue((seq++, Rows.Id(rows[..length])));
                rows = rows[length..];
            }

            Assert.True(rows.IsEmpty);
            _batches.Enqueue(batch.Count);
            return ValueTask.CompletedTask;
        }

        public Task WaitForAsync(int count) => WaitUntilAsync(() => _events.Count >= count);
    }
}
