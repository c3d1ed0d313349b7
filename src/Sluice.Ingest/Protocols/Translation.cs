using System.Buffers;
using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// A protocol body turned into native events, one NDJSON line per record that could be read, so that every
/// protocol goes through the same parser, guards and admission as native ingest. Keeps which record each line came
/// from, so per-event answers name the protocol's own record index, and the records it could not read.
/// <para>
/// Each record is written to a scratch buffer and joins the output only at <see cref="EndEvent"/>, so a record that
/// fails half-way (<see cref="AbandonEvent"/>) leaves nothing behind. The output is bounded as it grows — at most
/// <see cref="IngestLimits.MaxEventsPerRequest"/> records, and NDJSON of at most <see cref="ExpansionFactor"/> times
/// the input plus 1 MiB, never more than four times <see cref="IngestLimits.MaxBodyBytes"/> — because a protocol can
/// repeat much per record (Loki's labels, OTLP's resource attributes, a message template's holes) and the native
/// guards only see the translation once it exists. The bound holds while a record is written, too: the
/// scratch buffer cannot grow past what the output may still take, and every growth of either buffer is taken
/// from the request's <see cref="MemoryLease"/> first (<see cref="Run{TInput}"/> turns a refusal into 413 or 503).
/// </para>
/// </summary>
public sealed class Translation : IDisposable
{
    private readonly LeasedBufferWriter _output;
    private readonly LeasedBufferWriter _scratch;
    private readonly List<int> _recordOfLine = [];
    private readonly MemoryLease _lease;
    private long _documentBytes;
    private readonly int _maxRecords;
    private long _maxBytes;

    /// <summary>
    /// How many times its input a translation may grow (plus 1 MiB): a Kubernetes resource of 30 attributes repeated
    /// on records of 50 bytes is about 30 times; 64 leaves room and still keeps a small request's work small.
    /// </summary>
    public const int ExpansionFactor = 64;

