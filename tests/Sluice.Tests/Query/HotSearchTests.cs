using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Query.Search;
using Sluice.Storage.Hot;
using Sluice.Storage.Wal;
using Sluice.Tests.Support;

namespace Sluice.Tests.Query;

public class HotSearchTests
{
    private static HotTier NewTier(long maxBytes = 512L * 1024 * 1024, int chunkBytes = 64 * 1024) =>
        new(new HotTierOptions { MaxBytes = maxBytes, ChunkBytes = chunkBytes }, WalOnlyChunkSink.Instance, NullLogger.Instance);

    private static long _seq = 1;

    /// <summary>Searches the tier alone, as search does over a snapshot's chunks.</summary>
    private static SearchPage Search(HotTier tier, SearchRequest request)
    {
        var snapshot = request.Cursor?.SnapshotSeq ?? tier.MaxSeq;
        return SearchPage.From(HotSearch.Candidates(tier.Chunks, request, snapshot), request, snapshot);
    }

    private static void Add(HotTier tier, byte[] rows, int count)
    {
        var first = Interlocked.Add(ref _seq, count) - count;
        tier.Apply(new WalRecord(first, count, rows));
    }

    [Fact]
    public void Finds_by_id_and_trace()
    {
        var tier = NewTier();
        Add(tier, Rows.Batch([("a", 30, "t1", "x"), ("b", 10, "t1", "y"), ("c", 20, "t2", "z")]), 3);
        Assert.True(tier.TryFind("b"u8, out var row));
        Assert.Equal("b", Rows.Id(row.Bytes));
        Assert.False(tier.TryFind("zz"u8, out _));
        Assert.Equal(["b", "a"], tier.FindTrace(tier.Chunks, "t1"u8).Select(r => Rows.Id(r.Bytes)));
    }

