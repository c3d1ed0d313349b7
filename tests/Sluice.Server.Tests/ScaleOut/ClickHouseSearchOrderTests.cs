using System.Text;
using Sluice.ClickHouse;
using Sluice.ClickHouse.Queries;
using Sluice.Core.Events;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using Sluice.Query.Search;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>
/// Several nodes write the store and number their events each from 1, so events of different nodes share a timestamp
/// and a seq: pages still show each event once, in one order, in both directions and whatever the page size.
/// </summary>
public sealed class ClickHouseSearchOrderTests
{
    [ClickHouseFact]
    public async Task Pages_over_events_of_several_nodes_with_equal_timestamps_and_seqs_show_each_once()
    {
        var options = new ClickHouseOptions { Url = ClickHouseFactAttribute.Url!, Database = ClickHouseFactAttribute.NewDatabase() };
        using var store = new ClickHouseStore(options, new Dependencies(new BreakerOptions()), "reader");
        await store.EnsureSchemaAsync(CancellationToken.None);
        const long now = 1_767_268_800_000;
        var rows = new StringBuilder();
        var expected = new List<string>();
        foreach (var node in new[] { "node-a", "node-b", "node-c" })
        {
            for (var seq = 1; seq <= 7; seq++)
            {
                var id = $"{node}/{seq}";
                expected.Add(id);
                // Three timestamps for seven seqs: ties within a node (by seq) and across nodes (by node).
                rows.Append($$"""{"node":"{{node}}","seq":{{seq}},"timestamp":{{now - (seq % 3)}},"kind":"log","level":"info","id":"{{id}}"}""").Append('\n');
            }
        }

        await store.Writer.ExecuteAsync($"INSERT INTO {store.WriteTable(EventKind.Log)} FORMAT JSONEachRow", Encoding.UTF8.GetBytes(rows.ToString()), ClickHouseDialect.InsertSettings);
        using var engine = new ClickHouseQueryEngine(store, options, new QueryOptions(), new ManualClock(now));

        foreach (var descending in new[] { true, false })
        {
            List<string>? first = null;
            foreach (var limit in new[] { 1, 2, 5, 100 })
            {
                var seen = new List<string>();
                SearchCursor? cursor = null;
                do
                {
                    using var page = engine.Search(new SearchRequest { NowMs = now, Limit = limit, Descending = descending, Cursor = cursor }, false);
                    seen.AddRange(page.Value.Rows.Select(r => Id(r)));
                    Assert.True(page.Value.Rows.Count <= limit);
                    cursor = page.Value.Next;
                }
                while (cursor is not null);

                Assert.Equal(expected.Order(), seen.Order());
                first ??= seen;
                Assert.Equal(first, seen); // the same order whatever the page size
            }

            // Time first, then seq: the order the embedded engine gives one node's events.
            var times = first!.Select(id => now - (int.Parse(id[(id.IndexOf('/') + 1)..]) % 3)).ToList();
            Assert.Equal(descending ? times.OrderDescending() : times.Order(), times);
        }
    }

    private static string Id(EventRow row)
    {
        Assert.True(RowReader.TryGetString(row.Bytes.Span, FieldTag.Id, out var id));
        return Encoding.UTF8.GetString(id);
    }
}
