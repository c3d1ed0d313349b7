using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Memory;
using Sluice.Core.Options;

namespace Sluice.Ingest.Json;

/// <summary>
/// Frames a request body into events: a single object, an array, NDJSON, or the <c>{"logs":[…]}</c> envelope.
/// In NDJSON a malformed line refuses only that line; in an array a syntax error refuses the whole request,
/// because nothing after it can be trusted.
/// </summary>
public static class EventBodyParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256, CommentHandling = JsonCommentHandling.Disallow };

    public static BodyParseResult Parse(ReadOnlySpan<byte> body, BodyShape shape, EventParser parser, EventBatchBuilder batch, in ParseContext context, IngestLimits limits)
    {
        var result = new BodyParseResult();
        body = TrimStart(body);
        if (body.IsEmpty)
        {
            return Fail(result, batch, new FieldError(ErrorCodes.EmptyBatch, null, "the request has no events"));
        }

        try
        {
            switch (shape)
            {
                case BodyShape.SingleObject:
                    if (body[0] != (byte)'{')
                    {
                        return Fail(result, batch, new FieldError(ErrorCodes.ExpectedObject, null, "this endpoint takes one JSON object"));
                    }

                    ParseSingle(body, parser, batch, context, result);
                    break;
                case BodyShape.LogsEnvelope:
                    ParseEnvelope(body, parser, batch, context, limits, result);
                    break;
                default:
                    if (body[0] == (byte)'[')
                    {
                        // An array is one value: a syntax error anywhere in it refuses the request.
                        ParseArray(body, parser, batch, context, limits, result);
                    }
                    else if (IsSingleObject(body))
                    {
                        ParseSingle(body, parser, batch, context, result);
                    }
                    else if (HasSeveralLines(body))
                    {
                        // Several lines that are not one JSON value: NDJSON, where each line is judged alone.
                        ParseNdjson(body, parser, batch, context, limits, result);
                    }
                    else
                    {
                        return Fail(result, batch, new FieldError(ErrorCodes.MalformedJson, null, "expected a JSON object, an array of objects, or NDJSON"));
                    }

                    break;
            }
        }
        catch (JsonException e)
        {
            return Fail(result, batch, JsonErrorText.Error(body, e, ReaderOptions.MaxDepth));
        }
        catch (InvalidOperationException e) when (JsonErrorText.IsInvalidText(e))
        {
            // Readers of escaped text throw on a lone surrogate; every known place catches it, this is the last net.
            return Fail(result, batch, new FieldError(ErrorCodes.InvalidUtf8, null, "the body holds text that is not valid Unicode (a lone surrogate escape)"));
        }
        catch (MemoryBudgetExceededException)
        {
            // The rows outgrew what the request could take from the budget of events waiting for the log.
            Fail(result, batch, MemoryRefusals.Unflushed);
            result.FatalStatus = 503;
            return result;
        }

        if (result.Fatal is null && result.Total == 0)
        {
            return Fail(result, batch, new FieldError(ErrorCodes.EmptyBatch, null, "the request has no events"));
        }

        return result;
    }

    private static void ParseSingle(ReadOnlySpan<byte> body, EventParser parser, EventBatchBuilder batch, in ParseContext context, BodyParseResult result)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        Consume(body, ref reader, parser, batch, context, result, 0);
        EnsureEnd(ref reader);
    }

    private static void ParseArray(ReadOnlySpan<byte> body, EventParser parser, EventBatchBuilder batch, in ParseContext context, IngestLimits limits, BodyParseResult result)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        ReadArrayElements(body, ref reader, parser, batch, context, limits, result);
        if (result.Fatal is null)
        {
            EnsureEnd(ref reader);
        }
    }

    private static void ParseEnvelope(ReadOnlySpan<byte> body, EventParser parser, EventBatchBuilder batch, in ParseContext context, IngestLimits limits, BodyParseResult result)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            Fail(result, batch, new FieldError(ErrorCodes.ExpectedObject, "logs", "this endpoint takes {\"logs\": [ … ]}"));
            return;
        }

        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isLogs = JsonValues.TextEquals(ref reader, "logs"u8);
            reader.Read();
            if (isLogs && reader.TokenType == JsonTokenType.StartArray && !found)
            {
                found = true;
                ReadArrayElements(body, ref reader, parser, batch, context, limits, result);
                if (result.Fatal is not null)
                {
                    return;
                }
            }
            else if (isLogs)
            {
                Fail(result, batch, new FieldError(ErrorCodes.InvalidType, "logs", "'logs' must be an array of event objects"));
                return;
            }
            else
            {
                reader.Skip();
            }
        }

        EnsureEnd(ref reader);
        if (!found)
        {
            Fail(result, batch, new FieldError(ErrorCodes.MissingField, "logs", "the body needs a 'logs' array"));
        }
    }

    private static void ReadArrayElements(ReadOnlySpan<byte> body, ref Utf8JsonReader reader, EventParser parser, EventBatchBuilder batch, in ParseContext context, IngestLimits limits, BodyParseResult result)
    {
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (index >= limits.MaxEventsPerRequest)
            {
                TooMany(result, batch, limits);
                return;
            }

            Consume(body, ref reader, parser, batch, context, result, index++);
            if (OverBudget(result, batch))
            {
                return;
            }
        }
    }

    private static void ParseNdjson(ReadOnlySpan<byte> body, EventParser parser, EventBatchBuilder batch, in ParseContext context, IngestLimits limits, BodyParseResult result)
    {
        var index = 0;
        while (!body.IsEmpty)
        {
            var newline = body.IndexOf((byte)'\n');
            var line = newline >= 0 ? body[..newline] : body;
            body = newline >= 0 ? body[(newline + 1)..] : [];
            line = line.Trim(" \t\r"u8);
            if (line.IsEmpty)
            {
                continue;
            }

            if (index >= limits.MaxEventsPerRequest)
            {
                TooMany(result, batch, limits);
                return;
            }

            if (JsonErrorText.CannotStartValue(line))
            {
                result.Total = index + 1;
                result.Reject(index++, new FieldError(ErrorCodes.MalformedJson, null, "line is not valid JSON: invalid JSON at line 1, byte 1"));
                continue;
            }

            var mark = batch.Mark();
            var acceptedBefore = result.Accepted;
            try
            {
                var reader = new Utf8JsonReader(line, ReaderOptions);
                reader.Read();
                Consume(line, ref reader, parser, batch, context, result, index);
                EnsureEnd(ref reader);
                if (OverBudget(result, batch))
                {
                    return;
                }
            }
            catch (JsonException e)
            {
                // The line may have yielded a row before its trailing bytes failed: take it back.
                batch.Rewind(mark);
                result.Accepted = acceptedBefore;
                result.Total = Math.Max(result.Total, index + 1);
                if (result.Rejections is { Count: > 0 } list && list[^1].Index == index)
                {
                    list.RemoveAt(list.Count - 1);
                }

                result.Reject(index, JsonErrorText.Error(line, e, ReaderOptions.MaxDepth, "line is not valid JSON: "));
            }

            index++;
        }
    }

    /// <summary>Parses one array element or line, counting it as accepted or rejected.</summary>
    private static void Consume(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, EventParser parser, EventBatchBuilder batch, in ParseContext context, BodyParseResult result, int index)
    {
        result.Total = index + 1;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                reader.Skip();
            }

            result.Reject(index, new FieldError(ErrorCodes.ExpectedObject, null, "each event must be a JSON object"));
            return;
        }

        var start = (int)reader.TokenStartIndex;
        var error = parser.ParseObject(json, ref reader, batch, context);
        if (error is { } refused)
        {
            result.Reject(index, refused);
        }
        else
        {
            result.Accepted++;
            batch.AnnotateLast(index, ContentHash(json[start..(int)reader.BytesConsumed], batch.OriginOf(batch.Count - 1).Flags, context));
        }
    }

    /// <summary>
    /// The content key of an event that names no id but its own time: a retry resends the same bytes, so the
    /// duplicate filter can recognise it (<see cref="RowOrigin.ContentHash"/>). Events without a timestamp get none:
    /// two identical lines then may well be two real events.
    /// </summary>
    private static ulong ContentHash(ReadOnlySpan<byte> eventJson, RowFlags flags, in ParseContext context) =>
        (flags & (RowFlags.ClientId | RowFlags.ClientTimestamp)) == RowFlags.ClientTimestamp
            ? System.IO.Hashing.XxHash3.HashToUInt64(eventJson, seed: 1 + (long)context.DefaultKind) | 1
            : 0;

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        // With a single top-level value, reading past it either ends cleanly or throws on trailing bytes.
        if (reader.Read())
        {
            throw new JsonException($"unexpected content after the JSON value at byte {reader.TokenStartIndex}");
        }
    }

    /// <summary>True when the body is exactly one JSON object (then its syntax errors refuse it whole).</summary>
    private static bool IsSingleObject(ReadOnlySpan<byte> body)
    {
        if (body[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            reader.Read();
            reader.Skip();
            return TrimStart(body[(int)reader.BytesConsumed..]).IsEmpty;
        }
        catch (JsonException)
        {
            // A broken value on a single line is still "one value": the caller's parse reports where it broke.
            return !HasSeveralLines(body);
        }
    }

    private static bool HasSeveralLines(ReadOnlySpan<byte> body)
    {
        var newline = body.IndexOf((byte)'\n');
        return newline >= 0 && !TrimStart(body[(newline + 1)..]).IsEmpty;
    }

    /// <summary>
    /// Flattening can make rows far larger than their JSON, so the batch is checked after every event: it must
    /// fit one WAL record, and stopping early keeps a hostile body from growing the buffer for long.
    /// </summary>
    private static bool OverBudget(BodyParseResult result, EventBatchBuilder batch)
    {
        if (batch.RowBytes <= RowLayout.MaxBatchBytes)
        {
            return false;
        }

        Fail(result, batch, new FieldError(ErrorCodes.BodyTooLarge, null, $"the events of this request encode to more than {RowLayout.MaxBatchBytes} bytes; send smaller batches"));
        result.FatalStatus = 413;
        return true;
    }

    private static void TooMany(BodyParseResult result, EventBatchBuilder batch, IngestLimits limits)
    {
        Fail(result, batch, new FieldError(ErrorCodes.TooManyEvents, null, $"a request may carry at most {limits.MaxEventsPerRequest} events"));
        result.FatalStatus = 413;
    }

    private static BodyParseResult Fail(BodyParseResult result, EventBatchBuilder batch, FieldError error)
    {
        batch.Clear();
        result.Accepted = 0;
        result.Rejections = null;
        result.Fatal = error;
        return result;
    }

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> span)
    {
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        return span.TrimStart(" \t\r\n"u8);
    }
}
