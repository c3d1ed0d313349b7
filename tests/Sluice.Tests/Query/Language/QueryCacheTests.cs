using Sluice.Core.Time;
using Sluice.Query.Analytics;

namespace Sluice.Tests.Query.Language;

public sealed class QueryCacheTests
{
    private sealed class Clock : IClock
    {
        public long UnixMilliseconds { get; set; } = 1_000_000;
    }

    [Fact]
    public void Entries_live_for_the_ttl_and_every_lookup_counts_as_a_hit_or_a_miss()
    {
        var clock = new Clock();
        var cache = new QueryCache(ttlSeconds: 60, maxBytes: 1024, clock);
        Assert.False(cache.TryGet("q", out _));
        cache.Put("q", [1, 2, 3]);
        Assert.True(cache.TryGet("q", out var body));
        Assert.Equal([1, 2, 3], body);
        clock.UnixMilliseconds += 60_000;
        Assert.False(cache.TryGet("q", out _));
        Assert.Equal((1, 2), (cache.Hits, cache.Misses));
    }

    [Fact]
    public void The_byte_budget_holds_and_the_oldest_entries_leave_first()
    {
        var cache = new QueryCache(ttlSeconds: 60, maxBytes: 1000, new Clock());
        for (var i = 0; i < 10; i++)
        {
            cache.Put($"q{i}", new byte[200]);
        }

        Assert.True(cache.Bytes <= 1000);
        Assert.False(cache.TryGet("q0", out _));
        Assert.True(cache.TryGet("q9", out _));

        cache.Put("big", new byte[600]);
        Assert.False(cache.TryGet("big", out _));
        Assert.True(cache.Bytes <= 1000);
    }

    [Fact]
    public void A_ttl_of_zero_turns_it_off() => Assert.False(new QueryCache(0, 1000, new Clock()).Enabled);
}
