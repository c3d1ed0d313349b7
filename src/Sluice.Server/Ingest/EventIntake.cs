using System.Diagnostics;
using Sluice.Admission;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Core.Privacy;
using Sluice.Core.Time;
using Sluice.Ingest;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Server.Metrics;
using Sluice.Storage;
using Sluice.Storage.Wal;

namespace Sluice.Server.Ingest;

/// <summary>
/// parse → admit → log for a body of native events, whoever received it (HTTP endpoints, protocol translators,
/// syslog): parsed straight into one pooled batch of rows, admitted (duplicates, quotas), appended to the WAL as one
/// record, and reported once durable. Nothing of a request is stored unless the whole request got that far.
/// The rows are drawn from a lease on the budget of events waiting for the log (<c>Memory:MaxUnflushedMb</c>);
/// what the request held to get here (body, translation) from its caller's lease on the request budget.
/// </summary>
public sealed class EventIntake(SluiceOptions options, EventStore store, IIpHasher ipHasher, EventIdGenerator ids, IClock clock, ServerMetrics metrics, IngestMemory memory, BatchAdmission admission, StoredRows stored, IPatternNamer? patterns = null)
{
    public BatchAdmission Admission => admission;

    public IClock Clock => clock;

    /// <summary>How long a request may wait for room in the ingest budget.</summary>
    public TimeSpan MemoryWait => TimeSpan.FromMilliseconds(options.Memory.WaitMs);

    /// <summary>
    /// A lease on the request budget (<c>Memory:MaxRequestMb</c>) with room for <paramref name="bytes"/> (the body
    /// about to be read), waiting up to <c>Memory:WaitMs</c>; null when there was no room, which the caller answers
    /// with 503 <c>memory_full</c>.
    /// </summary>
    public ValueTask<MemoryLease?> LeaseAsync(long bytes, CancellationToken cancel) => memory.Requests.ReserveAsync(bytes, MemoryWait, cancel);

