using System.Text.Json;
using Sluice.Core.Options;

namespace Sluice.Redis.Sinks;

/// <summary>An event of a trace as another node wrote it to <c>logs:{trace_id}</c>: its JSON as stored, with the id and time to merge by.</summary>
internal sealed record SharedTraceEvent(string? Id, long Timestamp, byte[] Json);

/// <summary>
/// Reads a recent trace from Redis, where every node's Redis sink pushes the events with a trace id, so a node
/// answers for traces written through the others. Bounded while it reads: at most <c>Redis:MaxTraceEvents</c>
/// events and the caller's byte budget.
/// </summary>
internal sealed class RedisTraceReader(RedisConnection redis, RedisOptions options)
{
    /// <summary>The trace's events in Redis (newest first, as pushed), and whether the bounds cut it short.</summary>
    public async ValueTask<(IReadOnlyList<SharedTraceEvent> Events, bool Truncated)> ReadAsync(string traceId, long maxBytes, CancellationToken cancel)
    {
        var key = redis.Key(RedisKeys.Trace(traceId));
        var values = await redis.RunAsync(db => db.ListRangeAsync(key, 0, options.MaxTraceEvents), cancel);
        var events = new List<SharedTraceEvent>(Math.Min(values.Length, options.MaxTraceEvents));
        long bytes = 0;
        foreach (var value in values)
        {
            if (events.Count == options.MaxTraceEvents)
            {
                return (events, true);
            }

            var json = (byte[])value!;
            bytes += json.Length;
            if (bytes > maxBytes)
            {
                return (events, true);
            }

            if (TryRead(json, out var id, out var timestamp))
            {
                events.Add(new SharedTraceEvent(id, timestamp, json));
            }
        }

        return (events, false);
    }

    /// <summary>The top-level <c>id</c> and <c>timestamp</c> of a stored event; false for anything that is not one.</summary>
    private static bool TryRead(byte[] json, out string? id, out long timestamp)
    {
        (id, timestamp) = (null, 0);
        var found = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
                {
                    id = reader.GetString();
                }
                else if (reader.ValueTextEquals("timestamp"u8) && reader.Read() && reader.TryGetInt64(out var ts))
                {
                    (timestamp, found) = (ts, true);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return found;
    }
}
