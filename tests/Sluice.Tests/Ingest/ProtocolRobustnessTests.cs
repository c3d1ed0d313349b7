using System.Text;
using Google.Protobuf;
using Sluice.Admission.Privacy;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;

namespace Sluice.Tests.Ingest;

/// <summary>
/// Every protocol reader on arbitrary bytes and on damaged valid bodies: it never throws, and whatever it
/// produces is native NDJSON the event parser reads without throwing either.
/// </summary>
public sealed class ProtocolRobustnessTests
{
    private const int Cases = 1500;

    internal static readonly IngestLimits Limits = new();

    public static TheoryData<string> Protocols => ["clef", "seq-envelope", "otlp-protobuf", "otlp-json", "loki-json", "loki-protobuf", "bulk", "syslog"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public void Arbitrary_and_damaged_bodies_never_throw(string protocol)
    {
        var random = new Random(protocol.GetHashCode(StringComparison.Ordinal));
        var valid = Sample(protocol);
        for (var i = 0; i < Cases; i++)
        {
            var body = i % 2 == 0 ? RandomBytes(random) : Damage(valid, random);
            using var translation = Translate(protocol, body);
            Assert.True(translation.Fatal is not null || translation.Records >= translation.Lines, $"{protocol} case {i}: more lines than records");
            ParseNative(translation);
        }
    }

    [Fact]
    public void The_syslog_framer_cuts_any_byte_stream_into_bounded_messages()
    {
        var random = new Random(5);
        for (var i = 0; i < Cases; i++)
        {
            var framer = new SyslogFramer(maxMessageBytes: 512);
            var stream = RandomBytes(random, 4096);
            var at = 0;
            while (at < stream.Length)
            {
                var n = random.Next(1, 300);
                foreach (var message in framer.Push(stream.AsSpan(at, Math.Min(n, stream.Length - at))))
                {
                    Assert.InRange(message.Length, 0, 512);
                }

                at += n;
            }

            Assert.True((framer.Finish()?.Length ?? 0) <= 512);
        }
    }

    private static Translation Translate(string protocol, byte[] body) => protocol switch
    {
        "clef" => ClefTranslator.TranslateClef(body, Limits),
        "seq-envelope" => ClefTranslator.TranslateEnvelope(body, Limits),
        "otlp-protobuf" => OtlpTranslator.TranslateProtobuf(body, Limits),
        "otlp-json" => OtlpTranslator.TranslateJson(body, Limits),
        "loki-json" => LokiTranslator.TranslateJson(body, Limits),
        "loki-protobuf" => LokiTranslator.TranslateProtobuf(body, Limits),
        "bulk" => BulkTranslator.Translate(body, "idx", indexAsService: true, Limits),
        _ => SyslogTranslator.Translate([.. body.Chunk(Math.Max(1, body.Length / 3))], 2026, Limits),
    };

    private static void ParseNative(Translation translation)
    {
        if (translation.Fatal is not null || translation.Lines == 0)
        {
            return;
        }

        var limits = new IngestLimits();
        using var batch = new EventBatchBuilder();
        using var parser = new EventParser(limits, new KeyedIpHasher(new byte[32]), new EventIdGenerator());
        var result = EventBodyParser.Parse(translation.Ndjson.Span, BodyShape.Auto, parser, batch, new Sluice.Ingest.Json.ParseContext(EventKind.Log, 1_767_225_600_000), limits);
        Assert.True(result.Fatal is not null || result.Accepted + (result.Rejections?.Count ?? 0) == translation.Lines,
            $"{translation.Lines} lines became {result.Accepted} events and {result.Rejections?.Count ?? 0} rejections");
    }

    private static byte[] Sample(string protocol) => protocol switch
    {
        "clef" => Encoding.UTF8.GetBytes("{\"@t\":\"2026-01-01T00:00:00Z\",\"@mt\":\"Hi {Name}\",\"Name\":\"x\",\"@l\":\"Warning\"}\n{\"@t\":\"2026-01-01T00:00:01Z\",\"@m\":\"b\"}\n"),
        "seq-envelope" => Encoding.UTF8.GetBytes("{\"Events\":[{\"Timestamp\":\"2026-01-01T00:00:00Z\",\"Level\":\"Error\",\"MessageTemplate\":\"{A} {B}\",\"Properties\":{\"A\":1,\"B\":{\"c\":2}}}]}"),
        "otlp-protobuf" => OtlpSample().ToByteArray(),
        "otlp-json" => Encoding.UTF8.GetBytes("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"s\"}}]},\"scopeLogs\":[{\"logRecords\":[{\"timeUnixNano\":\"1767225600000000000\",\"severityNumber\":9,\"body\":{\"stringValue\":\"m\"},\"traceId\":\"5b8efff798038103d269b633813fc60c\"}]}]}]}"),
        "loki-json" => Encoding.UTF8.GetBytes("{\"streams\":[{\"stream\":{\"job\":\"a\",\"level\":\"info\"},\"values\":[[\"1767225600000000000\",\"line\",{\"trace_id\":\"t\"}]]}]}"),
        "loki-protobuf" => LokiSample(),
        "bulk" => Encoding.UTF8.GetBytes("{\"index\":{\"_id\":\"1\"}}\n{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"message\":\"m\",\"log\":{\"level\":\"warn\"}}\n{\"delete\":{}}\n"),
        _ => Encoding.UTF8.GetBytes("<134>1 2026-01-01T00:00:00Z h app 1 M [a b=\"c\"] message"),
    };

    private static Sluice.Ingest.Protocols.Otlp.ExportLogsServiceRequest OtlpSample()
    {
        var record = new Sluice.Ingest.Protocols.Otlp.LogRecord { TimeUnixNano = 1_767_225_600_000_000_000, SeverityNumber = 13, Body = new() { StringValue = "m" }, TraceId = ByteString.CopyFrom(new byte[16]) };
        record.Attributes.Add(new Sluice.Ingest.Protocols.Otlp.KeyValue { Key = "k", Value = new() { IntValue = 5 } });
        var scope = new Sluice.Ingest.Protocols.Otlp.ScopeLogs();
        scope.LogRecords.Add(record);
        var resource = new Sluice.Ingest.Protocols.Otlp.ResourceLogs();
        resource.ScopeLogs.Add(scope);
        var request = new Sluice.Ingest.Protocols.Otlp.ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    private static byte[] LokiSample()
    {
        var push = new Sluice.Ingest.Protocols.Loki.PushRequest();
        var stream = new Sluice.Ingest.Protocols.Loki.StreamAdapter { Labels = "{job=\"a\"}" };
        stream.Entries.Add(new Sluice.Ingest.Protocols.Loki.EntryAdapter { Line = "l", Timestamp = new() { Seconds = 1_767_225_600 } });
        push.Streams.Add(stream);
        return Snappier.Snappy.CompressToArray(push.ToByteArray());
    }

    private static byte[] RandomBytes(Random random, int max = 600)
    {
        var bytes = new byte[random.Next(0, max)];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Flips, drops or duplicates a few bytes of a valid body.</summary>
    private static byte[] Damage(byte[] valid, Random random)
    {
        var bytes = valid.ToList();
        for (var k = random.Next(1, 5); k > 0 && bytes.Count > 0; k--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(3))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveAt(at); break;
                default: bytes.Insert(at, bytes[at]); break;
            }
        }

        return [.. bytes];
    }
}

/// <summary>Details of the OTLP/JSON reader.</summary>
public sealed class OtlpJsonTests
{
    [Theory]
    [InlineData("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174")]
    [InlineData("W47/95gDgQPSabYzgT/GDA==", "7uGbfsPBsXQ=")] // the same ids as a generic protobuf JSON encoder writes them
    public void Trace_and_span_ids_are_read_as_hex_or_as_base64(string traceId, string spanId)
    {
        var body = $$"""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"m"},"traceId":"{{traceId}}","spanId":"{{spanId}}"}]}]}]}""";
        using var translation = OtlpTranslator.TranslateJson(Encoding.UTF8.GetBytes(body), ProtocolRobustnessTests.Limits);
        Assert.Null(translation.Fatal);
        var line = Encoding.UTF8.GetString(translation.Ndjson.Span);
        Assert.Contains("\"trace_id\":\"5b8efff798038103d269b633813fc60c\"", line);
        Assert.Contains("\"span_id\":\"eee19b7ec3c1b174\"", line);
    }

