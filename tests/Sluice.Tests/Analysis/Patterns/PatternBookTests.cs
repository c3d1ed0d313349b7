using System.Text;
using Sluice.Analysis.Patterns;
using Sluice.Core.Events;
using Sluice.Core.Options;

namespace Sluice.Tests.Analysis.Patterns;

public sealed class PatternBookTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-patterns-").FullName;

    private string CatalogPath => Path.Combine(_dir, "patterns.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Messages_of_one_template_share_an_id_and_others_do_not()
    {
        var book = new PatternBook(new PatternOptions(), null);
        var a = Name(book, "user 17 logged in from 10.0.0.1");
        var b = Name(book, "user 23 logged in from 192.168.4.2");
        var c = Name(book, "disk /dev/sda1 is 91% full");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Matches("^[0-9a-f]{16}$", a);
    }

    [Fact]
    public void A_repeated_message_keeps_its_id_through_the_cache()
    {
        var book = new PatternBook(new PatternOptions { CacheMessages = 16 }, null);
        var first = Name(book, "cache refill took 12 ms");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(first, Name(book, "cache refill took 12 ms"));
        }
    }

    [Fact]
    public void Stored_rows_are_counted_with_their_weights_level_and_service()
    {
        var book = new PatternBook(new PatternOptions(), null);
        var id = Name(book, "job 4 finished");
        Observe(book, (id, 1_000, EventLevel.Info, "worker", 1), (id, 5_000, EventLevel.Error, "batch", 10), (id, 3_000, EventLevel.Debug, "worker", 1));

        var summary = book.Find(id)!;
        Assert.Equal(12, summary.Frequency);
        Assert.Equal(1_000, summary.FirstSeenMs);
        Assert.Equal(5_000, summary.LastSeenMs);
        Assert.Equal(EventLevel.Error, summary.Severity);
        Assert.Equal(["worker", "batch"], summary.Services);
        Assert.Equal(new Dictionary<string, long> { ["debug"] = 1, ["info"] = 1, ["error"] = 10 }, summary.Levels);
        Assert.Equal("job 4 finished", summary.Example);
    }

    [Fact]
    public void A_pattern_id_the_miner_did_not_give_is_not_counted()
    {
        var book = new PatternBook(new PatternOptions(), null);
        Observe(book, ("0123456789abcdef", 1, EventLevel.Info, "x", 1), ("client-chosen", 1, EventLevel.Info, "x", 1));
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void Ids_counts_and_learnt_patterns_survive_a_restart()
    {
        string login, learnt;
        {
            var book = new PatternBook(new PatternOptions(), CatalogPath);
            login = Name(book, "user 17 logged in from 10.0.0.1");
            Name(book, "user 18 logged in from 10.0.0.2");
            Observe(book, (login, 2_000, EventLevel.Warn, "auth", 2));
            learnt = book.Learn([new PatternToLearn("payment <*> failed", null, "payfail")])[0].Id;
            Assert.True(book.Save());
            Assert.False(book.Save()); // nothing changed since
        }

        var restarted = new PatternBook(new PatternOptions(), CatalogPath);
        Assert.Equal(login, Name(restarted, "user 99 logged in from 172.16.0.3"));
        Assert.Equal(learnt, Name(restarted, "payment 42 failed"));
        var summary = restarted.Find(login)!;
        Assert.Equal(2, summary.Frequency);
        Assert.Equal(EventLevel.Warn, summary.Severity);
        Assert.Equal(["auth"], summary.Services);
        Assert.Equal(new Dictionary<string, long> { ["warn"] = 2 }, summary.Levels);
        Assert.Equal("payfail", restarted.Find(learnt)!.Name);
    }

    [Fact]
    public void A_pattern_that_took_messages_of_other_lengths_still_takes_them_after_a_restart()
    {
        string id;
        {
            var book = new PatternBook(new PatternOptions(), CatalogPath);
            id = Name(book, "host.example.com:80 close, 451 bytes sent, 353 bytes received, lifetime 00:02");
            Assert.Equal(id, Name(book, "host.example.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes received, lifetime 00:02"));
            Assert.Equal(id, Name(book, "host.example.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime <1 sec"));
            Assert.True(book.Save());
        }

        Assert.Contains("\"elastic\":true", File.ReadAllText(CatalogPath));
        var restarted = new PatternBook(new PatternOptions(), CatalogPath);
        Name(restarted, "disk /dev/sdb1 is 93% full"); // a change, so the catalog is saved again
        Assert.True(restarted.Save());
        Assert.Contains("\"elastic\":true", File.ReadAllText(CatalogPath)); // restored as it was, not relearnt
        Assert.Equal(id, Name(restarted, "db.example.com:443 close, 9 bytes sent, 9 bytes (1.0 KB) received, lifetime 01:00"));
    }

    [Fact]
    public void A_learnt_template_takes_over_messages_the_cache_had_named()
    {
        var book = new PatternBook(new PatternOptions(), null);
        var mined = Name(book, "GET /health 200 in 3ms");
        var learnt = book.Learn([new PatternToLearn(null, "^GET /health", "health")])[0];
        Assert.Equal("regex", learnt.Type);
        Assert.NotEqual(mined, learnt.Id);
        Assert.Equal(learnt.Id, Name(book, "GET /health 200 in 3ms"));
    }

    [Fact]
    public void A_bad_regex_is_refused_naming_its_index_and_nothing_of_the_request_is_learnt()
    {
        var book = new PatternBook(new PatternOptions(), null);
        var e = Assert.Throws<ArgumentException>(() => book.Learn([new PatternToLearn("ok <*> done", null, null), new PatternToLearn(null, "([unclosed", null)]));
        Assert.StartsWith("patterns[1]", e.Message);
        Assert.Equal(0, book.Count);
        Assert.Equal("mined", book.Find(Name(book, "ok 5 done"))!.Type);
    }

    [Fact]
    public void Learnt_regexes_are_capped()
    {
        var book = new PatternBook(new PatternOptions(), null);
        book.Learn([.. Enumerable.Range(0, PatternBook.MaxLearntRegexes).Select(i => new PatternToLearn(null, $"^job{i}\\b", null))]);
        var e = Assert.Throws<ArgumentException>(() => book.Learn([new PatternToLearn(null, "^one more", null)]));
        Assert.Contains($"{PatternBook.MaxLearntRegexes} of them regexes", e.Message);
    }

    [Fact]
    public void A_pattern_is_new_from_when_the_server_first_stored_it_whatever_time_its_events_carry()
    {
        var clock = new Clock { Now = 5_000_000 };
        var book = new PatternBook(new PatternOptions(), null, clock);
        var id = Name(book, "backup of volume 3 finished");
        Assert.Equal(0, book.Find(id)!.FirstObservedMs);
        Observe(book, (id, 1_000, EventLevel.Info, "ops", 1));
        clock.Now = 9_000_000;
        Observe(book, (id, 2_000, EventLevel.Info, "ops", 1));
        var summary = book.Find(id)!;
        Assert.Equal(5_000_000, summary.FirstObservedMs);
        Assert.Equal(1_000, summary.FirstSeenMs);
    }

    [Fact]
    public void An_unreadable_catalog_is_refused_naming_the_file()
    {
        File.WriteAllText(CatalogPath, """{"version":1,"patterns":[{"id":"x"}]}""");
        var e = Assert.Throws<InvalidDataException>(() => new PatternBook(new PatternOptions(), CatalogPath));
        Assert.Contains("patterns.json", e.Message);
        File.WriteAllText(CatalogPath, """{"version":99,"patterns":[]}""");
        Assert.Throws<NotSupportedException>(() => new PatternBook(new PatternOptions(), CatalogPath));
    }

    [Fact]
    public void Similar_ranks_the_closest_pattern_first()
    {
        var book = new PatternBook(new PatternOptions(), null);
        var login = Name(book, "user 17 logged in from 10.0.0.1");
        Name(book, "disk /dev/sda1 is 91% full");
        var similar = book.Similar("user 5 logged out from 10.0.0.9", 2);
        Assert.Equal(login, similar[0].Pattern.Id);
        Assert.True(similar[0].Score > (similar.Count > 1 ? similar[1].Score : 0));
    }

    [Fact]
    public void Only_the_leading_bytes_of_a_long_message_are_mined()
    {
        var book = new PatternBook(new PatternOptions { MaxMessageBytes = 64 }, null);
        var head = "request failed with status 500 for tenant acme and region eu-west";
        Assert.Equal(Name(book, head + new string('x', 10_000)), Name(book, head + new string('y', 50_000)));
    }

    private sealed class Clock : Sluice.Core.Time.IClock
    {
        public long Now { get; set; }

        public long UnixMilliseconds => Now;
    }

    private static string Name(PatternBook book, string message)
    {
        Span<byte> id = stackalloc byte[IPatternNamer.IdLength];
        Assert.True(book.TryName(Encoding.UTF8.GetBytes(message), EventLevel.Info, id));
        return Encoding.ASCII.GetString(id);
    }

    private static void Observe(PatternBook book, params (string Id, long Timestamp, EventLevel Level, string Service, long Weight)[] rows)
    {
        using var batch = new EventBatchBuilder();
        foreach (var (id, timestamp, level, service, weight) in rows)
        {
            batch.BeginRow();
            batch.WriteString(FieldTag.Message, "x"u8);
            batch.WriteString(FieldTag.Service, Encoding.UTF8.GetBytes(service));
            batch.WriteString(FieldTag.PatternId, Encoding.UTF8.GetBytes(id));
            if (weight > 1)
            {
                batch.WriteInteger(FieldTag.SampleWeight, weight);
            }

            batch.EndRow(timestamp, EventKind.Log, level);
        }

        book.Observe(batch.Rows.Span, batch.Count);
    }
}
