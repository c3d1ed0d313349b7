using System.Text.Json;
using Sluice.Server.Tests.Support;
using Sluice.Storage.Partitions;

namespace Sluice.Server.Tests;

/// <summary>
/// The dashboard shapes answered from the parts' stored details (a field's counts within one level or decision, and
/// counts per time bin) give the engine's answer cell by cell, in the engine's order. Random events span four hours:
/// a third sealed, a third sealed later (a second part per hour until compaction), a third in memory; ranges are whole
/// hours and cut ones. The engine's answer is forced by adding <c>level:&gt;=trace</c>, which every event matches.
/// </summary>
public sealed class StoredDetailCountsTests(FourHourEventsServer data) : IClassFixture<FourHourEventsServer>
{
    private const long Start = FourHourEvents.Start;
    private const long Hour = FourHourEvents.Hour;
    private const string Whole = "_time:[2026-01-01T06:00:00Z, 2026-01-01T08:00:00Z)";
    private const string Cut = "_time:[2026-01-01T05:17:30Z, 2026-01-01T07:42:10Z)";
    private const string Latest = "_time:[2026-01-01T08:00:00Z, 2026-01-01T09:00:00Z)";
    private readonly TestServer _server = data.Server;

    public static TheoryData<string> Queries()
    {
        var data = new TheoryData<string>();
        foreach (var range in new[] { "", Whole, Cut, Latest })
        {
            foreach (var kind in new[] { "", "kind:traffic", "kind:log" })
            {
                foreach (var shape in Shapes)
                {
                    data.Add($"{range} {kind} {shape}".Trim());
                }
            }
        }

        return data;
    }

