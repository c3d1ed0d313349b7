using System.Text;
using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Ingest.Protocols;

namespace Sluice.Tests.Ingest;

/// <summary>Which text lines are unpacked as JSON and which stay as they were (docs/protocols.md, "Structured lines").</summary>
public sealed class StructuredLineTests
{
    private static readonly IngestLimits Limits = new() { MaxJsonDepth = 4, MaxAttributesPerEvent = 5 };

    [Theory]
    [InlineData("""{"msg":"deep","a":{"b":{"c":{"d":{"e":1}}}}}""")] // deeper than MaxJsonDepth
    [InlineData("""{"msg":"wide","a":1,"b":2,"c":3,"d":4,"e":5,"f":6}""")] // more attributes than allowed
    [InlineData("""{"msg":"lone \ud800 surrogate"}""")]
    [InlineData("""{"msg":""}""")]
    [InlineData("""{"msg":42}""")]
    [InlineData("""["msg","an array"]""")]
    [InlineData("""{"msg":"two objects"} {"msg":"on a line"}""")]
    public void Lines_that_cannot_be_unpacked_within_the_limits_stay_the_message(string line) =>
        Assert.Equal(line, Event(line).GetProperty("message").GetString());

    [Fact]
    public void A_level_or_time_that_cannot_be_read_stays_an_attribute()
    {
        var e = Event("""{"message":"odd","level":"chatty","time":"yesterday","n":{"m":1}}""");
        Assert.Equal("odd", e.GetProperty("message").GetString());
        Assert.False(e.TryGetProperty("level", out _), "the label-less entry has no level but the line's unreadable one");
        Assert.Equal(1_767_225_600_000_000_000, e.GetProperty("timestamp").GetInt64()); // the entry's own time
        var attributes = e.GetProperty("attributes");
        Assert.Equal(("chatty", "yesterday"), (attributes.GetProperty("level").GetString(), attributes.GetProperty("time").GetString()));
        Assert.Equal(1, attributes.GetProperty("n").GetProperty("m").GetInt32());
    }

    [Fact]
    public void Epoch_seconds_and_nanoseconds_and_iso_times_are_read()
    {
        Assert.Equal(1_733_212_345_000, Event("""{"msg":"s","ts":1733212345}""").GetProperty("timestamp").GetInt64());
        Assert.Equal(1_733_212_345_678, Event("""{"msg":"ns","time":1733212345678901234}""").GetProperty("timestamp").GetInt64());
        Assert.Equal(1_733_212_345_500, Event("""{"msg":"iso","@t":"2024-12-03T07:52:25.5Z"}""").GetProperty("timestamp").GetInt64());
    }

    /// <summary>The native event a one-entry Loki push of <paramref name="line"/> translates to.</summary>
    private static JsonElement Event(string line)
    {
        var push = JsonSerializer.Serialize(new { streams = new[] { new { stream = new { job = "t" }, values = new[] { new[] { "1767225600000000000", line } } } } });
        using var translation = LokiTranslator.TranslateJson(Encoding.UTF8.GetBytes(push), Limits);
        Assert.Null(translation.Fatal);
        return JsonDocument.Parse(translation.Ndjson).RootElement.Clone();
    }
}
