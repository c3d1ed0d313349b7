using Sluice.Core.Events;
using Sluice.Tests.Support;

namespace Sluice.Tests.Ingest;

public class NormalisationTests
{
    [Theory]
    [InlineData("\"2025-06-28T14:00:00Z\"", 1_751_119_200_000)]
    [InlineData("\"2025-06-28T14:00:00.250Z\"", 1_751_119_200_250)]
    [InlineData("\"2025-06-28T16:00:00+02:00\"", 1_751_119_200_000)]
    [InlineData("\"2025-06-28T14:00:00\"", 1_751_119_200_000)]
    [InlineData("1751119200", 1_751_119_200_000)]
    [InlineData("1751119200.5", 1_751_119_200_500)]
    [InlineData("1751119200000", 1_751_119_200_000)]
    [InlineData("1751119200000000", 1_751_119_200_000)]
    [InlineData("1751119200000000000", 1_751_119_200_000)]
    [InlineData("\"1751119200000\"", 1_751_119_200_000)]
    public void Timestamp_forms_all_normalise_to_epoch_ms(string value, long expected)
    {
        var e = Parse.One($$"""{"message":"m","timestamp":{{value}}}""");
        Assert.Equal(expected, e.Timestamp);
    }

    [Theory]
    [InlineData("time")]
    [InlineData("ts")]
    [InlineData("@timestamp")]
    public void Timestamp_aliases_are_read(string name)
    {
        var e = Parse.One($$"""{"message":"m","{{name}}":"2025-06-28T14:00:00Z"}""");
        Assert.Equal(1_751_119_200_000, e.Timestamp);
    }

    [Fact]
    public void Missing_timestamp_becomes_received_time()
    {
        Assert.Equal(Parse.ReceivedAt, Parse.One("""{"message":"m"}""").Timestamp);
    }

    [Theory]
    [InlineData("\"log\"", EventLevel.Info)]
    [InlineData("\"INFO\"", EventLevel.Info)]
    [InlineData("\"information\"", EventLevel.Info)]
    [InlineData("\"warning\"", EventLevel.Warn)]
    [InlineData("\"Warn\"", EventLevel.Warn)]
    [InlineData("\"err\"", EventLevel.Error)]
    [InlineData("\"critical\"", EventLevel.Fatal)]
    [InlineData("\"verbose\"", EventLevel.Trace)]
    [InlineData("\"debug\"", EventLevel.Debug)]
    [InlineData("10", EventLevel.Trace)]
    [InlineData("20", EventLevel.Debug)]
    [InlineData("30", EventLevel.Info)]
    [InlineData("35", EventLevel.Warn)]
    [InlineData("40", EventLevel.Warn)]
    [InlineData("50", EventLevel.Error)]
    [InlineData("60", EventLevel.Fatal)]
    public void Level_aliases_and_pino_numbers_normalise(string value, EventLevel expected)
    {
        Assert.Equal(expected, Parse.One($$"""{"message":"m","level":{{value}}}""").Level);
    }

    [Theory]
    [InlineData("0", EventLevel.Info)]
    [InlineData("1", EventLevel.Trace)]
    [InlineData("5", EventLevel.Debug)]
    [InlineData("9", EventLevel.Info)]
    [InlineData("13", EventLevel.Warn)]
    [InlineData("17", EventLevel.Error)]
    [InlineData("24", EventLevel.Fatal)]
    [InlineData("\"WARN\"", EventLevel.Warn)]
    public void Severity_numbers_are_read_as_OpenTelemetry(string value, EventLevel expected)
    {
        Assert.Equal(expected, Parse.One($$"""{"message":"m","severity_number":{{value}}}""").Level);
    }

