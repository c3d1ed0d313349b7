using Sluice.Core.Errors;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Tests.Support;

namespace Sluice.Tests.Ingest;

public class BadInputTests
{
    [Theory]
    [InlineData("""{"message":{"a":1}}""", ErrorCodes.InvalidType, "message")]
    [InlineData("""{"message":"m","timestamp":true}""", ErrorCodes.InvalidType, "timestamp")]
    [InlineData("""{"message":"m","timestamp":"yesterday"}""", ErrorCodes.InvalidValue, "timestamp")]
    [InlineData("""{"message":"m","timestamp":-5}""", ErrorCodes.InvalidValue, "timestamp")]
    [InlineData("""{"message":"m","status":"abc"}""", ErrorCodes.InvalidType, "status")]
    [InlineData("""{"message":"m","status":1000}""", ErrorCodes.InvalidValue, "status")]
    [InlineData("""{"message":"m","priority":9}""", ErrorCodes.InvalidValue, "priority")]
    [InlineData("""{"message":"m","risk":101}""", ErrorCodes.InvalidValue, "risk")]
    [InlineData("""{"message":"m","level":"loud"}""", ErrorCodes.InvalidValue, "level")]
    [InlineData("""{"message":"m","level":true}""", ErrorCodes.InvalidType, "level")]
    [InlineData("""{"message":"m","level":-5}""", ErrorCodes.InvalidValue, "level")]
    [InlineData("""{"message":"m","severity":25}""", ErrorCodes.InvalidValue, "level")]
    [InlineData("""{"message":"m","kind":"metric"}""", ErrorCodes.InvalidValue, "kind")]
    [InlineData("""{"message":"m","ad_click":"maybe"}""", ErrorCodes.InvalidType, "ad_click")]
    [InlineData("""{"message":"m","service":["a"]}""", ErrorCodes.InvalidType, "service")]
    [InlineData("""{"level":"info"}""", ErrorCodes.MissingField, "message")]
    [InlineData("""{"message":""}""", ErrorCodes.MissingField, "message")]
    public void Wrong_types_and_values_name_the_field(string json, string code, string field)
    {
        var error = Parse.Error(json);
        Assert.Equal(code, error.Code);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void Oversize_field_is_refused_with_its_name()
    {
        var limits = new IngestLimits { MaxFieldBytes = 100 };
        var error = Parse.Error($$"""{"message":"{{new string('x', 101)}}"}""", limits);
        Assert.Equal((ErrorCodes.FieldTooLong, "message"), (error.Code, error.Field));
        var nested = Parse.Error($$$"""{"message":"m","metadata":{"note":"{{{new string('y', 101)}}}"}}""", limits);
        Assert.Equal((ErrorCodes.FieldTooLong, "metadata.note"), (nested.Code, nested.Field));
        Assert.Empty(Parse.Body($$"""{"message":"{{new string('x', 100)}}"}""", limits: limits).Result.Rejections ?? []);
    }

    [Fact]
    public void Too_deep_and_too_many_attributes_are_refused()
    {
        var limits = new IngestLimits { MaxJsonDepth = 2, MaxAttributesPerEvent = 2 };
        Assert.Equal(ErrorCodes.TooDeep, Parse.Error("""{"message":"m","a":{"b":{"c":{"d":1}}}}""", limits).Code);
        Assert.Equal(ErrorCodes.TooManyAttributes, Parse.Error("""{"message":"m","a":1,"b":2,"c":3}""", limits).Code);
    }

    [Fact]
    public void Malformed_json_refuses_a_single_object()
    {
        var (result, events) = Parse.Body("""{"message":"m" """, BodyShape.SingleObject);
        Assert.Equal(ErrorCodes.MalformedJson, result.Fatal!.Value.Code);
        Assert.Empty(events);
    }

    [Fact]
    public void Malformed_array_refuses_the_whole_request()
    {
        var (result, events) = Parse.Body("""[{"message":"a"},{"message":"b"},{"message":""" );
        Assert.Equal(ErrorCodes.MalformedJson, result.Fatal!.Value.Code);
        Assert.Empty(events);
    }

    [Fact]
    public void In_an_array_good_events_are_kept_and_bad_ones_listed_by_index()
    {
        var (result, events) = Parse.Body("""[{"message":"a"},{"message":"b","status":"x"},7,{"message":"c"}]""");
        Assert.Null(result.Fatal);
        Assert.Equal(2, result.Accepted);
        Assert.Equal(["a", "c"], events.Select(e => e["message"]));
        Assert.Equal([1, 2], result.Rejections!.Select(r => r.Index));
        Assert.Equal(ErrorCodes.InvalidType, result.Rejections![0].Error.Code);
        Assert.Equal(ErrorCodes.ExpectedObject, result.Rejections![1].Error.Code);
    }

    [Fact]
    public void In_ndjson_a_malformed_line_is_refused_alone()
    {
        var (result, events) = Parse.Body("{\"message\":\"a\"}\n{\"message\": oops}\n\n{\"message\":\"b\"} trailing\n{\"message\":\"c\"}\r\n");
        Assert.Equal(2, result.Accepted);
        Assert.Equal(["a", "c"], events.Select(e => e["message"]));
        Assert.Equal([1, 2], result.Rejections!.Select(r => r.Index));
        Assert.All(result.Rejections!, r => Assert.Equal(ErrorCodes.MalformedJson, r.Error.Code));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n ")]
    [InlineData("[]")]
    [InlineData("""{"logs":[]}""")]
    public void Empty_batch_is_refused(string body)
    {
        var shape = body.Contains("logs", StringComparison.Ordinal) ? BodyShape.LogsEnvelope : BodyShape.Auto;
        Assert.Equal(ErrorCodes.EmptyBatch, Parse.Body(body, shape).Result.Fatal!.Value.Code);
    }

    [Fact]
    public void Logs_envelope_needs_a_logs_array()
    {
        Assert.Equal((ErrorCodes.MissingField, "logs"), Field(Parse.Body("""{"events":[]}""", BodyShape.LogsEnvelope).Result.Fatal!.Value));
        Assert.Equal((ErrorCodes.InvalidType, "logs"), Field(Parse.Body("""{"logs":{}}""", BodyShape.LogsEnvelope).Result.Fatal!.Value));
        var (result, events) = Parse.Body("""{"source":"x","logs":[{"message":"a"},{"message":"b"}]}""", BodyShape.LogsEnvelope);
        Assert.Equal(2, result.Accepted);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public void Too_many_events_refuses_the_request_with_413()
    {
        var limits = new IngestLimits { MaxEventsPerRequest = 2 };
        var (result, events) = Parse.Body("""[{"message":"a"},{"message":"b"},{"message":"c"}]""", limits: limits);
        Assert.Equal(ErrorCodes.TooManyEvents, result.Fatal!.Value.Code);
        Assert.Equal(413, result.FatalStatus);
        Assert.Empty(events);
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        byte[] body = [.. "{\"message\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        var (result, events) = Parse.Body(body, BodyShape.SingleObject);
        Assert.Empty(events);
        var code = result.Fatal?.Code ?? result.Rejections![0].Error.Code;
        Assert.Contains(code, new[] { ErrorCodes.InvalidUtf8, ErrorCodes.MalformedJson });
    }

    [Fact]
    public void Invalid_utf8_or_lone_surrogate_inside_an_escaped_string_is_refused_not_thrown()
    {
        var surrogate = Parse.Error("""{"message":"a\ud800b"}""");
        Assert.Equal((ErrorCodes.InvalidUtf8, "message"), (surrogate.Code, surrogate.Field));

        byte[] body = [.. "{\"message\":\"\\n"u8, 0xFF, .. "\"}"u8];
        var (result, events) = Parse.Body(body, BodyShape.SingleObject);
        Assert.Empty(events);
        Assert.Contains(result.Fatal?.Code ?? result.Rejections![0].Error.Code, new[] { ErrorCodes.InvalidUtf8, ErrorCodes.MalformedJson });
    }

    [Fact]
    public void Long_names_and_numbers_are_refused_not_thrown()
    {
        var name = new string('k', 512);
        Assert.Equal(ErrorCodes.FieldTooLong, Parse.Error("{\"message\":\"m\",\"" + name + "\":{\"x\":1}}").Code);
        Assert.Equal(ErrorCodes.FieldTooLong, Parse.Error("{\"message\":\"m\",\"" + name[..300] + "\":{\"" + name[..300] + "\":1}}").Code);
        Assert.Equal(ErrorCodes.FieldTooLong, Parse.Error($$"""{"message":"m","{{name}}x":1}""").Code);
        var limits = new IngestLimits { MaxFieldBytes = 100 };
        var number = Parse.Error($$"""{"message":"m","n":{{new string('7', 101)}}}""", limits);
        Assert.Equal((ErrorCodes.FieldTooLong, "n"), (number.Code, number.Field));
    }

    [Fact]
    public void An_event_that_encodes_past_the_row_limit_is_refused()
    {
        // Flattening repeats the 500-byte prefix in every key: the row outgrows the 16 MiB row limit.
        var prefix = new string('p', 500);
        var value = new string('v', 65_500);
        var children = string.Join(',', Enumerable.Range(0, 256).Select(i => $"\"c{i}\":\"{value}\""));
        var error = Parse.Error("{\"message\":\"m\",\"" + prefix + "\":{" + children + "}}");
        Assert.Equal(ErrorCodes.EventTooLarge, error.Code);
    }

    [Fact]
    public void In_ndjson_a_bad_first_line_is_refused_alone()
    {
        var (result, events) = Parse.Body("x\n{\"message\":\"ok\"}\n");
        Assert.Equal(["ok"], events.Select(e => e["message"]));
        Assert.Equal(0, Assert.Single(result.Rejections!).Index);
    }

    [Fact]
    public void A_property_name_that_is_not_utf8_is_refused()
    {
        byte[] body = [.. "{\"message\":\"m\",\""u8, 0xFF, 0xFE, .. "\":\"v\"}"u8];
        var (result, events) = Parse.Body(body, BodyShape.SingleObject);
        Assert.Empty(events);
        Assert.Equal(ErrorCodes.InvalidUtf8, result.Rejections![0].Error.Code);
    }

    [Fact]
    public void Single_object_endpoint_refuses_an_array()
    {
        Assert.Equal(ErrorCodes.ExpectedObject, Parse.Body("""[{"message":"a"}]""", BodyShape.SingleObject).Result.Fatal!.Value.Code);
    }

    private static (string, string?) Field(FieldError e) => (e.Code, e.Field);
}
