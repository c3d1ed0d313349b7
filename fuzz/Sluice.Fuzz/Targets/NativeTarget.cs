using System.Text;
using Sluice.Admission.Privacy;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;

namespace Sluice.Fuzz.Targets;

/// <summary>
/// Native ingest (JSON object, array, NDJSON, the <c>{"logs":[…]}</c> envelope) through the event parser into rows:
/// every event is either a row or a refusal, and every row reads back.
/// </summary>
public sealed class NativeTarget : FuzzTarget
{
    internal static readonly IngestLimits Limits = new();

    private static readonly KeyedIpHasher Hasher = new([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    public override string Name => "native";

    public override IReadOnlyList<byte[]> Seeds { get; } = [.. new[]
    {
        """{"message":"checkout failed","level":"error","service":"checkout","ip":"203.0.113.7","timestamp":"2026-01-01T00:00:00Z"}""",
        """[{"message":"a","attributes":{"http":{"status":500,"path":"/x"}}},{"kind":"traffic","decision":"block","risk":80,"country":"DE","ip":"2001:db8::1"}]""",
        "{\"message\":\"one\",\"id\":\"x1\",\"trace_id\":\"t\"}\n{\"message\":\"two\",\"severity\":17,\"tags\":[1,2]}\n{\"msg\":\"three\",\"message\":\"m\",\"gclid\":\"g\"}\n",
        """{"logs":[{"message":"enveloped","user":{"remote_ip":"10.0.0.1","name":"n"}}]}""",
        """{"message":"\u00e9\ud83d\ude00 escaped \"quote\"","level":30,"timestamp":1767225600000,"priority":3}""",
    }.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Rows (about twice their JSON), refusals, and a JSON reader's exception for each broken line.</summary>
    public override long AllocationBound(byte[] input) => (64L * input.Length) + (8L * 1024 * Lines(input)) + (4L * 1024 * 1024);

    public override void Run(byte[] input)
    {
        Parse(input, BodyShape.Auto);
        Parse(input, BodyShape.LogsEnvelope);
    }

    /// <summary>Parses native events and checks what came out; shared by the protocol targets for their translations.</summary>
    internal static BodyParseResult Parse(ReadOnlySpan<byte> body, BodyShape shape)
    {
        using var batch = new EventBatchBuilder(body.Length + 256);
        using var parser = new EventParser(Limits, Hasher, new EventIdGenerator());
        var result = EventBodyParser.Parse(body, shape, parser, batch, new ParseContext(EventKind.Log, 1_767_225_600_000), Limits);
        if (result.Fatal is not null)
        {
            Check(batch.Count == 0, "a refused body left rows");
            return result;
        }

        var refused = result.Rejections?.Count ?? 0;
        Check(result.Accepted + refused == result.Total, $"{result.Total} events became {result.Accepted} rows and {refused} refusals");
        Check(batch.Count == result.Accepted, $"{result.Accepted} accepted but {batch.Count} rows");
        var rows = batch.Rows.Span;
        var read = 0;
        while (!rows.IsEmpty)
        {
            var length = RowLayout.ReadLength(rows);
            Check(length >= RowLayout.HeaderSize && length <= rows.Length && length <= RowLayout.MaxRowBytes, "a row's length is out of bounds");
            var reader = new RowReader(rows[..length]);
            while (reader.MoveNext())
            {
                Check(reader.Tag != FieldTag.Attribute || reader.Value.IndexOf((byte)0) < 0, "a row holds NUL");
            }

            rows = rows[length..];
            read++;
        }

        Check(read == batch.Count, "rows do not read back");
        return result;
    }

    internal static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new FuzzFailure(message);
        }
    }
}
