using System.Buffers;
using System.Text.Json;
using Sluice.Core.Errors;

namespace Sluice.Ingest.Protocols;

/// <summary>
/// A protocol body turned into native events, one NDJSON line per record that could be read, so that every
/// protocol goes through the same parser, guards and admission as native ingest. Keeps which record each line came
/// from, so per-event answers name the protocol's own record index, and the records it could not read.
/// </summary>
public sealed class Translation : IDisposable
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly List<int> _recordOfLine = [];

    public Translation() => Writer = new Utf8JsonWriter(_output, new JsonWriterOptions { SkipValidation = true });

    /// <summary>Where the translator writes each event object (call <see cref="EndEvent"/> after each).</summary>
    public Utf8JsonWriter Writer { get; }

    /// <summary>The native NDJSON written so far.</summary>
    public ReadOnlyMemory<byte> Ndjson
    {
        get
        {
            Writer.Flush();
            return _output.WrittenMemory;
        }
    }

    /// <summary>Records in the protocol body, read or not.</summary>
    public int Records { get; set; }

    public int Lines => _recordOfLine.Count;

    /// <summary>Records refused while translating, by record index.</summary>
    public List<Rejection> Rejected { get; } = [];

    /// <summary>Set when the body as a whole cannot be read; nothing of it is stored.</summary>
    public FieldError? Fatal { get; set; }

    /// <summary>Protocol state the reply needs (e.g. each bulk item's action, index and id).</summary>
    public object? State { get; set; }

    /// <summary>Ends the event object just written for record <paramref name="record"/>.</summary>
    public void EndEvent(int record)
    {
        Writer.Flush();
        _output.Write("\n"u8);
        Writer.Reset(_output);
        _recordOfLine.Add(record);
    }

    /// <summary>Parses a whole JSON body, or sets <see cref="Fatal"/> (not UTF-8, not JSON) and returns null.</summary>
    public JsonDocument? ParseJsonBody(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            Fatal = new FieldError(ErrorCodes.InvalidUtf8, null, "the body is not valid UTF-8");
            return null;
        }

        try
        {
            return JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            Fatal = new FieldError(ErrorCodes.MalformedJson, null, "the body is not valid JSON: " + e.Message);
            return null;
        }
    }

    public void Reject(int record, FieldError error) => Rejected.Add(new Rejection(record, error));

    public int RecordOf(int line) => (uint)line < (uint)_recordOfLine.Count ? _recordOfLine[line] : line;

    public void Dispose() => Writer.Dispose();
}
