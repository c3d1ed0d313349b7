using System.Text;
using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Tests.Support;

namespace Sluice.Tests.Hardening;

/// <summary>JSON that does not read is answered in Sluice's own words, with too_deep kept apart from malformed_json.</summary>
public class JsonErrorTests
{
    [Theory]
    [InlineData(BodyShape.Auto)]
    [InlineData(BodyShape.SingleObject)]
    public void Nesting_past_the_reader_limit_is_too_deep_not_malformed(BodyShape shape)
    {
        var body = "{\"message\":\"m\",\"a\":" + new string('[', 300) + new string(']', 300) + "}";
        var (result, _) = Parse.Body(body, shape);
        var error = result.Fatal ?? Assert.Single(result.Rejections!).Error;
        Assert.Equal(ErrorCodes.TooDeep, error.Code);
    }

    [Fact]
    public void A_deep_ndjson_line_is_too_deep_alone()
    {
        var body = "{\"message\":\"ok\"}\n{\"message\":\"m\",\"a\":" + new string('[', 300) + new string(']', 300) + "}\n";
        var (result, events) = Parse.Body(body);
        Assert.Single(events);
        Assert.Equal((1, ErrorCodes.TooDeep), (result.Rejections![0].Index, result.Rejections[0].Error.Code));
    }

    [Fact]
    public void Broken_json_is_malformed_and_says_where()
    {
        var (result, _) = Parse.Body("""{"message":"m",}""", BodyShape.SingleObject);
        Assert.Equal(ErrorCodes.MalformedJson, result.Fatal!.Value.Code);
        Assert.Matches("line 1, byte [0-9]+", result.Fatal.Value.Message);
    }

    [Theory]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"99999999999999999999999"}]}]}]}""", "timeUnixNano")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":-1}]}]}]}""", "timeUnixNano")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":1.5}]}]}]}""", "severityNumber")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"boolValue":"yes"}}]}]}]}""", "boolValue")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":7}}]}]}]}""", "stringValue")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"bytesValue":"%%%"}}]}]}]}""", "bytesValue")]
    [InlineData("""{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"not an id"}]}]}]}""", "trace or span id")]
    public void Otlp_json_errors_name_the_field_in_our_words(string body, string named)
    {
        using var translation = OtlpTranslator.TranslateJson(Encoding.UTF8.GetBytes(body), new IngestLimits());
        var fatal = translation.Fatal!.Value;
        Assert.Equal(ErrorCodes.MalformedJson, fatal.Code);
        Assert.Contains(named, fatal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Value was", fatal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", fatal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_protobuf_is_described_without_runtime_text()
    {
        using var otlp = OtlpTranslator.TranslateProtobuf([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2], new IngestLimits());
        Assert.Equal(ErrorCodes.MalformedBody, otlp.Fatal!.Value.Code);
        Assert.StartsWith("the body is not an OTLP ExportLogsServiceRequest (protobuf)", otlp.Fatal.Value.Message, StringComparison.Ordinal);
        using var loki = LokiTranslator.TranslateProtobuf([0x05, 0x10, 0x0a, 0xff, 0xff, 0xff, 0x0f], new IngestLimits());
        Assert.Equal(ErrorCodes.MalformedBody, loki.Fatal!.Value.Code);
        Assert.StartsWith("the body is not a snappy-compressed Loki PushRequest (protobuf)", loki.Fatal.Value.Message, StringComparison.Ordinal);
    }
}
