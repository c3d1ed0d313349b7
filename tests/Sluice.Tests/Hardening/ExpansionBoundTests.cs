using System.Text;
using System.Text.Json;
using Sluice.Core.Errors;
using Sluice.Core.Events;
using Sluice.Core.Memory;
using Sluice.Core.Options;
using Sluice.Ingest.Json;
using Sluice.Ingest.Protocols;
using Sluice.Tests.Support;

namespace Sluice.Tests.Hardening;

/// <summary>
/// Every path that can make more of its input than it was given — templates, translations, flattening, decoders —
/// is bounded while it works: the allocation stops at the bound, it is not measured afterwards.
/// </summary>
public class ExpansionBoundTests
{
    private static readonly string Repeated = "{\"Events\":[{\"Timestamp\":\"2026-12-02T00:00:00Z\",\"MessageTemplate\":\""
        + string.Concat(Enumerable.Repeat("{a}", 8000)) + "\",\"Properties\":{\"a\":\"" + new string('z', 60_000) + "\"}}]}";

    [Fact]
    public void A_template_repeating_a_long_property_renders_no_further_than_its_bound()
    {
        using var document = JsonDocument.Parse("{\"a\":\"" + new string('z', 60_000) + "\"}");
        var template = string.Concat(Enumerable.Repeat("{a}", 8000));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var text = MessageTemplate.Render(template, document.RootElement, 65_537);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(65_537, text.Length);
        Assert.True(allocated < 2_000_000, $"rendering allocated {allocated} bytes"); // unbounded: about 1 GB
        Assert.Equal("x-y", MessageTemplate.Render("{a}-{b}", JsonDocument.Parse("""{"a":"x","b":"y"}""").RootElement, 3));
        Assert.Equal("x-", MessageTemplate.Render("{a}-{b}", JsonDocument.Parse("""{"a":"x","b":"y"}""").RootElement, 2));
    }

    [Fact]
    public void The_84_KB_seq_envelope_is_refused_as_too_long_without_gigabytes()
    {
        var body = Encoding.UTF8.GetBytes(Repeated);
        Assert.True(body.Length < 90_000);
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var translation = ClefTranslator.TranslateEnvelope(body, new IngestLimits());
        var (result, events) = Parse.Body(translation.Ndjson.ToArray());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Empty(events);
        var refusal = Assert.Single(result.Rejections!).Error;
        Assert.Equal((ErrorCodes.FieldTooLong, "message"), (refusal.Code, refusal.Field));
        Assert.True(allocated < 20_000_000, $"translating 84 KB allocated {allocated} bytes");
    }

    [Fact]
    public void A_clef_template_is_bounded_the_same_way()
    {
        var line = "{\"@t\":\"2026-12-02T00:00:00Z\",\"@mt\":\"" + string.Concat(Enumerable.Repeat("{a}", 8000)) + "\",\"a\":\"" + new string('z', 60_000) + "\"}";
        using var translation = ClefTranslator.TranslateClef(Encoding.UTF8.GetBytes(line), new IngestLimits());
        var (result, _) = Parse.Body(translation.Ndjson.ToArray());
        Assert.Equal(ErrorCodes.FieldTooLong, Assert.Single(result.Rejections!).Error.Code);
    }

