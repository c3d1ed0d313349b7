using Sluice.Admission.Dedup;
using Sluice.Core.Options;

namespace Sluice.Tests.Admission;

/// <summary>Resent events are recognised; a retry racing the first attempt is neither stored twice nor lost.</summary>
public sealed class DuplicateFilterTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_committed_id_is_a_duplicate_until_the_window_has_passed()
    {
        var filter = new DuplicateFilter(new DedupOptions { IdWindowSeconds = 10 });
        var keys = Keys("a", "b");
        using (var first = await Claim(filter, keys, 0))
        {
            Assert.Equal(0, first.Duplicates);
            first.Commit(_ => true);
        }

        using (var again = await Claim(filter, Keys("b", "c"), 5_000))
        {
            Assert.True(again.IsDuplicate(0));
            Assert.False(again.IsDuplicate(1));
            again.Commit(_ => true);
        }

        // Remembered for at least the window, forgotten after twice the window.
        using (var later = await Claim(filter, Keys("a"), 9_999))
        {
            Assert.True(later.IsDuplicate(0));
        }

        using var gone = await Claim(filter, Keys("a"), 25_000);
        Assert.False(gone.IsDuplicate(0));
    }

    [Fact]
    public async Task A_key_found_stored_by_another_node_is_settled_with_the_claim_and_remembered_here()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        using (var claim = await Claim(filter, Keys("elsewhere", "new"), 0))
        {
            claim.MarkStoredElsewhere(0); // what the shared window says
            claim.Commit(row => row == 1);
        }

        // Neither key is left in flight (the next claim would wait for it), and both are known here now.
        using var again = await Claim(filter, Keys("elsewhere", "new"), 1);
        Assert.True(again.IsDuplicate(0));
        Assert.True(again.IsDuplicate(1));
    }

    [Fact]
    public async Task The_same_event_twice_in_one_request_is_stored_once()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        using var claim = await Claim(filter, Keys("x", "y", "x"), 0);
        Assert.False(claim.IsDuplicate(0));
        Assert.False(claim.IsDuplicate(1));
        Assert.True(claim.IsDuplicate(2));
    }

    [Fact]
    public async Task The_same_content_twice_in_one_request_is_two_events_but_a_resent_request_is_a_duplicate()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        var twice = new[] { new DedupKey(777, ByContent: true), new DedupKey(777, ByContent: true) };
        using (var claim = await Claim(filter, twice, 0))
        {
            Assert.Equal(0, claim.Duplicates);
            claim.Commit(_ => true);
        }

        using var resent = await Claim(filter, twice, 1);
        Assert.Equal(2, resent.Duplicates);
    }

    [Fact]
    public async Task Keys_of_a_failed_request_are_given_back_and_refused_events_are_not_remembered()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        using (var failed = await Claim(filter, Keys("a"), 0))
        {
            // disposed without commit: the log did not take it
        }

        using (var retry = await Claim(filter, Keys("a", "b"), 1))
        {
            Assert.False(retry.IsDuplicate(0));
            retry.Commit(row => row == 0); // b was refused by a quota
        }

        using var third = await Claim(filter, Keys("a", "b"), 2);
        Assert.True(third.IsDuplicate(0));
        Assert.False(third.IsDuplicate(1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_retry_waits_for_the_attempt_in_flight_and_follows_its_outcome(bool firstSucceeds)
    {
        var filter = new DuplicateFilter(new DedupOptions());
        var first = await Claim(filter, Keys("a", "b"), 0);
        var retry = filter.ClaimAsync(Keys("b", "a"), 2, 0, Wait, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(retry.IsCompleted, "the retry did not wait for the first attempt");
        if (firstSucceeds)
        {
            first.Commit(_ => true);
        }
        else
        {
            first.Dispose();
        }

        using var second = (await retry)!;
        Assert.Equal(firstSucceeds ? 2 : 0, second.Duplicates);
    }

    [Fact]
    public async Task Two_requests_claiming_overlapping_keys_in_opposite_orders_do_not_wait_on_each_other()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        var tasks = Enumerable.Range(0, 50).Select(i => Task.Run(async () =>
        {
            var keys = i % 2 == 0 ? Keys("p", "q", "r") : Keys("r", "q", "p");
            using var claim = (await filter.ClaimAsync(keys, 3, 0, Wait, CancellationToken.None))!;
            await Task.Yield();
            claim.Commit(_ => true);
            return 3 - claim.Duplicates;
        })).ToList();
        var stored = await Task.WhenAll(tasks);
        Assert.Equal(3, stored.Sum()); // each key stored by exactly one request
    }

    [Fact]
    public async Task A_claim_held_too_long_makes_the_retry_give_up_rather_than_store_twice()
    {
        var filter = new DuplicateFilter(new DedupOptions());
        using var first = await Claim(filter, Keys("a"), 0);
        Assert.Null(await filter.ClaimAsync(Keys("a"), 1, 0, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }

    [Fact]
    public async Task Content_keys_live_in_their_own_shorter_window()
    {
        var filter = new DuplicateFilter(new DedupOptions { IdWindowSeconds = 600, ContentWindowSeconds = 2 });
        var content = new[] { new DedupKey(12345, ByContent: true) };
        using (var first = await Claim(filter, content, 0))
        {
            first.Commit(_ => true);
        }

        using (var soon = await Claim(filter, content, 1_500))
        {
            Assert.True(soon.IsDuplicate(0));
        }

        using var late = await Claim(filter, content, 5_000);
        Assert.False(late.IsDuplicate(0));
    }

    [Fact]
    public async Task The_key_budget_shortens_the_window_instead_of_growing()
    {
        var filter = new DuplicateFilter(new DedupOptions { MaxKeys = 1_000 });
        for (var i = 0; i < 5_000; i++)
        {
            using var claim = await Claim(filter, Keys($"k{i}"), i);
            claim.Commit(_ => true);
        }

        Assert.InRange(filter.Count, 1, 1_000);
    }

    private static DedupKey[] Keys(params string[] ids) => [.. ids.Select(id => DedupKey.OfId(System.Text.Encoding.UTF8.GetBytes(id)))];

    private static async Task<DedupClaim> Claim(DuplicateFilter filter, DedupKey[] keys, long now) =>
        (await filter.ClaimAsync(keys, keys.Length, now, Wait, CancellationToken.None))!;
}