    [Fact]
    public void Filters_apply_together()
    {
        var tier = NewTier();
        Add(tier, Rows.Batch([("a", 1, null, "Connection TIMEOUT here")], service: "auth", level: EventLevel.Error), 1);
        Add(tier, Rows.Batch([("b", 2, null, "all good")], service: "auth", level: EventLevel.Error), 1);
        Add(tier, Rows.Batch([("c", 3, null, "timeout too")], service: "billing", level: EventLevel.Error), 1);
        Add(tier, Rows.Batch([("d", 4, null, "timeout again")], service: "auth", level: EventLevel.Info), 1);

        var page = Search(tier, new SearchRequest
        {
            Service = Encoding.UTF8.GetBytes("auth"),
            LevelMask = 1 << (int)EventLevel.Error,
            Text = "timeout",
        });
        Assert.Equal(["a"], page.Rows.Select(r => Rows.Id(r.Bytes.Span)));

        var textOnly = Search(tier, new SearchRequest { Text = "TimeOut" });
        Assert.Equal(["d", "c", "a"], textOnly.Rows.Select(r => Rows.Id(r.Bytes.Span)));

        var window = Search(tier, new SearchRequest { StartMs = 2, EndMs = 4, Descending = false });
        Assert.Equal(["b", "c"], window.Rows.Select(r => Rows.Id(r.Bytes.Span)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Cursor_pages_never_skip_or_repeat_while_events_keep_arriving(bool descending)
    {
        var tier = NewTier(chunkBytes: 64 * 1024);
        var random = new Random(7);
        var initial = Enumerable.Range(0, 2_000).Select(i => ($"old{i}", (long)random.Next(0, 10_000), (string?)null, "m")).ToList();
        foreach (var chunk in initial.Chunk(100))
        {
            Add(tier, Rows.Batch(chunk), chunk.Length);
        }

        var seen = new List<string>();
        SearchCursor? cursor = null;
        var fresh = 0;
        do
        {
            var page = Search(tier, new SearchRequest { Limit = 37, Descending = descending, Cursor = cursor });
            seen.AddRange(page.Rows.Select(r => Rows.Id(r.Bytes.Span)));
            cursor = page.Next;

            // New events land everywhere in time, including before and after the page boundary.
            var arrivals = Enumerable.Range(0, 25).Select(_ => ($"new{fresh++}", (long)random.Next(0, 10_000), (string?)null, "m")).ToList();
            Add(tier, Rows.Batch(arrivals), arrivals.Count);
        }
        while (cursor is not null);

        Assert.Equal(initial.Count, seen.Count);
        Assert.Equal(initial.Select(e => e.Item1).Order(), seen.Order());
    }

    [Fact]
    public void Eviction_frees_memory_and_forgets_index_entries()
    {
        var tier = NewTier(maxBytes: 256 * 1024, chunkBytes: 64 * 1024);
        for (var i = 0; i < 3_000; i++)
        {
            Add(tier, Rows.Single($"id{i}", i, trace: "same", message: new string('x', 200)), 1);
        }

        Assert.True(tier.Bytes <= 256 * 1024);
        Assert.False(tier.TryFind("id0"u8, out _));
        Assert.True(tier.TryFind("id2999"u8, out _));
        var trace = tier.FindTrace(tier.Chunks, "same"u8);
        Assert.Equal(trace[^1].Entry.Seq, HotTier.SeamOf(tier.Chunks, tier.MaxSeq));
        Assert.Equal((int)tier.RowCount, trace.Count);
        Assert.Equal("id2999", Rows.Id(trace[0].Bytes));
    }

    /// <summary>Evicted chunks are reused whole (buffer, row index, dictionaries): none of their rows may show again.</summary>
    [Fact]
    public void Reused_chunks_keep_nothing_of_their_evicted_rows()
    {
        var tier = NewTier(maxBytes: 256 * 1024, chunkBytes: 64 * 1024);
        for (var i = 0; i < 5_000; i++)
        {
            Add(tier, Rows.Single($"id{i}", i, trace: $"t{i % 7}", message: new string('x', 50 + (i % 150))), 1);
        }

        using var read = tier.EnterRead();
        var kept = tier.Chunks.SelectMany(c => Enumerable.Range(0, c.Count).Select(i => Rows.Id(c.RowBytes(i)))).ToList();
        var first = int.Parse(kept[0].AsSpan(2), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(first > 1_000, "enough chunks were evicted to reuse several");
        Assert.Equal(Enumerable.Range(first, 5_000 - first).Select(i => $"id{i}"), kept);
        Assert.False(tier.TryFind(Encoding.UTF8.GetBytes($"id{first - 1}"), out _));
        foreach (var id in kept)
        {
            Assert.True(tier.TryFind(Encoding.UTF8.GetBytes(id), out var row));
            Assert.Equal(id, Rows.Id(row.Bytes));
        }

        for (var t = 0; t < 7; t++)
        {
            var expected = Enumerable.Range(first, 5_000 - first).Where(i => i % 7 == t).Reverse().Select(i => $"id{i}");
            Assert.Equal(expected, tier.FindTrace(tier.Chunks, Encoding.UTF8.GetBytes($"t{t}")).Select(r => Rows.Id(r.Bytes)));
        }
    }

    [Fact]
    public void A_read_open_while_chunks_are_evicted_keeps_its_rows()
    {
        var tier = NewTier(maxBytes: 256 * 1024, chunkBytes: 64 * 1024);
        for (var i = 0; i < 2_000; i++)
        {
            Add(tier, Rows.Single($"a{i}", i, message: new string('y', 100)), 1);
        }

        var read = tier.EnterRead();
        var chunks = tier.Chunks;
        var before = chunks.Select(c => Enumerable.Range(0, c.Count).Select(i => c.RowBytes(i).ToArray()).ToList()).ToList();
        for (var i = 0; i < 4_000; i++)
        {
            Add(tier, Rows.Single($"b{i}", i, message: new string('z', 100)), 1);
        }

        Assert.DoesNotContain(tier.Chunks, chunks.Contains);
        for (var c = 0; c < chunks.Count; c++)
        {
            Assert.Equal(before[c], Enumerable.Range(0, before[c].Count).Select(i => chunks[c].RowBytes(i).ToArray()));
        }

        read.Dispose();
    }

    [Theory]
    [InlineData("hello WORLD", "world", true)]
    [InlineData("hello", "hello world", false)]
    [InlineData("Ärger im Büro", "büro", true)]
    [InlineData("abcabd", "abd", true)]
    [InlineData("", "a", false)]
    public void Text_matching_is_case_insensitive(string haystack, string needle, bool expected)
    {
        Assert.Equal(expected, new TextMatcher(needle).IsMatch(Encoding.UTF8.GetBytes(haystack)));
    }
}

public class SearchCursorTests
{
    [Fact]
    public void Cursor_round_trips()
    {
        var cursor = new SearchCursor(99, 1_750_000_000_123, 42, Descending: false, NowMs: 7);
        Assert.True(SearchCursor.TryDecode(cursor.Encode(), out var decoded));
        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage!")]
    [InlineData("====")]
    [InlineData("AQAAAAAAAAA")]
    [InlineData("€€€")]
    public void Foreign_text_is_not_a_cursor_and_never_throws(string text)
    {
        Assert.False(SearchCursor.TryDecode(text, out _));
    }

    [Fact]
    public void Random_text_never_throws()
    {
        var random = new Random(3);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ !é";
        for (var i = 0; i < 5_000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 50)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            _ = SearchCursor.TryDecode(text, out _);
        }
    }
}
