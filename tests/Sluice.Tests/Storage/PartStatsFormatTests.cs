using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>
/// The stats file beside a part: version 3 (binary) reads back what was written, versions 1 and 2 (JSON) already on
/// disk still read, and a damaged file or trace index is refused rather than read as a different one.
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

        // Rewritten (as compaction does with the stats of the parts it merges), it is version 3 with the same traces.
        var rewritten = Path.Combine(dir.Path, "merged.stats.json");
        PartStats.Merge([stats]).Write(rewritten);
        Assert.Equal("SLST\u0003"u8.ToArray(), File.ReadAllBytes(rewritten)[..5]);
        var again = PartStats.Read(rewritten);
        Assert.Equal(stats.TraceKeys, again.TraceKeys);
        // Version 3 keeps whole seconds: each span widened to the seconds it touches.
        Assert.Equal([0u, 3_599_000u], again.TraceFirst);
        Assert.Equal([999u, 3_599_999u], again.TraceLast);
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
    public void Version_3_finds_every_trace_written_in_its_span()
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
        // About 6 bytes a trace (a key gap of ~3, the first second 2, a span of 1), against version 1's 16 (21 in
        // base64); the rest of this file is a few bytes.
        Assert.InRange(new FileInfo(path).Length, 5000 * 5, (5002 * 7) + 32);
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
        // Magic and version, total and field count, no sketch, a trace index of one byte (a count of 0), no filter,
        // no blocks, no details, the checksum.
        Assert.Equal(5 + 3 + 2 + 3 + 4, new FileInfo(path).Length);
    }

    [Fact]
    public void Version_3_reads_back_everything_written()
    {
        using var dir = new TempDirectory();
        var stats = Sample();
        var path = Path.Combine(dir.Path, "part.stats.json");
        stats.Write(path);

        var read = PartStats.Read(path);

        AssertSame(stats, read, traceResolutionMs: 1000);
        // The sketch of 3,000 addresses is stored compressed: the file is well under its 16 KB of registers.
        Assert.InRange(new FileInfo(path).Length, 100, 12_000);
    }

    [Fact]
    public void Version_2_stats_files_with_every_member_still_read()
    {
        using var dir = new TempDirectory();
        var stats = Sample();
        // Version 2 as sealing wrote it: the blobs in base64 inside JSON.
        var blocks = string.Join(",", stats.TextBlocks.Select(b => b.Text is { } t
            ? $$"""{"min_seq":{{b.MinSeq}},"max_seq":{{b.MaxSeq}},"log2":{{t.Log2}},"bits":"{{t.ToBase64()}}"}"""
            : $$"""{"min_seq":{{b.MinSeq}},"max_seq":{{b.MaxSeq}},"log2":null,"bits":null}"""));
        var json = $$"""
            {"version":2,"summary":{"total":{{stats.Summary.Total}},"counts":{"level":{"info":2000,"error":1000},"country":{"Ü-land":3000} },
             "ips_hll":"{{Convert.ToBase64String(stats.Summary.Ips.ToBytes())}}"},
             "trace_index":"{{Convert.ToBase64String(TraceIndexFormat.Encode(stats.TraceKeys, stats.TraceFirst, stats.TraceLast, resolutionMs: 1))}}",
             "text_trigrams":"{{stats.Text!.ToBase64()}}","text_trigrams_log2":{{stats.Text.Log2}},
             "detail":"{{Convert.ToBase64String(stats.Detail!)}}","text_blocks":[{{blocks}}]}
            """;
        var path = Path.Combine(dir.Path, "part.stats.json");
        File.WriteAllText(path, json);

        AssertSame(stats, PartStats.Read(path), traceResolutionMs: 1);
    }

    /// <summary>A version 3 file as this version writes it: a change of the layout must come with a new version.</summary>
    private const string Version3 = "534C535403030107736572766963650203617069020377656201000C02010000FEFFFFFF0F8F1C0000010702000052521034";

    [Fact]
    public void Version_3_layout_is_stable()
    {
        var summary = new PartSummary { Total = 3 };
        summary.Count("service", "api", 2);
        summary.Count("service", "web", 1);
        var traces = new Dictionary<ulong, (uint First, uint Last)> { [0x0000000100000005] = (5, 20), [0xFFFFFFFF00000000] = (3_599_999, 3_599_999) };
        var stats = PartStats.Create(summary, traces, textBlocks: [new TextBlock(7, 9, null)]);

        Assert.Equal(Version3, Convert.ToHexString(PartStatsBinary.Encode(stats)));
        var read = PartStatsBinary.Decode(Convert.FromHexString(Version3), "golden.stats.json");
        Assert.Equal(2, read.Summary.CountOf("service", "api"));
        Assert.True(read.TryFindTrace(0xFFFFFFFF00000000, out var first, out var last));
        Assert.Equal((3_599_000u, 3_599_999u), (first, last));
        Assert.Equal((7L, 9L, (TextTrigrams?)null), (read.TextBlocks.Single().MinSeq, read.TextBlocks.Single().MaxSeq, read.TextBlocks.Single().Text));
    }

    [Fact]
    public void A_damaged_version_3_file_is_refused_at_every_cut_and_flipped_byte()
    {
        var bytes = PartStatsBinary.Encode(Sample());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => PartStatsBinary.Decode(bytes.AsSpan(0, length), "part.stats.json"));
        }

        for (var at = 0; at < bytes.Length; at += 7)
        {
            var flipped = bytes.ToArray();
            flipped[at] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => PartStatsBinary.Decode(flipped, "part.stats.json"));
        }
    }

    /// <summary>
    /// Bodies whose checksum holds (a writer's bug, not the disk's) but whose content lies: refused with a clear error
    /// before anything is allocated for them. The empty stats are 53 4C 53 54 03 | 00 00 00 | 01 00 | 00 | 00 | 00.
    /// </summary>
    [Theory]
    [InlineData("534C535403000000010000000000")] // a byte after the stats
    [InlineData("534C5354040000000100000000")] // version 4
    [InlineData("534C53540300FFFFFFFF0F")] // 4 billion fields
    [InlineData("534C53540300010541")] // a field name of 5 bytes, 1 left
    [InlineData("534C535403000101FF0000000100000000")] // a field name that is not UTF-8
    [InlineData("534C53540300000501020304050100000000")] // a sketch that is not Brotli
    [InlineData("534C5354030000008001000000000000")] // a trace index of 128 bytes, 6 left
    [InlineData("534C535403000000070101B892860200000000")] // a trace whose first second is past 32 bits of ms
    [InlineData("534C53540300000001001600000000")] // a text filter of 2^22 bits, none of its bytes there
    [InlineData("534C53540300000001000900000000")] // a text filter of 2^9 bits, smaller than any written
    [InlineData("534C535403000000010000FFFFFFFF0F")] // 4 billion text blocks
    [InlineData("534C5354030000000100000105FFFFFFFFFFFFFFFFFF01000000")] // a text block ending past 63 bits
    [InlineData("534C53540300000001000000FFFFFFFF0F")] // stored counts of 4 GB
    public void A_version_3_file_that_lies_about_its_lengths_is_refused(string hex)
    {
        var body = Convert.FromHexString(hex);
        var signed = new byte[body.Length + 4];
        body.CopyTo(signed, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(signed.AsSpan(body.Length), System.IO.Hashing.Crc32.HashToUInt32(body));

        var error = Assert.Throws<InvalidDataException>(() => PartStatsBinary.Decode(signed, "part.stats.json"));
        Assert.StartsWith("part.stats.json", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"version":2,"trace_index":"AA=="}""")] // no summary
    [InlineData("""{"version":2,"summary":{"total":0,"counts":{}},"trace_index":"AA==","text_trigrams":"AAAA"}""")] // a filter without its size
    [InlineData("""{"version":2,"summary":{"total":"many","counts":{}},"trace_index":"AA=="}""")]
    [InlineData("""{"version":2,"summary":{"total":0,"counts":{}},"trace_index":"not base64!"}""")]
    public void A_damaged_json_stats_file_is_refused(string json)
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "part.stats.json");
        File.WriteAllText(path, json);

        Assert.Throws<InvalidDataException>(() => PartStats.Read(path));
    }

    /// <summary>Stats with every member: counts (one value outside ASCII), a sketch, traces, filters, blocks, details.</summary>
    private static PartStats Sample()
    {
        var summary = new PartSummary { Total = 3000 };
        summary.Count("level", "info", 2000);
        summary.Count("level", "error", 1000);
        summary.Count("country", "Ü-land", 3000);
        for (var i = 0; i < 3000; i++)
        {
            summary.Ips.Add(System.IO.Hashing.XxHash3.HashToUInt64(BitConverter.GetBytes(i)));
        }

        var traces = Enumerable.Range(0, 500).ToDictionary(i => (ulong)i * 0x9E3779B97F4A7C15UL, i => ((uint)i * 7000, ((uint)i * 7000) + 99));
        using var builder = new TextTrigrams.Builder();
        builder.Add("connection timeout after 30 s"u8);
        var block = builder.Build();
        builder.Add("disk full"u8);
        var text = builder.Build();
        var blocks = new[] { new TextBlock(1, 32_768, block), new TextBlock(32_769, 40_000, null) };
        return PartStats.Create(summary, traces, text, blocks, new SummaryDetail(3_600_000));
    }

    private static void AssertSame(PartStats expected, PartStats actual, uint traceResolutionMs)
    {
        Assert.Equal(expected.Summary.Total, actual.Summary.Total);
        Assert.Equal(expected.Summary.Counts.Keys.Order(), actual.Summary.Counts.Keys.Order());
        foreach (var (field, values) in expected.Summary.Counts)
        {
            Assert.Equal(values.OrderBy(v => v.Key, StringComparer.Ordinal), actual.Summary.Counts[field].OrderBy(v => v.Key, StringComparer.Ordinal));
        }

        Assert.Equal(expected.Summary.Ips.ToBytes(), actual.Summary.Ips.ToBytes());
        Assert.InRange(actual.Summary.Ips.Estimate(), 2900, 3100);
        Assert.Equal(expected.TraceKeys, actual.TraceKeys);
        Assert.Equal(expected.TraceFirst.Select(t => t / traceResolutionMs * traceResolutionMs), actual.TraceFirst);
        Assert.Equal(expected.TraceLast.Select(t => (uint)Math.Min((((t / traceResolutionMs) + 1) * (ulong)traceResolutionMs) - 1, uint.MaxValue)), actual.TraceLast);
        Assert.Equal(expected.Text!.ToBytes(), actual.Text!.ToBytes());
        Assert.Equal(expected.Text.Log2, actual.Text.Log2);
        Assert.Equal(expected.TextBlocks.Count, actual.TextBlocks.Count);
        for (var i = 0; i < expected.TextBlocks.Count; i++)
        {
            var (e, a) = (expected.TextBlocks[i], actual.TextBlocks[i]);
            Assert.Equal((e.MinSeq, e.MaxSeq, e.Text?.Log2), (a.MinSeq, a.MaxSeq, a.Text?.Log2));
            Assert.Equal(e.Text?.ToBytes(), a.Text?.ToBytes());
        }

        Assert.Equal(expected.Detail, actual.Detail);
        Assert.True(actual.Text.MayContain(TextTrigrams.NeedleCodes("DISK FULL")!));
        Assert.True(actual.TextBlocks[0].Text!.MayContain(TextTrigrams.NeedleCodes("TIMEOUT")!));
        Assert.False(actual.TextBlocks[0].Text!.MayContain(TextTrigrams.NeedleCodes("disk full")!));
    }
}
