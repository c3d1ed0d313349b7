using System.Text.Json.Nodes;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>
/// The stats file beside a part: version 2 (the compact trace index) reads back what was written, version 1 files
/// already on disk still read, and a damaged trace index is refused rather than read as a different one.
/// </summary>
public sealed class PartStatsFormatTests
{
    /// <summary>
    /// A version 1 stats file as sealing wrote it before version 2: three traces of 16 bytes each (hash, first, last),
    /// the first two with hashes whose top 32 bits are the same, the last at the end of the hour.
    /// </summary>
    private const string Version1 = """
        {"version":1,"summary":{"total":3,"counts":{"service":{"api":2,"web":1}},"ips_hll":null},
         "traces":"BQAAAAEAAAAKAAAAFAAAAAkAAAABAAAABQAAAA8AAAAAAAAA/////3/uNgB/7jYA",
         "text_blocks":[{"min_seq":7,"max_seq":9,"log2":null,"bits":null}]}
        """;

    [Fact]
    public void Version_1_stats_files_still_read()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "part.stats.json");
        File.WriteAllText(path, Version1);

        var stats = PartStats.Read(path);

        Assert.Equal(3, stats.Summary.Total);
        Assert.Equal(2, stats.Summary.Counts["service"]["api"]);
        Assert.Equal((7L, 9L), (stats.TextBlocks.Single().MinSeq, stats.TextBlocks.Single().MaxSeq));
        // The two hashes sharing a key share one entry, spanning both traces.
        Assert.True(stats.TryFindTrace(0x0000000100000005, out var first, out var last));
        Assert.Equal((5u, 20u), (first, last));
        Assert.True(stats.TryFindTrace(0xFFFFFFFF00000000, out first, out last));
        Assert.Equal((3_599_999u, 3_599_999u), (first, last));
        Assert.False(stats.TryFindTrace(0x0000000200000005, out _, out _));

        // Rewritten (as compaction does with the stats of the parts it merges), it is version 2 with the same traces.
        var rewritten = Path.Combine(dir.Path, "merged.stats.json");
        PartStats.Merge([stats]).Write(rewritten);
        var root = JsonNode.Parse(File.ReadAllBytes(rewritten))!;
        Assert.Equal(2, root["version"]!.GetValue<int>());
        Assert.Null(root["traces"]);
        var again = PartStats.Read(rewritten);
        Assert.Equal(stats.TraceKeys, again.TraceKeys);
        Assert.Equal(stats.TraceFirst, again.TraceFirst);
        Assert.Equal(stats.TraceLast, again.TraceLast);
    }

    [Fact]
    public void A_part_without_details_merges_into_one_without_and_damaged_details_are_refused()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "part.stats.json");
        File.WriteAllText(path, Version1);
        var old = PartStats.Read(path);
        Assert.Null(old.Detail);

        // Compacted with a part that has details, the hour has none: the old part's events are in no detail.
        var current = PartStats.Create(new PartSummary(), [], detail: new SummaryDetail(3_600_000));
        Assert.NotNull(current.Detail);
        Assert.Null(PartStats.Merge([current, old]).Detail);
        Assert.NotNull(PartStats.Merge([current, current]).Detail);

        var bytes = current.Detail!;
        Assert.Equal(3_600_000, SummaryDetail.Decode(bytes).HourStart);
        Assert.Throws<InvalidDataException>(() => SummaryDetail.Decode(bytes[..^1]));
        Assert.Throws<InvalidDataException>(() => SummaryDetail.Decode([.. bytes, 0]));
        Assert.Throws<InvalidDataException>(() => SummaryDetail.Decode([2, .. bytes[1..]]));
    }

    [Fact]
    public void Version_2_finds_every_trace_written_in_its_span()
    {
        using var dir = new TempDirectory();
        var random = new Random(7);
        var traces = new Dictionary<ulong, (uint First, uint Last)>();
        for (var i = 0; i < 5000; i++)
        {
            var first = (uint)random.Next(0, 3_600_000);
            traces[(ulong)random.NextInt64()] = (first, first + (uint)random.Next(0, 2000));
        }

        traces[0] = (0, 0);
        traces[ulong.MaxValue] = (0, uint.MaxValue);
        var path = Path.Combine(dir.Path, "part.stats.json");
        PartStats.Create(new PartSummary(), traces).Write(path);

        var stats = PartStats.Read(path);
        foreach (var (hash, span) in traces)
        {
            Assert.True(stats.TryFindTrace(hash, out var first, out var last), $"trace {hash:x16} not found");
            Assert.True(first <= span.First && span.Last <= last, $"trace {hash:x16}: {span} read as ({first}, {last})");
        }

        var absent = 0;
        for (var i = 0; i < 1000; i++)
        {
            absent += stats.TryFindTrace((ulong)random.NextInt64(), out _, out _) ? 0 : 1;
        }

        Assert.True(absent >= 995, $"{1000 - absent} of 1000 traces never written were found");
        // About 8 bytes a trace in base64, against version 1's 16 bytes (21 in base64).
        var index = JsonNode.Parse(File.ReadAllBytes(path))!["trace_index"]!.GetValue<string>();
        Assert.InRange(Convert.FromBase64String(index).Length, 5000 * 6, 5002 * 9);
    }

    [Theory]
    [InlineData("AwEBAQEBAQ==")] // a count of 3, but two entries
    [InlineData("AgEBAQABAQ==")] // the second key repeats the first (a gap of 0)
    [InlineData("AQEBAQA=")] // a byte after the last entry
    [InlineData("/////w8=")] // a count of 4 billion in 5 bytes
    [InlineData("AYCAgIAQAQE=")] // a key past 32 bits
    public void A_damaged_trace_index_is_refused(string base64)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "part.stats.json");
        File.WriteAllText(path, """{"version":2,"summary":{"total":0,"counts":{}},"trace_index":"BASE64"}""".Replace("BASE64", base64, StringComparison.Ordinal));

        Assert.Throws<InvalidDataException>(() => PartStats.Read(path));
    }

    [Fact]
    public void An_empty_trace_index_reads_as_no_traces()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "part.stats.json");
        PartStats.Create(new PartSummary(), []).Write(path);

        var stats = PartStats.Read(path);

        Assert.Empty(stats.TraceKeys);
        Assert.False(stats.TryFindTrace(0, out _, out _));
        Assert.Equal("AA==", JsonNode.Parse(File.ReadAllBytes(path))!["trace_index"]!.GetValue<string>());
    }
}
