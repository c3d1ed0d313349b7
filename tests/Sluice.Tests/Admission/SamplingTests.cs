using Sluice.Admission;
using Sluice.Admission.Quotas;
using Sluice.Core.Events;
using Sluice.Storage.Summaries;

namespace Sluice.Tests.Admission;

/// <summary>Sampling keeps few events, but their weights add up to exactly what was received, stratum by stratum.</summary>
public sealed class SamplingTests
{
    private const long Start = 1_767_225_600_000;

    [Fact]
    public void Below_the_limit_nothing_is_sampled()
    {
        var book = QuotaBookTests.Book("domain:100/1h:sample");
        for (var i = 0; i < 100; i++)
        {
            var d = QuotaBookTests.Admit(book, QuotaBookTests.Row(domain: "d"), Start);
            Assert.Equal((QuotaOutcome.Pass, 1L), (d.Outcome, d.Weight));
        }

        Assert.Equal(0, book.Strata.Count);
    }

    [Fact]
    public void Sampling_grows_with_the_overload_and_weights_add_up_to_every_event_received()
    {
        var book = QuotaBookTests.Book("domain:1000/1h:sample");
        var summary = new PartSummary();
        var truth = new PartSummary();
        var stored = 0;
        var random = new Random(7);
        string[] countries = ["DE", "NL", "US", "FR", "BR"];
        string[] decisions = ["allow", "allow", "allow", "block", "challenge"];

        // Normal volume (1000 events), then a spike of 100×: 100,000 events in the same hour.
        for (var i = 0; i < 101_000; i++)
        {
            var row = QuotaBookTests.Row(domain: "shop.example", country: countries[random.Next(5)], decision: decisions[random.Next(5)], kind: EventKind.Traffic);
            truth.Add(row);
            var fields = RowFields.Read(row);
            var d = book.Admit(ref fields, RequestIdentity.Anonymous, row, default, Start + (i / 50));
            if (d.Outcome == QuotaOutcome.Pass)
            {
                summary.Add(Weighted(row, d.Weight));
                stored++;
            }
        }

        long heldWeight = 0;
        var heldCount = 0;
        foreach (var held in book.Strata.TakeHeld(Start + 3_000_000, 0, all: true))
        {
            summary.Add(Weighted(held.Row, held.Weight));
            heldWeight += held.Weight;
            heldCount++;
            stored++;
        }

        // 1000 kept whole, then about 1000 × ln(101) more, plus one held event per stratum.
        Assert.InRange(stored, 4_000, 8_000);
        Assert.Equal(truth.Total, summary.Total);
        foreach (var field in new[] { "country", "decision" })
        {
            foreach (var (value, count) in truth.Counts[field])
            {
                Assert.Equal(count, summary.CountOf(field, value));
            }
        }

        // Every event past the limit is in a kept sample's weight or in a held event's.
        var stats = book.Stats().Single();
        Assert.Equal(100_000, stats.SampledWeight + heldWeight);
        Assert.Equal(stored, 1_000 + stats.SampledKept + heldCount);
    }

    [Fact]
    public void Every_rule_sample_uses_the_largest_overload_and_a_quiet_stratum_is_written_out_with_its_count()
    {
        var strata = new SampleStrata();
        var row = QuotaBookTests.Row(domain: "x");
        Assert.Equal(0, strata.Decide(1, 3, row, default, 1_000));
        Assert.Equal(0, strata.Decide(1, 3, row, default, 1_001));
        Assert.Equal(3, strata.Decide(1, 3, row, default, 1_002));
        Assert.Equal(0, strata.Decide(1, 3, row, default, 1_003));
        Assert.Empty(strata.TakeHeld(1_500, idleMs: 1_000, all: false)); // not quiet yet
        var held = Assert.Single(strata.TakeHeld(2_003, idleMs: 1_000, all: false));
        Assert.Equal(1, held.Weight);
        Assert.Equal(row, held.Row);
        Assert.Equal(0, strata.Count);
    }

    [Fact]
    public void Events_too_large_to_hold_are_kept_with_the_count_waiting()
    {
        var strata = new SampleStrata();
        var small = QuotaBookTests.Row(domain: "x");
        Assert.Equal(0, strata.Decide(9, 100, small, default, 0));
        Assert.Equal(2, strata.Decide(9, 100, new byte[SampleStrata.MaxHeldRowBytes + 1], default, 0));
    }

    [Fact]
    public void A_full_strata_table_keeps_new_strata_whole()
    {
        var strata = new SampleStrata(maxStrata: 2);
        var row = QuotaBookTests.Row();
        Assert.Equal(0, strata.Decide(1, 10, row, default, 0));
        Assert.Equal(0, strata.Decide(2, 10, row, default, 0));
        Assert.Equal(1, strata.Decide(3, 10, row, default, 0));
    }

    [Fact]
    public async Task A_request_that_is_not_stored_leaves_the_counts_as_if_it_never_came()
    {
        var book = QuotaBookTests.Book("domain:1/1h:sample");
        var admission = new BatchAdmission(book, null, null);
        long storedWeight = 0;
        using (var first = Batch(10))
        using (var admitted = (await admission.AdmitAsync(first, RequestIdentity.Anonymous, Start, TimeSpan.FromSeconds(1), CancellationToken.None))!)
        {
            storedWeight += WeightOf(admitted.Rows);
            admitted.Commit();
        }

        // The next request is sampled, then its append fails: disposed without commit.
        using (var failed = Batch(10))
        using (var admitted = (await admission.AdmitAsync(failed, RequestIdentity.Anonymous, Start, TimeSpan.FromSeconds(1), CancellationToken.None))!)
        {
            Assert.True(admitted.SampledOut > 0);
        }

        var held = book.Strata.TakeHeld(Start, 0, all: true);
        Assert.Equal(10, storedWeight + held.Sum(h => h.Weight)); // the first request's 10, not the failed one's

        // Held events that could not be written are owed again, not lost.
        book.Strata.Restore(held);
        Assert.Equal(held.Sum(h => h.Weight), book.Strata.TakeHeld(Start, 0, all: true).Sum(h => h.Weight));
    }

    private static EventBatchBuilder Batch(int events)
    {
        var batch = new EventBatchBuilder();
        for (var i = 0; i < events; i++)
        {
            batch.AppendRow(QuotaBookTests.Row(domain: "shop.example", country: "DE", kind: EventKind.Traffic), default);
        }

        return batch;
    }

    private static long WeightOf(EventBatchBuilder batch)
    {
        long total = 0;
        var rows = batch.Rows.Span;
        while (!rows.IsEmpty)
        {
            var length = RowLayout.ReadLength(rows);
            total += RowReader.WeightOf(rows[..length]);
            rows = rows[length..];
        }

        return total;
    }

    private static byte[] Weighted(byte[] row, long weight)
    {
        using var batch = new EventBatchBuilder();
        batch.AppendRow(row, default, weight);
        Assert.Equal(weight, RowReader.WeightOf(batch.Rows.Span));
        return batch.Rows.ToArray();
    }
}
