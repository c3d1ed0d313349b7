using System.Buffers;
using System.Text;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Output;
using Sluice.Storage.Sinks;
using StackExchange.Redis;

namespace Sluice.Redis.Sinks;

/// <summary>
/// Ships acknowledged events into the seeds' Redis keys, from the WAL through its own cursor: every event with a
/// trace id onto <c>logs:{trace_id}</c> (so any node answers a recent trace), traffic events into
/// <c>traffic:{date}:{hour}:batchNNN</c> lists of at most <c>Memory:BatchSize</c> events each, and the hour's
/// <c>summary:{date}:{hour}:stats</c> counters. One script call per batch applies it atomically and at most once.
/// </summary>
internal sealed class RedisEventSink : IEventSink
{
    private readonly RedisConnection _redis;
    private readonly RedisKey _mark;
    private readonly int _traceTtl;
    private volatile int _trafficTtl;
    private readonly int _trafficBatch;
    private readonly Func<string, string> _key;
    private long _knownMark = -1;

    public RedisEventSink(RedisConnection redis, RedisOptions options, RetentionOptions retention, int trafficBatch, string node)
    {
        _trafficBatch = trafficBatch;
        _redis = redis;
        _mark = redis.Key(RedisKeys.SinkMark(node));
        _traceTtl = options.TraceTtlSeconds;
        _trafficTtl = retention.TrafficHours * 3600;
        _key = name => (string)redis.Key(name)!;
    }

    public string Name => "redis";

    /// <summary>Traffic keys written from the next batch on expire after the new <c>Retention:TrafficHours</c>; keys already written keep theirs.</summary>
    public void UseRetention(RetentionOptions retention) => _trafficTtl = retention.TrafficHours * 3600;

    public async ValueTask DeliverAsync(SinkBatch batch, CancellationToken cancel)
    {
        if (_knownMark < 0)
        {
            var mark = await _redis.RunAsync(db => db.StringGetAsync(_mark), cancel);
            _knownMark = mark.IsNull ? 0 : (long)mark;
        }

        while (batch.LastSeq > _knownMark)
        {
            var pending = Past(batch, _knownMark);
            var values = Operations(pending);
            var result = (long)await _redis.RunAsync(db => db.ScriptEvaluateAsync(SinkScript.Apply, [_mark], values), cancel);
            if (result < 0)
            {
                _knownMark = pending.LastSeq;
                return;
            }

            _knownMark = result; // part of it is there already (a resend after a crash): send the rest
        }
    }

    /// <summary>The events of <paramref name="batch"/> past <paramref name="mark"/>.</summary>
    private static SinkBatch Past(SinkBatch batch, long mark)
    {
        if (batch.FirstSeq > mark)
        {
            return batch;
        }

        var rows = batch.Rows.Span;
        var offset = 0;
        var seq = batch.FirstSeq;
        while (seq <= mark)
        {
            offset += RowLayout.ReadLength(rows[offset..]);
            seq++;
        }

        return new SinkBatch(seq, (int)(batch.LastSeq - seq + 1), batch.Rows[offset..]);
    }

    private RedisValue[] Operations(SinkBatch batch)
    {
        var values = new List<RedisValue>(4 + (batch.Count * 4)) { batch.FirstSeq, batch.LastSeq };
        var trafficTtl = _trafficTtl; // one value for the whole batch, even if it changes meanwhile
        var traffic = new Dictionary<string, List<RedisValue>>(StringComparer.Ordinal);
        var traces = new Dictionary<string, List<RedisValue>>(StringComparer.Ordinal);
        var counts = new Dictionary<(string Key, string Field), long>();
        var ips = new HashSet<(string Key, string Member)>();
        var json = new ArrayBufferWriter<byte>(1024);
        var rows = batch.Rows.Span;
        for (var i = 0; i < batch.Count; i++)
        {
            var length = RowLayout.ReadLength(rows);
            var row = rows[..length];
            rows = rows[length..];
            json.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(json))
            {
                EventJsonWriter.Write(writer, row);
            }

            var value = (RedisValue)json.WrittenSpan.ToArray();
            if (RowReader.TryGetString(row, FieldTag.TraceId, out var trace) && trace.Length > 0)
            {
                var key = _key(RedisKeys.Trace(Encoding.UTF8.GetString(trace)));
                if (!traces.TryGetValue(key, out var events))
                {
                    traces[key] = events = [];
                }

                events.Add(value);
            }

            if (RowLayout.ReadKind(row) != EventKind.Traffic)
            {
                continue;
            }

            var timestamp = RowLayout.ReadTimestamp(row);
            var hour = _key(RedisKeys.TrafficHour(timestamp));
            if (!traffic.TryGetValue(hour, out var list))
            {
                traffic[hour] = list = [];
            }

            list.Add(value);
            var stats = _key(RedisKeys.SummaryStats(timestamp));
            Count(counts, stats, "total_requests");
            CountField(counts, stats, row, FieldTag.Decision, "decision:");
            CountField(counts, stats, row, FieldTag.Country, "country:");
            CountField(counts, stats, row, FieldTag.Reason, "reason:");
            CountField(counts, stats, row, FieldTag.Domain, "domain:");
            if (RowReader.TryGetString(row, FieldTag.IpHash, out var ip) && ip.Length > 0)
            {
                ips.Add((_key(RedisKeys.SummaryIps(timestamp)), Encoding.UTF8.GetString(ip)));
            }
        }

        foreach (var (key, events) in traces)
        {
            values.AddRange(["L", key, _traceTtl, events.Count]);
            values.AddRange(events);
        }

        foreach (var (prefix, list) in traffic)
        {
            // The seed's batches: at most Memory:BatchSize events per traffic:{date}:{hour}:batchNNN list.
            foreach (var chunk in list.Chunk(_trafficBatch))
            {
                values.AddRange(["B", prefix, trafficTtl, chunk.Length]);
                values.AddRange(chunk);
            }
        }

        foreach (var ((key, field), n) in counts)
        {
            values.AddRange(["H", key, field, n, trafficTtl]);
        }

        foreach (var (key, member) in ips)
        {
            values.AddRange(["P", key, member, trafficTtl]);
        }

        return [.. values];
    }

    private static void CountField(Dictionary<(string, string), long> counts, string key, ReadOnlySpan<byte> row, FieldTag tag, string prefix)
    {
        if (RowReader.TryGetString(row, tag, out var value) && value.Length > 0)
        {
            Count(counts, key, prefix + Encoding.UTF8.GetString(value));
        }
    }

    private static void Count(Dictionary<(string, string), long> counts, string key, string field) =>
        counts[(key, field)] = counts.GetValueOrDefault((key, field)) + 1;
}