    private static readonly string[] Shapes =
    [
        "decision:block | top 10 country",
        "decision:block | top 3 country",
        "decision:challenge | stats count() by reason",
        "decision:allow | stats count() as n by domain",
        "decision:block | stats count() by level",
        "decision:block | top 5 service",
        "level:error | stats count() by service",
        "level:error | top 2 service",
        "level:warn | stats count() by decision",
        "level:info | top 10 category",
        "level:fatal | stats count() by system",
        "| stats count() by bin(5m)",
        "| top 3 country",
        "| top 10 service",
        "| top 2 level",
        "| top 4 decision",
        "| stats count() as n by (bin(1m), service)",
        "| stats count() by (bin(5m), service)",
        "| stats count() by (bin(1h), level)",
        "| stats count() by (decision, bin(10m))",
        "| stats count() by (bin(2m), decision)",
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_stored_detail_answer_equals_the_engines(string query)
    {
        var stored = await Run(query);
        Assert.True(stored.GetProperty("timings").TryGetProperty("stored_counts", out _), $"not from stored counts: {query}");
        var engine = await Run(Forced(query));
        Assert.False(engine.GetProperty("timings").TryGetProperty("stored_counts", out _));
        AssertSameTable(engine, stored, query);
    }

    [Fact]
    public async Task The_answers_are_not_empty_and_differ_between_ranges()
    {
        var all = await Run("| stats count() by (bin(5m), service)");
        var cut = await Run($"{Cut} | stats count() by (bin(5m), service)");
        Assert.True(cut.GetProperty("rows").GetArrayLength() > 10);
        Assert.True(all.GetProperty("rows").GetArrayLength() > cut.GetProperty("rows").GetArrayLength());
        var blocks = await Run($"{Cut} decision:block | top 10 country");
        Assert.Equal(5, blocks.GetProperty("rows").GetArrayLength()); // five countries in the data
    }

    /// <summary>More cells than Query:MaxRows: the count stops at the bound and the engine answers, cut as it cuts.</summary>
    [Fact]
    public async Task More_bins_than_the_row_bound_go_to_the_engine_cut_as_it_cuts()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 50 } });
        var lines = FourHourEvents.Generate(new Random(11), 1500, Start, 2 * Hour);
        await Api.PostAsync(server, lines);
        await Api.FlushAsync(server);
        const string query = "| stats count() by (bin(1m), service)";
        var answer = await Run(query, server);
        Assert.False(answer.GetProperty("timings").TryGetProperty("stored_counts", out _));
        Assert.True(answer.GetProperty("truncated").GetBoolean());
        AssertSameTable(await Run(Forced(query), server), answer, query);
        var few = await Run("| stats count() by bin(1h)", server);
        Assert.True(few.GetProperty("timings").TryGetProperty("stored_counts", out _));
    }

    [Fact]
    public async Task Parts_written_without_details_give_the_engines_answer()
    {
        await using var server = await TestServer.StartAsync();
        var lines = FourHourEvents.Generate(new Random(7), 1200, Start, 3 * Hour);
        await Api.PostAsync(server, lines.Where((_, i) => i % 2 == 0));
        await Api.FlushAsync(server);
        await Api.WaitCompactedAsync(server);
        await Api.PostAsync(server, lines.Where((_, i) => i % 2 == 1));
        await Api.FlushAsync(server);
        await server.StopAsync();

        // As parts written before details existed: the stats files of every hour but 07:00 lose "detail".
        var stripped = 0;
        foreach (var path in Directory.EnumerateFiles(server.DataDir, "*.stats.json", SearchOption.AllDirectories))
        {
            var stats = PartStats.Read(path);
            Assert.NotNull(stats.Detail);
            if (!path.Contains($"{Path.DirectorySeparatorChar}07{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                new PartStats(stats.Summary, stats.TraceKeys, stats.TraceFirst, stats.TraceLast, stats.Text, stats.TextBlocks).Write(path);
                stripped++;
            }
        }

        Assert.True(stripped > 0);
        await server.RestartAsync();
        foreach (var shape in Shapes)
        {
            foreach (var range in new[] { "", "_time:[2026-01-01T05:00:00Z, 2026-01-01T08:00:00Z)", "_time:[2026-01-01T05:10:00Z, 2026-01-01T07:30:00Z)" })
            {
                var query = $"{range} {shape}".Trim();
                var stored = await Run(query, server);
                AssertSameTable(await Run(Forced(query), server), stored, query);
            }
        }
    }

    [Fact]
    public async Task Sampled_traffic_counts_by_its_weights_as_the_engine_does()
    {
        await using var server = await SampledTraffic.StartAsync();
        var stored = await Api.SearchAllAsync(server, "kind=traffic", 10_000);
        Assert.Contains(stored, e => e.TryGetProperty("sample_weight", out var w) && w.GetInt64() > 1);
        foreach (var query in new[] { "decision:block | top 10 country", "decision:allow | stats count() by domain", "| stats count() by (bin(1m), decision)", "_time:[2026-01-01T00:00:00Z, 2026-01-01T01:00:00Z) level:info | top 3 decision" })
        {
            var answer = await Run(query, server);
            Assert.True(answer.GetProperty("timings").TryGetProperty("stored_counts", out _), query);
            AssertSameTable(await Run(Forced(query), server), answer, query);
        }
    }

    /// <summary>The same query with a term every event matches, which no stored shape accepts.</summary>
    private static string Forced(string query)
    {
        var pipe = query.IndexOf('|', StringComparison.Ordinal);
        return $"{query[..pipe].TrimEnd()} level:>=trace {query[pipe..]}".TrimStart();
    }

    private static void AssertSameTable(JsonElement expected, JsonElement actual, string query)
    {
        Assert.Equal(expected.GetProperty("columns").ToString(), actual.GetProperty("columns").ToString());
        Assert.Equal(expected.GetProperty("rows").ToString(), actual.GetProperty("rows").ToString());
        Assert.Equal(expected.GetProperty("truncated").GetBoolean(), actual.GetProperty("truncated").GetBoolean());
        Assert.True(query.Length > 0);
    }

    private Task<JsonElement> Run(string query, TestServer? server = null) => Api.AnalyticsAsync(server ?? _server, new { query });
}