    /// <param name="body">Native events: an object, an array, NDJSON or the logs envelope, as <paramref name="shape"/> says.</param>
    /// <param name="translation">For a protocol body translated into native NDJSON: which record each line came from, and the records it refused.</param>
    public async Task<IngestOutcome> StoreAsync(ReadOnlyMemory<byte> body, BodyShape shape, ParseContext context, RequestIdentity who, string endpoint, Translation? translation, CancellationToken cancel)
    {
        if (store.IsRecovering)
        {
            Count(endpoint, ErrorCodes.Recovering, 1);
            return IngestOutcome.Failed(503, new FieldError(ErrorCodes.Recovering, null, "the server is recovering its log; retry shortly"), 1);
        }

        // Room for the encoded rows (about as large as the body) and for admission's copy of them, set aside while
        // waiting is still possible; the builder draws from it, and past it only from what the budget has free.
        var rowRoom = body.Length + 4096L;
        using var unflushed = await memory.Unflushed.ReserveAsync(2 * rowRoom, MemoryWait, cancel);
        if (unflushed is null)
        {
            Count(endpoint, ErrorCodes.MemoryFull, 1);
            return IngestOutcome.Failed(503, MemoryRefusals.Unflushed, 1);
        }

        using var batch = new EventBatchBuilder((int)rowRoom, unflushed);
        var total = translation?.Records ?? 0;
        BodyParseResult result;
        if (translation is { Lines: 0 })
        {
            result = new BodyParseResult();
        }
        else
        {
            using var parser = new EventParser(options.Limits, ipHasher, ids, patterns);
            result = EventBodyParser.Parse(body.Span, shape, parser, batch, context, options.Limits);
            if (result.Fatal is { } fatal)
            {
                Count(endpoint, fatal.Code, 1);
                return IngestOutcome.Failed(result.FatalStatus, fatal);
            }
        }

        total = translation is null ? result.Total : total;
        var rejections = Merge(translation, result.Rejections, null);
        if (result.Accepted == 0)
        {
            // Every event was refused: one event answers with its own error, a batch with the list.
            CountAll(endpoint, rejections);
            return IngestOutcome.Failed(400, total == 1 && rejections.Count == 1
                ? rejections[0].Error
                : new FieldError(ErrorCodes.AllEventsRejected, null, $"none of the {total} events was accepted; see 'rejected'"), 0, total, rejections);
        }

        var appending = Stopwatch.GetTimestamp();
        using var room = await store.ReserveAsync(batch.RowBytes, TimeSpan.FromMilliseconds(options.Storage.IngestWaitMs), cancel);
        if (room is null)
        {
            Count(endpoint, ErrorCodes.StorageBehind, 1);
            return IngestOutcome.Failed(503, new FieldError(ErrorCodes.StorageBehind, null,
                "events are arriving faster than they can be sealed into partitions; nothing of this request was stored, retry shortly"), 2);
        }

        using var admitted = await admission.AdmitAsync(batch, who, clock.UnixMilliseconds, TimeSpan.FromMilliseconds(options.Storage.IngestWaitMs), cancel);
        if (admitted is null)
        {
            Count(endpoint, ErrorCodes.RetryInFlight, 1);
            return IngestOutcome.Failed(503, new FieldError(ErrorCodes.RetryInFlight, null, "another request is still storing some of these events; retry shortly"), 1);
        }

        if (admitted.Duplicates > 0)
        {
            metrics.Deduplicated.Add(admitted.Duplicates, endpoint);
        }

        rejections = Merge(translation, result.Rejections, admitted.Refused);
        CountAll(endpoint, rejections);
        var firstTrace = FirstString(batch, FieldTag.TraceId);
        var rows = admitted.Rows;
        if (rows.Count == 0 && admitted.Refused.Count == result.Accepted)
        {
            // Every parsed event was refused by a quota.
            var first = admitted.Refused[0].Error;
            return IngestOutcome.Failed(429, total == 1 ? first
                : new FieldError(ErrorCodes.QuotaExceeded, first.Field, $"every event was refused by a quota ({first.Message}); see 'rejected'"),
                admitted.RetryAfterSeconds, total, rejections, firstTrace) with { RemainingQuota = 0 };
        }

        try
        {
            if (rows.Count > 0)
            {
                if (admitted.HasWeights)
                {
                    store.NoteWeightedEvents(); // before the append: no count may miss a weight
                }

                await store.AppendAsync(rows.Rows, rows.Count);
                stored.Publish(rows.Rows.Span, rows.Count);
            }

            metrics.WalWait.Observe(Stopwatch.GetElapsedTime(appending).TotalSeconds);
        }
        catch (WalUnavailableException e)
        {
            Count(endpoint, ErrorCodes.StorageUnavailable, 1);
            return IngestOutcome.Failed(503, new FieldError(ErrorCodes.StorageUnavailable, null, "the event log cannot take writes: " + e.Message), 5);
        }

        admitted.Commit();
        var accepted = result.Accepted - admitted.Refused.Count;
        metrics.EventsAccepted.Add(accepted, endpoint);
        return new IngestOutcome
        {
            Total = total,
            Accepted = accepted,
            Rejections = rejections,
            Duplicates = admitted.Duplicates,
            SampledOut = admitted.SampledOut,
            RemainingQuota = admitted.Remaining,
            RetryAfterSeconds = admitted.Refused.Count > 0 ? admitted.RetryAfterSeconds : 0,
            FirstTraceId = firstTrace,
            FirstId = FirstString(batch, FieldTag.Id),
        };
    }

    /// <summary>Translation, parse and quota refusals, each by the index of its record in the request, in order.</summary>
    private static List<Rejection> Merge(Translation? translation, List<Rejection>? parsed, List<(int Index, FieldError Error)>? refused)
    {
        var all = new List<Rejection>(translation?.Rejected ?? []);
        foreach (var r in parsed ?? [])
        {
            all.Add(r with { Index = translation?.RecordOf(r.Index) ?? r.Index });
        }

        foreach (var (index, error) in refused ?? [])
        {
            all.Add(new Rejection(translation?.RecordOf(index) ?? index, error));
        }

        all.Sort((a, b) => a.Index.CompareTo(b.Index));
        return all;
    }

    private void CountAll(string endpoint, List<Rejection> rejections)
    {
        foreach (var r in rejections)
        {
            metrics.EventsRejected.Add(1, endpoint, r.Error.Code);
        }
    }

    private void Count(string endpoint, string code, int n) => metrics.EventsRejected.Add(n, endpoint, code);

    private static string? FirstString(EventBatchBuilder batch, FieldTag tag) =>
        batch.Count > 0 && RowReader.TryGetString(batch.Rows.Span, tag, out var value) ? System.Text.Encoding.UTF8.GetString(value) : null;
}