    [Fact]
    public void A_second_spelling_of_time_level_or_kind_is_kept_as_an_attribute_not_used()
    {
        var e = Parse.One("""{"message":"m","level":"error","severity":"info","timestamp":1751119200000,"ts":"n/a","kind":"log","kind":"traffic"}""");
        Assert.Equal(EventLevel.Error, e.Level);
        Assert.Equal("info", e.Attributes["severity"]);
        Assert.Equal(1_751_119_200_000, e.Timestamp);
        Assert.Equal("n/a", e.Attributes["ts"]);
        Assert.Equal(EventKind.Log, e.Kind);
    }

    [Fact]
    public void Level_defaults_to_info_and_severity_alias_is_read()
    {
        Assert.Equal(EventLevel.Info, Parse.One("""{"message":"m"}""").Level);
        Assert.Equal(EventLevel.Error, Parse.One("""{"message":"m","severity":"ERROR"}""").Level);
        Assert.Equal(EventLevel.Warn, Parse.One("""{"message":"m","lvl":"warning"}""").Level);
    }

    [Fact]
    public void Nested_objects_are_flattened_into_dotted_attributes()
    {
        var e = Parse.One("""{"message":"m","metadata":{"browser":"firefox","screen":{"w":1920,"retina":true}},"context":{"tags":["a","b"]},"attributes":{"region":"eu"},"extra":7}""");
        Assert.Equal("firefox", e.Attributes["metadata.browser"]);
        Assert.Equal("1920", e.Attributes["metadata.screen.w"]);
        Assert.Equal("true", e.Attributes["metadata.screen.retina"]);
        Assert.Equal("[\"a\",\"b\"]", e.Attributes["context.tags"]);
        Assert.Equal("eu", e.Attributes["region"]);
        Assert.Equal("7", e.Attributes["extra"]);
    }

    [Fact]
    public void Canonical_fields_and_their_aliases_are_mapped()
    {
        var e = Parse.One("""{"msg":"m","service":"auth","system":"browser","host":"h1","domain":"d.example","category":"c","traceId":"t1","spanId":"s1","requestId":"r1","sessionId":"se1","userId":42,"priority":3,"stack":"at x","url":"https://d.example/a","method":"GET","status_code":"404","path":"/a"}""");
        Assert.Equal("m", e["message"]);
        Assert.Equal("auth", e["service"]);
        Assert.Equal("browser", e["system"]);
        Assert.Equal("h1", e["host"]);
        Assert.Equal("d.example", e["domain"]);
        Assert.Equal("c", e["category"]);
        Assert.Equal("t1", e["trace_id"]);
        Assert.Equal("s1", e["span_id"]);
        Assert.Equal("r1", e["request_id"]);
        Assert.Equal("se1", e["session_id"]);
        Assert.Equal("42", e["user_id"]);
        Assert.Equal("3", e["priority"]);
        Assert.Equal("at x", e["stack_trace"]);
        Assert.Equal("https://d.example/a", e["url"]);
        Assert.Equal("GET", e["method"]);
        Assert.Equal("404", e["status"]);
        Assert.Equal("/a", e["path"]);
        Assert.Equal(EventKind.Log, e.Kind);
    }

    [Fact]
    public void A_second_spelling_of_a_field_is_kept_as_an_attribute()
    {
        var e = Parse.One("""{"message":"first","msg":"second"}""");
        Assert.Equal("first", e["message"]);
        Assert.Equal("second", e.Attributes["msg"]);
    }

    [Fact]
    public void Id_is_assigned_when_absent_and_kept_when_given()
    {
        var generated = Parse.One("""{"message":"m"}""")["id"];
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", generated);
        Assert.Equal("my-id", Parse.One("""{"message":"m","id":"my-id"}""")["id"]);
    }

    [Fact]
    public void Generated_ids_are_unique_and_sort_by_admission_time()
    {
        var ids = new Sluice.Core.Events.EventIdGenerator();
        var early = Enumerable.Range(0, 1000).Select(_ => ids.Next(1_000)).ToList();
        var late = ids.Next(2_000);
        Assert.Equal(1000, early.Distinct().Count());
        Assert.All(early, id => Assert.True(string.CompareOrdinal(id, late) < 0));
    }

