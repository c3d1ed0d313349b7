using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Query.Search;
using Sluice.Redis.Sinks;

namespace Sluice.Server.Endpoints;

/// <summary>
/// A trace look-up across nodes: this node's events, plus those other nodes pushed to <c>logs:{trace_id}</c> in
/// Redis (recent traces only: the list lives <c>Redis:TraceTtlSeconds</c> after its last event). Events are merged
/// by id (this node's own copy wins) and ordered by time. Without Redis, or while it is away, the answer is this
/// node's alone and says so (<c>"shared": "unavailable"</c>).
/// </summary>
internal static class SharedTrace
{
    public sealed record Remote(IReadOnlyList<SharedTraceEvent> Events, bool Truncated, string? State)
    {
        public static readonly Remote None = new([], false, null);
    }

    /// <summary>One event of the answer: a local row, or another node's JSON.</summary>
    public readonly record struct Item(long Timestamp, ReadOnlyMemory<byte> Row, byte[]? Json);

    public static async Task<Remote> ReadAsync(HttpContext context, string traceId, long maxBytes)
    {
        if (context.RequestServices.GetService<RedisTraceReader>() is not { } reader)
        {
            return Remote.None;
        }

        try
        {
            var (events, truncated) = await reader.ReadAsync(traceId, maxBytes, context.RequestAborted);
            return new Remote(events, truncated, "ok");
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            return new Remote([], false, "unavailable");
        }
    }

    public static List<Item> Merge(IReadOnlyList<EventRow> local, Remote shared)
    {
        var items = new List<Item>(local.Count + shared.Events.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in local)
        {
            var span = row.Bytes.Span;
            if (RowReader.TryGetString(span, FieldTag.Id, out var id))
            {
                ids.Add(System.Text.Encoding.UTF8.GetString(id));
            }

            items.Add(new Item(row.Timestamp, row.Bytes, null));
        }

        foreach (var remote in shared.Events)
        {
            // Ids are unique per event; one without an id cannot be matched, so it is shown (a copy of our own would have one).
            if (remote.Id is null || ids.Add(remote.Id))
            {
                items.Add(new Item(remote.Timestamp, default, remote.Json));
            }
        }

        if (shared.Events.Count > 0)
        {
            items.Sort((a, b) => a.Timestamp.CompareTo(b.Timestamp));
        }

        return items;
    }
}