    [Fact]
    public void An_id_that_is_neither_refuses_the_body()
    {
        using var translation = OtlpTranslator.TranslateJson("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"not an id"}]}]}]}"""u8, ProtocolRobustnessTests.Limits);
        Assert.Contains("not a hex trace or span id", translation.Fatal!.Value.Message);
    }
}

/// <summary>Details of the bulk reader.</summary>
public sealed class BulkTranslatorTests
{
    [Theory]
    [InlineData(true, "\"service\":\"payments\"")]
    [InlineData(false, "\"index\":\"payments\"")]
    public void The_index_becomes_the_service_unless_configured_otherwise(bool indexAsService, string expected)
    {
        using var translation = BulkTranslator.Translate("{\"create\":{\"_index\":\"payments\"}}\n{\"message\":\"m\"}\n"u8, null, indexAsService, ProtocolRobustnessTests.Limits);
        var line = Encoding.UTF8.GetString(translation.Ndjson.Span);
        Assert.Contains(expected, line);
        Assert.DoesNotContain(indexAsService ? "\"index\"" : "\"service\"", line);
    }

    [Fact]
    public void A_document_that_names_its_service_keeps_it()
    {
        using var translation = BulkTranslator.Translate("{\"index\":{}}\n{\"message\":\"m\",\"service\":{\"name\":\"ledger\"}}\n"u8, "payments", indexAsService: true, ProtocolRobustnessTests.Limits);
        var line = Encoding.UTF8.GetString(translation.Ndjson.Span);
        Assert.Contains("\"service\":\"ledger\"", line);
        Assert.Contains("\"index\":\"payments\"", line);
    }
}
