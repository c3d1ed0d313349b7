using Sluice.Admission;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Query;
using Sluice.Server.Ingest;

namespace Sluice.Server.Import;

/// <summary>
/// Imports records in batches: each record read as an event (CLEF translated first), the batch's ids looked up in
/// the store (<see cref="StoredIds"/>), and what is new stored through the normal path (parse → admit → WAL),
/// acknowledged only once durable. Imports are not sampled and not counted against quotas (they replay history).
/// A batch the server cannot take (memory, storage behind or down) ends the import with its status; everything
/// before it is stored, and a rerun skips it.
/// </summary>
internal sealed class ImportSession(SluiceOptions options, EventIntake intake, IQueryEngine engine, RequestIdentity who, ImportFormat format)
{
    public const string Endpoint = "/api/v1/import";

    /// <summary>Events per batch; a batch is also cut at <see cref="BatchBytes"/>.</summary>
    public const int BatchEvents = 1000;

    public const int BatchBytes = 4 * 1024 * 1024;

    private readonly List<ImportEvent> _batch = [];
    private readonly HashSet<string> _batchIds = new(StringComparer.Ordinal);
    private long _batchBytes;

    public ImportReport Report { get; } = new();

    /// <summary>Set when a batch could not be stored: the status and error that end the import.</summary>
    public (int Status, FieldError Error)? Failure { get; private set; }

    public async Task RunAsync(IAsyncEnumerable<ImportRecord> records, CancellationToken cancel)
    {
        await foreach (var record in records.WithCancellation(cancel))
        {
            Report.Lines = Math.Max(Report.Lines, record.Line);
            if (Read(record) is { } ev)
            {
                if (!_batchIds.Add(ev.Id))
                {
                    Report.AlreadyPresent++; // the same id twice in one batch: stored once
                    continue;
                }

                _batch.Add(ev);
                _batchBytes += ev.Json.Length + 1;
                if ((_batch.Count >= BatchEvents || _batchBytes >= BatchBytes) && !await FlushAsync(cancel))
                {
                    return;
                }
            }
        }

        await FlushAsync(cancel);
    }

    private ImportEvent? Read(ImportRecord record)
    {
        if (record.Error is { } error)
        {
            Report.Refuse(record.Line, error);
            return null;
        }

        var json = record.Json!;
        if (format == ImportFormat.Clef)
        {
            using var translation = ClefTranslator.TranslateClef(json, options.Limits);
            if ((translation.Fatal ?? (translation.Rejected.Count > 0 ? translation.Rejected[0].Error : null)) is { } refused)
            {
                Report.Refuse(record.Line, refused);
                return null;
            }

            json = translation.Ndjson.Span.TrimEnd("\n"u8).ToArray();
        }

        var ev = ImportEvent.TryRead(record.Line, json, options.Limits.MaxJsonDepth, out var bad);
        if (ev is null)
        {
            Report.Refuse(record.Line, bad);
        }

        return ev;
    }

    private async Task<bool> FlushAsync(CancellationToken cancel)
    {
        if (_batch.Count == 0)
        {
            return true;
        }

        var present = StoredIds.Find(engine, options.Query, _batch, cancel);
        var fresh = _batch.Where(e => !present.Contains(e.Id)).ToList();
        Report.AlreadyPresent += _batch.Count - fresh.Count;
        _batch.Clear();
        _batchIds.Clear();
        _batchBytes = 0;
        if (fresh.Count == 0)
        {
            return true;
        }

        var body = new byte[fresh.Sum(e => e.Json.Length + 1)];
        var at = 0;
        foreach (var ev in fresh)
        {
            ev.Json.CopyTo(body, at);
            at += ev.Json.Length;
            body[at++] = (byte)'\n';
        }

        var context = new ParseContext(EventKind.Log, intake.Clock.UnixMilliseconds);
        var outcome = await intake.StoreAsync(body, BodyShape.Auto, context, who, Endpoint, null, cancel);
        foreach (var rejection in outcome.Rejections)
        {
            Report.Refuse(fresh[rejection.Index].Line, rejection.Error);
        }

        if (outcome.Status != 200 && outcome.Rejections.Count == 0)
        {
            Failure = (outcome.Status, outcome.Error ?? new FieldError(ErrorCodes.Internal, null, "the batch could not be stored"));
            return false;
        }

        Report.Stored += outcome.Accepted - outcome.Duplicates - outcome.SampledOut;
        Report.AlreadyPresent += outcome.Duplicates;
        return true;
    }
}
