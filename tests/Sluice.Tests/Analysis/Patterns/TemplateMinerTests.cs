using System.Text;
using Sluice.Analysis.Patterns;

namespace Sluice.Tests.Analysis.Patterns;

public class TemplateMinerTests
{
    [Fact]
    public void Same_template_with_other_values_joins_one_pattern_and_other_templates_do_not()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var a = Add(miner, "Connection from 10.0.0.1 port 5522 accepted");
        var b = Add(miner, "Connection from 192.168.1.20 port 61000 accepted");
        var c = Add(miner, "Disk /dev/sda1 is 91% full");
        var d = Add(miner, "Disk /dev/sdb2 is 97% full");
        var e = Add(miner, "Connection from 10.0.0.9 port 22 refused");

        Assert.Equal(a.Id, b.Id);
        Assert.Equal(c.Id, d.Id);
        Assert.NotEqual(a.Id, c.Id);
        Assert.NotEqual(a.Id, e.Id);
        Assert.Equal("Connection from <*> port <*> accepted", a.Template);
        Assert.Equal(2, a.Count);
        Assert.Equal(3, miner.Patterns.Count);
    }

    [Fact]
    public void Ids_are_sixteen_lowercase_hex_digits_and_the_same_for_the_same_first_template()
    {
        var first = Add(new TemplateMiner(new MinerOptions()), "Worker 7 started");
        var second = Add(new TemplateMiner(new MinerOptions()), "Worker 12 started");
        Assert.Matches("^[0-9a-f]{16}$", first.Id);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public void One_differing_word_makes_its_own_pattern_until_several_words_were_seen_there()
    {
        var miner = new TemplateMiner(new MinerOptions { DistinctWordsForVariable = 4 });
        var started = Add(miner, "Lifecycle event of the VM: Started");
        var stopped = Add(miner, "Lifecycle event of the VM: Stopped");
        Assert.NotEqual(started.Id, stopped.Id);

        var paused = Add(miner, "Lifecycle event of the VM: Paused");
        var resumed = Add(miner, "Lifecycle event of the VM: Resumed");

        // The fourth word makes the position a variable: all converge on the earliest pattern, which keeps its id.
        Assert.Equal(started.Id, resumed.Id);
        Assert.Equal("Lifecycle event of the VM: <*>", resumed.Template);
        Assert.Same(started, stopped.MergedInto);
        Assert.Same(started, paused.Current);
        Assert.Equal(4, started.Count);
        Assert.Single(miner.Patterns);
    }

    [Fact]
    public void Messages_of_different_lengths_share_a_template_when_the_extra_tokens_are_values()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var plain = Add(miner, "host.example.com:80 close, 451 bytes sent, 353 bytes received, lifetime 00:02");
        var withSize = Add(miner, "host.example.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes received, lifetime 00:02");
        var both = Add(miner, "host.example.com:80 close, 1190 bytes (1.16 KB) sent, 1671 bytes (1.63 KB) received, lifetime <1 sec");
        var other = Add(miner, "host.example.com:80 open through proxy proxy.example.com:5070 HTTPS");

        Assert.Equal(plain.Id, withSize.Current.Id);
        Assert.Equal(plain.Id, both.Current.Id);
        Assert.NotEqual(plain.Id, other.Id);
        Assert.Equal("<*> close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>", plain.Current.Template);
        Assert.Same(plain.Current, miner.Match(Utf8("db.example.com:443 close, 9 bytes sent, 9 bytes (1.0 KB) received, lifetime 01:00")));
    }

    [Fact]
    public void Missing_or_extra_words_keep_messages_apart()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var known = Add(miner, "Failed password for root from 10.0.0.1 port 22 ssh2");
        var invalid = Add(miner, "Failed password for invalid user admin from 10.0.0.1 port 22 ssh2");
        Assert.NotEqual(known.Id, invalid.Id);
    }

    [Fact]
    public void Restore_rebuilds_the_same_ids_for_the_same_messages()
    {
        string[] messages =
        [
            "Connection from 10.0.0.1 port 5522 accepted", "Disk /dev/sda1 is 91% full", "Job alpha finished in 12ms",
            "Job beta finished in 1.5s", "Job gamma finished in 3ms", "Job delta finished in 8ms",
        ];
        var before = new TemplateMiner(new MinerOptions());
        var ids = messages.Select(m => Add(before, m).Current.Id).ToList();

        var after = new TemplateMiner(new MinerOptions());
        foreach (var pattern in before.Patterns)
        {
            after.Restore(pattern.Id, pattern.Template, pattern.Count);
        }
        Assert.Equal(before.Patterns.Count, after.Patterns.Count);
        var again = messages.Select(m => Add(after, m).Id).ToList();
        Assert.Equal(ids, again);
        Assert.Equal(2 * messages.Length, after.Patterns.Sum(p => p.Count));
    }

    [Fact]
    public void Restore_refuses_a_malformed_id()
    {
        var miner = new TemplateMiner(new MinerOptions());
        Assert.Throws<ArgumentException>(() => miner.Restore("XYZ", "a <*>", 1));
    }

    [Fact]
    public void A_learnt_template_takes_precedence_over_mined_patterns()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var mined = Add(miner, "user alice logged in from 10.0.0.1");
        var learnt = miner.Learn("user <*> logged in from <*>", "login");

        var joined = Add(miner, "user bob logged in from 10.0.0.2");
        Assert.Same(learnt, joined);
        Assert.NotEqual(mined.Id, learnt.Id);
        Assert.True(joined.Learnt);
        Assert.Equal("login", joined.Name);
        Assert.Equal(1, learnt.Count);
        Assert.Same(learnt, miner.Match(Utf8("user carol logged in from somewhere")));
        Assert.NotSame(learnt, Add(miner, "user alice logged out from 10.0.0.1"));
    }

    [Fact]
    public void A_learnt_regex_matches_before_the_tree_and_others_are_mined()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var disk = miner.LearnRegex(@"^disk \S+ (full|nearly full)$", "disk");

        Assert.Same(disk, Add(miner, "disk sda1 full"));
        Assert.Same(disk, Add(miner, "disk nvme0n1 nearly full"));
        var other = Add(miner, "disk sda1 mounted");
        Assert.NotSame(disk, other);
        Assert.False(other.Learnt);
        Assert.Equal(2, disk.Count);
        Assert.Equal(@"^disk \S+ (full|nearly full)$", disk.Template);
    }

    [Fact]
    public void A_learnt_regex_that_runs_too_long_counts_as_not_matching()
    {
        var miner = new TemplateMiner(new MinerOptions { RegexTimeout = TimeSpan.FromMilliseconds(1) });
        var slow = miner.LearnRegex("^(a+)+$", "slow");
        var joined = Add(miner, new string('a', 40) + "!");
        Assert.NotSame(slow, joined);
    }

    [Fact]
    public void Similar_ranks_the_pattern_of_the_message_first()
    {
        var miner = new TemplateMiner(new MinerOptions());
        Add(miner, "Connection from 10.0.0.1 port 5522 accepted");
        var disk = Add(miner, "Disk /dev/sda1 is 91% full on host alpha");
        Add(miner, "Disk /dev/sda1 mounted read-only");

        var similar = miner.Similar(Utf8("Disk /dev/sdc9 is 12% full on host alpha"), 3);
        Assert.Same(disk, similar[0].Pattern);
        Assert.Equal(1.0, similar[0].Score);
        Assert.All(similar, s => Assert.InRange(s.Score, 0.0, 1.0));
        Assert.Equal(similar.OrderByDescending(s => s.Score).Select(s => s.Score), similar.Select(s => s.Score));
        Assert.Single(miner.Similar(Utf8("Disk /dev/sdc9 is 12% full on host alpha"), 1));
    }

    [Fact]
    public void Match_does_not_learn()
    {
        var miner = new TemplateMiner(new MinerOptions());
        var known = Add(miner, "Worker 7 started");
        Assert.Same(known, miner.Match(Utf8("Worker 9 started")));
        Assert.Null(miner.Match(Utf8("Something else entirely happened")));
        Assert.Single(miner.Patterns);
        Assert.Equal(1, known.Count);
    }

    [Fact]
    public void A_pattern_named_from_the_caller_s_cache_is_not_taken_for_a_rare_one()
    {
        var miner = new TemplateMiner(new MinerOptions { MaxPatterns = 3 });
        var cached = Add(miner, "health check passed");
        for (var i = 0; i < 50; i++)
        {
            cached.NoteCacheHit(); // the repeats the exact-message cache answered
        }

        foreach (var word in new[] { "alpha", "bravo", "charlie", "delta", "echo" })
        {
            Add(miner, $"unrelated {word} message number one here");
            Add(miner, $"unrelated {word} message number one here");
        }

        Assert.False(cached.Evicted);
        Assert.Contains(cached, miner.Patterns);
    }

    [Fact]
    public void The_tree_keeps_no_leaf_for_evicted_patterns()
    {
        var miner = new TemplateMiner(new MinerOptions { MaxPatterns = 4 });
        for (var i = 0; i < 200; i++)
        {
            var word = string.Concat(Enumerable.Range(0, 4).Select(k => (char)('a' + ((i >> (k * 2)) % 26))));
            Add(miner, $"{word} {word}x finished with {string.Join(' ', Enumerable.Repeat("step", 1 + (i % 7)))}");
        }

        Assert.True(miner.Patterns.Count <= 4);
        Assert.True(miner.Tree.Leaves().Count() <= 4, $"{miner.Tree.Leaves().Count()} leaves for {miner.Patterns.Count} patterns");
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(1, false)]
    public void A_message_of_another_length_is_aligned_with_at_most_the_bound_of_candidates(int bound, bool joins)
    {
        var miner = new TemplateMiner(new MinerOptions { MaxCrossLengthCandidates = bound });
        Add(miner, "user session opened by admin console for maintenance window");
        var closed = Add(miner, "user session closed for 42");
        var longer = Add(miner, "user session closed for 43 on 7");
        Assert.Equal(joins, longer.Current == closed.Current);
    }

    [Fact]
    public void Learning_a_template_again_names_the_same_pattern()
    {
        var miner = new TemplateMiner(new MinerOptions());
        Assert.Same(miner.Learn("payment <*> failed", "a"), miner.Learn("payment <*> failed", "b"));
        Assert.Same(miner.LearnRegex("^GET /health", null), miner.LearnRegex("^GET /health", null));
    }

    [Fact]
    public void The_bound_holds_and_evicted_patterns_are_reported_with_their_counts()
    {
        var miner = new TemplateMiner(new MinerOptions { MaxPatterns = 3 });
        var evicted = new List<(string Id, long Count)>();
        miner.Evicted += (_, e) => evicted.Add((e.Pattern.Id, e.Pattern.Count));

        string[] words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
        var frequent = Add(miner, "frequent event happened");
        for (var i = 0; i < 5; i++)
        {
            Add(miner, "frequent event happened");
        }
        var total = 6L;
        foreach (var word in words)
        {
            Add(miner, $"unrelated {word} message number one here");
            Add(miner, $"unrelated {word} message number one here");
            total += 2;
            Assert.True(miner.Patterns.Count <= 3);
        }

        Assert.Equal(words.Length + 1 - 3, evicted.Count);
        Assert.All(evicted, e => Assert.Equal(2, e.Count));
        Assert.Contains(frequent, miner.Patterns);
        Assert.Equal(total, miner.Patterns.Sum(p => p.Count) + evicted.Sum(e => e.Count));
    }

    private static MinedPattern Add(TemplateMiner miner, string message) => miner.Add(Utf8(message));

    private static byte[] Utf8(string message) => Encoding.UTF8.GetBytes(message);
}
