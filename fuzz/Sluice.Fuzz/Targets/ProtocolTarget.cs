using System.Text;
using Google.Protobuf;
using Sluice.Core.Errors;
using Sluice.Core.Memory;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Otlp = Sluice.Ingest.Protocols.Otlp;
using Loki = Sluice.Ingest.Protocols.Loki;

namespace Sluice.Fuzz.Targets;

/// <summary>
/// A standard protocol's reader: the body is translated into native NDJSON within its limits and memory lease, and
/// the translation is itself valid native input — every line a JSON object the event parser reads.
/// </summary>
public sealed class ProtocolTarget(string name) : FuzzTarget
{
    public static readonly string[] Names = ["clef", "seq-envelope", "otlp-protobuf", "otlp-json", "loki-json", "loki-protobuf", "bulk", "syslog"];

    public override string Name => name;

    public override IReadOnlyList<byte[]> Seeds { get; } = SeedsOf(name);

    /// <summary>
    /// A translation may be 64 times its input plus 1 MiB (Translation.ExpansionFactor): its buffers, the JSON
    /// document of a body, the rows parsed from the translation, and a reader's exception per broken line.
    /// </summary>
    public override long AllocationBound(byte[] input) => (512L * input.Length) + (8L * 1024 * Lines(input)) + (24L * 1024 * 1024);

    public override void Run(byte[] input)
    {
        var budget = new MemoryBudget(256L * 1024 * 1024);
        using var lease = budget.ReserveAsync(0, TimeSpan.Zero, default).AsTask().GetAwaiter().GetResult()!;
        using var translation = Translate(input, lease);
        NativeTarget.Check(translation.Fatal is not null || translation.Lines <= translation.Records, $"{translation.Lines} lines from {translation.Records} records");
        NativeTarget.Check(translation.Ndjson.Length <= 4L * NativeTarget.Limits.MaxBodyBytes, "the translation passed its bound");
        if (translation.Fatal is not null || translation.Lines == 0)
        {
            return;
        }

        var result = NativeTarget.Parse(translation.Ndjson.Span, BodyShape.Auto);
        NativeTarget.Check(result.Fatal is null || result.Fatal.Value.Code is ErrorCodes.TooManyEvents or ErrorCodes.BodyTooLarge,
            $"the translation is not native input: {result.Fatal?.Code}");
        foreach (var rejection in result.Rejections ?? [])
        {
            NativeTarget.Check(rejection.Error.Code is not (ErrorCodes.MalformedJson or ErrorCodes.ExpectedObject), $"translated line {rejection.Index} is not a JSON object");
        }
    }

    private Translation Translate(byte[] body, MemoryLease lease)
    {
        var limits = NativeTarget.Limits;
        switch (name)
        {
            case "clef": return ClefTranslator.TranslateClef(body, limits, lease);
            case "seq-envelope": return ClefTranslator.TranslateEnvelope(body, limits, lease);
            case "otlp-protobuf": return OtlpTranslator.TranslateProtobuf(body, limits, lease);
            case "otlp-json": return OtlpTranslator.TranslateJson(body, limits, lease);
            case "loki-json": return LokiTranslator.TranslateJson(body, limits, lease);
            case "loki-protobuf": return LokiTranslator.TranslateProtobuf(body, limits, lease);
            case "bulk": return BulkTranslator.Translate(body, "idx", indexAsService: true, limits, lease);
            default:
                // Syslog arrives as a TCP stream: cut it where the input says, as reads would.
                var framer = new SyslogFramer(maxMessageBytes: 64 * 1024);
                var messages = new List<byte[]>();
                var step = 1 + (body.Length == 0 ? 0 : body[0] % 97);
                for (var at = 0; at < body.Length; at += step)
                {
                    messages.AddRange(framer.Push(body.AsSpan(at, Math.Min(step, body.Length - at))));
                }

                if (framer.Finish() is { } last)
                {
                    messages.Add(last);
                }

                NativeTarget.Check(messages.All(m => m.Length <= 64 * 1024), "the framer made a message past its cap");
                return SyslogTranslator.Translate(messages, 2026, limits, lease);
        }
    }