    private Translation(long inputBytes, IngestLimits limits, MemoryLease lease)
    {
        Limits = limits;
        _lease = lease;
        _maxRecords = limits.MaxEventsPerRequest;
        _maxBytes = Bound(inputBytes);
        _output = new LeasedBufferWriter(4096, lease) { Cap = _maxBytes };
        _scratch = new LeasedBufferWriter(1024, lease) { Cap = _maxBytes };
        Writer = new Utf8JsonWriter(_scratch, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>
    /// Translates <paramref name="input"/> with <paramref name="translate"/>, whose buffers grow only within the
    /// limits and <paramref name="lease"/> (none: unbounded by memory). Output that would pass the limits refuses
    /// the body with 413, output the lease cannot take with 503 <c>memory_full</c>; nothing of it is stored.
    /// </summary>
    /// <param name="inputBytes">The size of the input, which bounds the output (<see cref="ExpansionFactor"/>).</param>
    public static Translation Run<TInput>(TInput input, long inputBytes, IngestLimits limits, MemoryLease? lease, Action<TInput, Translation> translate)
        where TInput : allows ref struct
    {
        var translation = new Translation(inputBytes, limits, lease ?? MemoryLease.Unbounded);
        try
        {
            translate(input, translation);
            translation.ReleaseDocument();
        }
        catch (InvalidOperationException e) when (JsonErrorText.IsInvalidText(e))
        {
            // Text with a lone surrogate escape outside any one record (a property name of the envelope, say):
            // records catch their own; this is the body as a whole.
            translation.AbandonEvent();
            translation.Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, "the body holds text that is not valid Unicode (a lone surrogate escape)");
        }
        catch (OutputTooLargeException)
        {
            translation.AbandonEvent();
            translation.RefuseTooLarge(translation.TooLarge());
        }
        catch (MemoryBudgetExceededException)
        {
            translation.AbandonEvent();
            translation.Fatal = MemoryRefusals.Requests;
            translation.FatalStatus = 503;
        }

        return translation;
    }

    public IngestLimits Limits { get; }

    /// <summary>Bytes the output may still grow by: a translator that expands text (a template) stops there.</summary>
    public long Remaining => Math.Max(0, _maxBytes - _output.WrittenCount);

    /// <summary>Where the translator writes the current event object (then <see cref="EndEvent"/> or <see cref="AbandonEvent"/>).</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>The native NDJSON of the events ended so far.</summary>
    public ReadOnlyMemory<byte> Ndjson => _output.WrittenMemory;

    /// <summary>Records in the protocol body, read or not.</summary>
    public int Records { get; set; }

    public int Lines => _recordOfLine.Count;

    /// <summary>Records refused while translating, by record index.</summary>
    public List<Rejection> Rejected { get; } = [];

    /// <summary>Set when the body as a whole cannot be read or is too large; nothing of it is stored. Translators stop at once.</summary>
    public FieldError? Fatal { get; set; }

    /// <summary>The status a <see cref="Fatal"/> error answers with (400, 413 past the limits, 503 past the memory budget).</summary>
    public int FatalStatus { get; private set; } = 400;

    /// <summary>Protocol state the reply needs (e.g. each bulk item's action, index and id).</summary>
    public object? State { get; set; }

    /// <summary>
    /// Counts record <paramref name="record"/> against the limits before it is translated; false (with a 413
    /// <see cref="Fatal"/>) once there are more records than a request may carry.
    /// </summary>
    public bool Admit(int record)
    {
        if (Fatal is not null)
        {
            return false;
        }

        if (record >= _maxRecords)
        {
            RefuseTooLarge(new FieldError(ErrorCodes.TooManyEvents, null, $"a request may carry at most {_maxRecords} events"));
            return false;
        }

        return true;
    }

    /// <summary>Ends the event object just written for record <paramref name="record"/>: it joins the output.</summary>
    public void EndEvent(int record)
    {
        Writer.Flush();
        if (_output.WrittenCount + _scratch.WrittenCount + 1 > _maxBytes)
        {
            RefuseTooLarge(TooLarge());
        }
        else
        {
            _output.Write(_scratch.WrittenSpan);
            _output.Write("\n"u8);
            _recordOfLine.Add(record);
        }

        ResetScratch();
    }

    /// <summary>Drops whatever was written of the current event (it failed half-way).</summary>
    public void AbandonEvent() => ResetScratch();

    public void Reject(int record, FieldError error) => Rejected.Add(new Rejection(record, error));

    /// <summary>
    /// Refuses a record whose JSON holds a lone UTF-16 surrogate (<c>"\ud800"</c>, which JavaScript's
    /// JSON.stringify can produce): System.Text.Json reads it as text only by throwing.
    /// </summary>
    public void RejectUnreadable(int record)
    {
        AbandonEvent();
        Reject(record, new FieldError(ErrorCodes.InvalidUtf8, null, "the record holds text that is not valid Unicode (a lone surrogate escape)"));
    }

    public int RecordOf(int line) => (uint)line < (uint)_recordOfLine.Count ? _recordOfLine[line] : line;

    /// <summary>
    /// Bases the output's bound on <paramref name="inputBytes"/> instead — the input once decompressed, for a
    /// protocol that compresses inside its body (Loki's snappy).
    /// </summary>
    public void AllowFor(long inputBytes)
    {
        _maxBytes = Bound(inputBytes);
        _output.Cap = _maxBytes;
        _scratch.Cap = Math.Max(1, _maxBytes - _output.WrittenCount);
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> from the request's memory lease for a buffer the translator allocates itself
    /// (a decompressed body); throws <see cref="MemoryBudgetExceededException"/> when the budget has no room.
    /// </summary>
    public void Hold(long bytes)
    {
        if (!_lease.TryDraw(bytes))
        {
            throw new MemoryBudgetExceededException(bytes);
        }
    }

    /// <summary>
    /// Parses a whole JSON body, or sets <see cref="Fatal"/> (not UTF-8, not JSON) and returns null. The document
    /// (a copy of the body and 12 bytes per token) is drawn from the lease before it is built — tokens bounded from
    /// above by the separators and openings that introduce them, counted with vectorised scans — and given back when
    /// the translation is done (the translator disposes it by then).
    /// </summary>
    public JsonDocument? ParseJsonBody(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, "the body is not valid UTF-8");
            return null;
        }

        var options = new JsonDocumentOptions { MaxDepth = 64 };
        try
        {
            // Every token but the first follows one of these (a value after ':' or ',', a container's end after its start).
            var tokens = 1 + (2L * (body.Count((byte)',') + body.Count((byte)':') + body.Count((byte)'{') + body.Count((byte)'[')));
            var bytes = body.Length + (12 * tokens);
            Hold(bytes);
            _documentBytes += bytes;
            return JsonDocument.Parse(body.ToArray(), options);
        }
        catch (JsonException e)
        {
            Fatal = JsonErrorText.Error(body, e, options.MaxDepth, "the body is not valid JSON: ");
            return null;
        }
    }

    public void Dispose() => Writer.Dispose();

    /// <summary>Refuses the whole body as too large (413).</summary>
    public void RefuseTooLarge(FieldError error)
    {
        Fatal = error;
        FatalStatus = 413;
    }

    private void ResetScratch()
    {
        Writer.Reset(_scratch);
        _scratch.Clear();
        // One record may take no more than the output can still hold.
        _scratch.Cap = Math.Max(1, _maxBytes - _output.WrittenCount);
    }

    private void ReleaseDocument()
    {
        _lease.Release(_documentBytes);
        _documentBytes = 0;
    }

    private long Bound(long inputBytes) => Math.Min(4L * Limits.MaxBodyBytes, (ExpansionFactor * inputBytes) + (1024 * 1024));

    private FieldError TooLarge() =>
        new(ErrorCodes.BodyTooLarge, null, $"the events of this request translate to more than {_maxBytes} bytes; send smaller batches");
}
