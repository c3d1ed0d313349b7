using System.Text;
using Sluice.Core.Events;
using Sluice.Storage.Partitions;
using Sluice.Storage.Summaries;

namespace Sluice.Tests.Storage;

public class PartSummaryTests
{
    private static byte[] Row(string domain, string country)
    {
        using var batch = new EventBatchBuilder();
        batch.BeginRow();
        batch.WriteString(FieldTag.Domain, Encoding.UTF8.GetBytes(domain));
        batch.WriteString(FieldTag.Country, Encoding.UTF8.GetBytes(country));
        batch.EndRow(1_000, EventKind.Traffic, EventLevel.Info);
        return batch.Rows.ToArray();
    }

    private static PartSummary Summarise(IEnumerable<(string Domain, string Country)> rows)
    {
        var summary = new PartSummary();
        foreach (var (domain, country) in rows)
        {
            summary.Add(Row(domain, country));
        }

        return summary;
    }

    [Fact]
    public void A_part_counts_each_value_and_past_the_cap_counts_the_rest_as_other()
    {
        var summary = Summarise(Enumerable.Range(0, 1005).Select(i => ($"d{i}.example", i % 3 == 0 ? "DE" : "Ü-land")));
        Assert.Equal(1005, summary.Total);
        Assert.Equal(PartSummary.MaxValuesPerField + 1, summary.Counts["domain"].Count);
        Assert.Equal(5, summary.CountOf("domain", PartSummary.Other));
        Assert.Equal(335, summary.CountOf("country", "DE"));
        Assert.Equal(670, summary.CountOf("country", "Ü-land"));
        Assert.Equal(1005, summary.Counts["level"]["info"]);
    }

    [Fact]
    public void Merging_adds_counts_exactly_in_any_order_and_survives_a_round_trip()
    {
        var a = Summarise(Enumerable.Range(0, 900).Select(i => ($"a{i}", "NL")));
        var b = Summarise(Enumerable.Range(0, 900).Select(i => ($"b{i}", "NL")));
        var ab = new PartSummary();
        ab.Merge(a);
        ab.Merge(PartStatsBinary.Decode(PartStatsBinary.Encode(PartStats.Create(b, [])), "b.stats.json").Summary);
        var ba = new PartSummary();
        ba.Merge(b);
        ba.Merge(a);

        // The cap is per part: 1,800 distinct domains from two parts stay 1,800 named counts.
        Assert.Equal(1800, ab.Counts["domain"].Count);
        Assert.Equal(1800, ab.CountOf("country", "NL"));
        Assert.Equal(ab.Counts["domain"].OrderBy(p => p.Key), ba.Counts["domain"].OrderBy(p => p.Key));
        Assert.Equal(1800, ab.Total);
    }
}