    [Fact]
    public async Task A_translation_stops_where_its_lease_has_no_room()
    {
        // 200 Loki entries of 10 KB each: about 2 MB of native events, in a budget of 256 KB with a competitor holding it.
        var budget = new MemoryBudget(256 * 1024);
        using var other = (await budget.ReserveAsync(200 * 1024, TimeSpan.Zero, default))!;
        using var lease = (await budget.ReserveAsync(1024, TimeSpan.Zero, default))!;
        var values = string.Join(",", Enumerable.Range(0, 200).Select(i => $"[\"{i}\",\"{new string('l', 10_000)}\"]"));
        var body = Encoding.UTF8.GetBytes($"{{\"streams\":[{{\"stream\":{{\"job\":\"a\"}},\"values\":[{values}]}}]}}");

        using var translation = LokiTranslator.TranslateJson(body, new IngestLimits(), lease);

        Assert.Equal(ErrorCodes.MemoryFull, translation.Fatal?.Code);
        Assert.Equal(503, translation.FatalStatus);
        Assert.True(budget.Peak <= budget.Capacity, $"peak {budget.Peak}");
        lease.Dispose();
        other.Dispose();
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public void One_record_cannot_grow_past_what_the_output_may_still_hold()
    {
        // OTLP/JSON resource attributes repeat on every record: 2,000 records × 20 KB against a 4 × 64 KB bound.
        var limits = new IngestLimits { MaxBodyBytes = 64 * 1024 };
        var records = string.Join(",", Enumerable.Range(0, 2000).Select(i => "{\"body\":{\"stringValue\":\"r" + i + "\"}}"));
        var body = "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"big\",\"value\":{\"stringValue\":\"" + new string('b', 20_000)
            + "\"}}]},\"scopeLogs\":[{\"logRecords\":[" + records + "]}]}]}";
        var lease = MemoryLease.Unbounded;

        using var translation = OtlpTranslator.TranslateJson(Encoding.UTF8.GetBytes(body), limits, lease);

        Assert.Equal((ErrorCodes.BodyTooLarge, 413), (translation.Fatal?.Code, translation.FatalStatus));
        Assert.True(lease.Drawn < 8 * 4 * limits.MaxBodyBytes, $"drew {lease.Drawn} bytes for a bound of {4 * limits.MaxBodyBytes}");
    }

    [Fact]
    public async Task Rows_draw_from_the_lease_and_stop_when_it_is_full()
    {
        var budget = new MemoryBudget(64 * 1024);
        using var other = (await budget.ReserveAsync(60 * 1024, TimeSpan.Zero, default))!;
        using var lease = (await budget.ReserveAsync(1024, TimeSpan.Zero, default))!;
        var body = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 500).Select(i => $$"""{"message":"{{new string('m', 200)}}"}""")));
        var limits = new IngestLimits();
        using var batch = new EventBatchBuilder(1024, lease);
        using var parser = new EventParser(limits, Parse.Hasher, new EventIdGenerator());

        var result = EventBodyParser.Parse(body, BodyShape.Auto, parser, batch, new ParseContext(EventKind.Log, Parse.ReceivedAt), limits);

        Assert.Equal((ErrorCodes.MemoryFull, 503), (result.Fatal?.Code, result.FatalStatus));
        Assert.Equal(0, batch.Count);
        Assert.True(budget.Peak <= budget.Capacity);
    }

    [Fact]
    public void Flattening_stops_at_the_row_bound_while_it_writes()
    {
        // 256 leaves under a 500-byte prefix, each with a 64 KB value: about 16.5 MB of row from one event.
        var prefix = new string('p', 500);
        var leaves = string.Join(",", Enumerable.Range(0, 256).Select(i => $"\"k{i}\":\"{new string('v', 64 * 1024)}\""));
        var error = Parse.Error($"{{\"message\":\"m\",\"{prefix}\":{{{leaves}}}}}");
        Assert.Equal(ErrorCodes.EventTooLarge, error.Code);
    }

    [Fact]
    public async Task A_lone_lease_may_pass_the_cap_but_a_second_one_may_not()
    {
        var budget = new MemoryBudget(1000);
        using var alone = (await budget.ReserveAsync(5000, TimeSpan.Zero, default));
        Assert.NotNull(alone);
        Assert.True(alone!.TryDraw(6000));
        using var second = (await budget.ReserveAsync(10, TimeSpan.FromMilliseconds(50), default));
        Assert.Null(second);
        alone.Dispose();
        Assert.Equal(0, budget.Used);
        Assert.NotNull((await budget.ReserveAsync(10, TimeSpan.Zero, default)));
    }
}
