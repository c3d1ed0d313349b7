using System.Text;
using Google.Protobuf;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;

namespace Sluice.Tests.Ingest;

/// <summary>The protocol readers' bounds and their answers to hostile or odd input (each from a review finding).</summary>
public sealed class ProtocolLimitsTests
{
    private static readonly IngestLimits Small = new() { MaxEventsPerRequest = 10, MaxBodyBytes = 4096 };

    [Fact]
    public void More_records_than_a_request_may_carry_refuse_the_body_with_413_before_all_are_read()
    {
        var values = string.Join(",", Enumerable.Range(0, 50).Select(i => $"[\"{1_767_225_600_000_000_000 + i}\",\"l{i}\"]"));
        using var loki = LokiTranslator.TranslateJson(Encoding.UTF8.GetBytes($"{{\"streams\":[{{\"stream\":{{\"job\":\"a\"}},\"values\":[{values}]}}]}}"), Small);
        Assert.Equal((413, "too_many_events"), (loki.FatalStatus, loki.Fatal!.Value.Code));
        Assert.Equal(10, loki.Lines);

        var request = new Sluice.Ingest.Protocols.Otlp.ExportLogsServiceRequest();
        var scope = new Sluice.Ingest.Protocols.Otlp.ScopeLogs();
        for (var i = 0; i < 50; i++)
        {
            scope.LogRecords.Add(new Sluice.Ingest.Protocols.Otlp.LogRecord()); // empty records: two bytes each on the wire
        }

        var resource = new Sluice.Ingest.Protocols.Otlp.ResourceLogs();
        resource.ScopeLogs.Add(scope);
        request.ResourceLogs.Add(resource);
        using var otlp = OtlpTranslator.TranslateProtobuf(request.ToByteArray(), Small);
        Assert.Equal(413, otlp.FatalStatus);
        Assert.Equal(10, otlp.Lines);
    }

    [Fact]
    public void Labels_repeated_into_every_entry_cannot_grow_the_translation_past_four_bodies()
    {
        var labels = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"label{i}\":\"{new string('v', 40)}\""));
        var values = string.Join(",", Enumerable.Range(0, 9).Select(i => $"[\"{1_767_225_600_000_000_000 + i}\",\"x\"]"));
        var body = Encoding.UTF8.GetBytes($"{{\"streams\":[{{\"stream\":{{{labels}}},\"values\":[{values}]}}]}}");
        using var translation = LokiTranslator.TranslateJson(body, new IngestLimits { MaxEventsPerRequest = 100, MaxBodyBytes = body.Length });
        Assert.Equal((413, "body_too_large"), (translation.FatalStatus, translation.Fatal!.Value.Code));
        Assert.True(translation.Ndjson.Length <= 4 * body.Length);
    }

    [Fact]
    public void A_lone_surrogate_refuses_only_its_own_record()
    {
        using var clef = ClefTranslator.TranslateClef("{\"@m\":\"ok\"}\n{\"@m\":\"bad \\ud800\"}\n{\"@m\":\"ok too\"}\n"u8, Small);
        Assert.Null(clef.Fatal);
        Assert.Equal(2, clef.Lines);
        Assert.Equal((1, "invalid_utf8"), (Assert.Single(clef.Rejected).Index, clef.Rejected[0].Error.Code));
        Assert.DoesNotContain("bad", Encoding.UTF8.GetString(clef.Ndjson.Span));

        using var bulk = BulkTranslator.Translate("{\"index\":{}}\n{\"message\":\"\\udc00\"}\n{\"index\":{}}\n{\"message\":\"fine\"}\n"u8, "i", true, Small);
        Assert.Equal((1, 0), (bulk.Lines, Assert.Single(bulk.Rejected).Index));

        using var loki = LokiTranslator.TranslateJson("{\"streams\":[{\"stream\":{\"job\":\"a\"},\"values\":[[\"1\",\"\\ud800\"],[\"2\",\"fine\"]]}]}"u8, Small);
        Assert.Equal((1, 0), (loki.Lines, Assert.Single(loki.Rejected).Index));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"streams\":[1, \"x\", {\"values\":7}]}")]
    [InlineData("\"streams\"")]
    public void Odd_loki_shapes_are_answered_not_thrown(string body)
    {
        using var translation = LokiTranslator.TranslateJson(Encoding.UTF8.GetBytes(body), Small);
        Assert.Equal(0, translation.Lines);
    }

    [Fact]
    public void A_template_of_unclosed_holes_renders_as_text()
    {
        var template = string.Concat(Enumerable.Repeat("{a", 200_000));
        Assert.Equal(template, MessageTemplate.Render(template, default));
        Assert.Equal("x {y} 1", MessageTemplate.Render("x {y} {z}", System.Text.Json.JsonDocument.Parse("{\"z\":1}").RootElement));
        var longHole = "{" + new string('n', MessageTemplate.MaxHoleLength + 1) + "}";
        Assert.Equal(longHole, MessageTemplate.Render(longHole, default));
    }

    [Fact]
    public void Syslog_reads_many_structured_data_elements_and_rsyslog_forward_headers()
    {
        var elements = string.Concat(Enumerable.Range(0, 300).Select(i => $"[e{i} k=\"v{i}\"]"));
        using var many = SyslogTranslator.Translate([Encoding.UTF8.GetBytes($"<14>1 - h app - - {elements} msg")], 2026, new IngestLimits());
        var line = Encoding.UTF8.GetString(many.Ndjson.Span);
        Assert.Contains("\"e299.k\":\"v299\"", line);
        Assert.Contains("\"message\":\"msg\"", line);

        using var rsyslog = SyslogTranslator.Translate([Encoding.UTF8.GetBytes("<30>2026-03-04T05:06:07.123+01:00 web-1 nginx[812]: GET / 200")], 2026, new IngestLimits());
        var forwarded = Encoding.UTF8.GetString(rsyslog.Ndjson.Span);
        Assert.Contains("\"timestamp\":\"2026-03-04T04:06:07.123Z\"", forwarded);
        Assert.Contains("\"host\":\"web-1\"", forwarded);
        Assert.Contains("\"service\":\"nginx\"", forwarded);
        Assert.Contains("\"syslog.procid\":\"812\"", forwarded);
    }

    [Fact]
    public void Bulk_documents_keep_their_own_id_and_odd_status_as_attributes()
    {
        using var bulk = BulkTranslator.Translate("{\"index\":{}}\n{\"id\":7,\"status\":\"ok\",\"message\":\"m\",\"priority\":\"high\"}\n"u8, "i", true, Small);
        var line = Encoding.UTF8.GetString(bulk.Ndjson.Span);
        Assert.Empty(bulk.Rejected);
        Assert.Contains("\"document.id\":7", line);
        Assert.Contains("\"status\":\"ok\"", line.Split("\"attributes\"")[1]);
        Assert.DoesNotContain("\"id\":", line.Split("\"attributes\"")[0]);
    }
}