    private static byte[][] SeedsOf(string name) => name switch
    {
        "clef" => Utf8(
            "{\"@t\":\"2026-01-01T00:00:00Z\",\"@mt\":\"User {Name} paid {@Cart}\",\"Name\":\"u\",\"Cart\":{\"Items\":3},\"@l\":\"Warning\",\"@x\":\"boom\"}\n{\"@t\":\"2026-01-01T00:00:01Z\",\"@m\":\"b\",\"@tr\":\"abc\",\"@@odd\":1}\n",
            "{\"@t\":\"2026-01-01T00:00:00Z\",\"@mt\":\"{a}{a}{a}{{literal}}\",\"a\":\"xxxxxxxxxx\"}\n"),
        "seq-envelope" => Utf8(
            "{\"Events\":[{\"Timestamp\":\"2026-01-01T00:00:00Z\",\"Level\":\"Error\",\"MessageTemplate\":\"{A} {B}\",\"Properties\":{\"A\":1,\"B\":{\"c\":2},\"Application\":\"app\"}}]}",
            "{\"Events\":[{\"Timestamp\":\"2026-12-02T00:00:00Z\",\"MessageTemplate\":\"{a}{a}{a}{a}{a}{a}{a}{a}\",\"Properties\":{\"a\":\"zzzzzzzzzzzzzzzzzzzzzzzz\"}}]}"),
        "otlp-protobuf" => [OtlpSample().ToByteArray()],
        "otlp-json" => Utf8(
            "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"s\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"sc\"},\"logRecords\":[{\"timeUnixNano\":\"1767225600000000000\",\"severityNumber\":9,\"body\":{\"stringValue\":\"m\"},\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"attributes\":[{\"key\":\"n\",\"value\":{\"intValue\":\"5\"}},{\"key\":\"l\",\"value\":{\"arrayValue\":{\"values\":[{\"boolValue\":true}]}}}]}]}]}]}"),
        "loki-json" => Utf8(
            "{\"streams\":[{\"stream\":{\"job\":\"a\",\"level\":\"info\",\"host\":\"h\"},\"values\":[[\"1767225600000000000\",\"line\",{\"trace_id\":\"t\"}],[\"1767225600000000001\",\"two\"]]}]}"),
        "loki-protobuf" => [LokiSample()],
        "bulk" => Utf8(
            "{\"index\":{\"_id\":\"1\",\"_index\":\"payments\"}}\n{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"message\":\"m\",\"log\":{\"level\":\"warn\"},\"service\":{\"name\":\"s\"}}\n{\"delete\":{}}\n{\"create\":{}}\n{\"event\":{\"original\":\"o\"}}\n"),
        _ => Utf8(
            "<134>1 2026-01-01T00:00:00Z host app 1 M1 [req@32473 trace=\"abc\"] message one\n",
            "52 <14>1 2026-01-01T00:00:00Z h app - - - counted frame\n<30>Mar  4 05:06:07 web-1 nginx[812]: GET / 200\n"),
    };

    private static byte[][] Utf8(params string[] texts) => [.. texts.Select(Encoding.UTF8.GetBytes)];

    private static Otlp.ExportLogsServiceRequest OtlpSample()
    {
        var record = new Otlp.LogRecord { TimeUnixNano = 1_767_225_600_000_000_000, SeverityNumber = 13, Body = new() { StringValue = "m {a}" }, TraceId = ByteString.CopyFrom(new byte[16]) };
        record.Attributes.Add(new Otlp.KeyValue { Key = "k", Value = new() { IntValue = 5 } });
        record.Attributes.Add(new Otlp.KeyValue { Key = "{OriginalFormat}", Value = new() { StringValue = "m {a}" } });
        var scope = new Otlp.ScopeLogs { Scope = new() { Name = "scope" } };
        scope.LogRecords.Add(record);
        var resource = new Otlp.ResourceLogs { Resource = new() };
        resource.Resource.Attributes.Add(new Otlp.KeyValue { Key = "service.name", Value = new() { StringValue = "svc" } });
        resource.ScopeLogs.Add(scope);
        var request = new Otlp.ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    private static byte[] LokiSample()
    {
        var push = new Loki.PushRequest();
        var stream = new Loki.StreamAdapter { Labels = "{job=\"a\", level=\"warn\"}" };
        stream.Entries.Add(new Loki.EntryAdapter { Line = "l", Timestamp = new() { Seconds = 1_767_225_600 } });
        push.Streams.Add(stream);
        return Snappier.Snappy.CompressToArray(push.ToByteArray());
    }
}