    [Fact]
    public void Raw_ip_is_replaced_by_a_keyed_hash_everywhere()
    {
        var e = Parse.One("""{"message":"m","ip":"203.0.113.9","metadata":{"client_ip":"203.0.113.9"}}""");
        var expected = Parse.Hasher.Hash("203.0.113.9");
        Assert.Equal(expected, e["ip_hash"]);
        Assert.Equal(expected, e.Attributes["metadata.client_ip"]);
        Assert.DoesNotContain(e.Fields.Values, v => v.ToString()!.Contains("203.0.113.9", StringComparison.Ordinal));
        Assert.DoesNotContain(e.Attributes.Values, v => v.Contains("203.0.113.9", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"message":"m","ctx":{"client_ip":["203.0.113.9"]}}""", "ctx.client_ip")]
    [InlineData("""{"message":"m","attributes":{"ip":3405803785}}""", "ip")]
    [InlineData("""{"message":"m","net":{"ip":{"v4":"203.0.113.9"}}}""", "net.ip.v4")]
    [InlineData("""{"message":"m","req":{"remoteAddress":"203.0.113.9"}}""", "req.remoteAddress")]
    [InlineData("""{"message":"m","headers":{"x-forwarded-for":"203.0.113.9, 10.0.0.1"}}""", "headers.x-forwarded-for")]
    public void Every_value_under_an_address_key_is_hashed_whatever_its_shape(string json, string key)
    {
        var e = Parse.One(json);
        Assert.Matches("^[0-9a-f]{16}$", e.Attributes[key]);
        Assert.DoesNotContain(e.Attributes.Values, v => v.Contains("203.0.113", StringComparison.Ordinal) || v.Contains("3405803785", StringComparison.Ordinal));
    }

    [Fact]
    public void A_client_ip_hash_is_kept_only_when_it_has_the_hash_shape()
    {
        Assert.Equal("0123456789abcdef", Parse.One("""{"message":"m","ip_hash":"0123456789abcdef"}""")["ip_hash"]);
        Assert.Equal(Parse.Hasher.Hash("203.0.113.9"), Parse.One("""{"message":"m","ip_hash":"203.0.113.9"}""")["ip_hash"]);
        Assert.Equal(Parse.Hasher.Hash("198.51.100.1"), Parse.One("""{"message":"m","remoteAddress":"198.51.100.1"}""")["ip_hash"]);
    }

    [Fact]
    public void Traffic_fields_make_a_traffic_event_and_click_ids_set_ad_click()
    {
        var e = Parse.One("""{"domain":"shop.example","decision":"block","reason":"bot","country":"DE","risk":87.4,"gclid":"abc"}""");
        Assert.Equal(EventKind.Traffic, e.Kind);
        Assert.Equal("87", e["risk"]);
        Assert.Equal("True", e["ad_click"]);
        Assert.Equal("abc", e.Attributes["gclid"]);
    }

    [Fact]
    public void Traffic_endpoint_events_need_no_message()
    {
        var (result, events) = Parse.Body("""{"domain":"d","path":"/"}""", kind: EventKind.Traffic);
        Assert.Equal(1, result.Accepted);
        Assert.Equal(EventKind.Traffic, Assert.Single(events).Kind);
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var e = Parse.One("""{"message":"line1\nline2 \u00e9 \"q\"","met\u0061":{"k":"v"}}""");
        Assert.Equal("line1\nline2 é \"q\"", e["message"]);
        Assert.Equal("v", e.Attributes["meta.k"]);
    }

    [Fact]
    public void Browser_log_gets_a_trace_id_when_it_has_none()
    {
        var (_, events) = Parse.Body("""{"message":"m"}""", Sluice.Ingest.Json.BodyShape.SingleObject, assignTrace: true);
        Assert.Matches("^[0-9a-f]{32}$", Assert.Single(events)["trace_id"]);
    }
}
