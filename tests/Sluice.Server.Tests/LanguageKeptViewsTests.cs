using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// A language query keeps the view <c>events</c> on its pooled connection for the next query that would make the
/// same one (AnalyticsViews.CreateOrKeep): only with the same parts and no unsealed row. Rows that arrive later,
/// parts sealed later and other queries on the kept views must all be answered exactly.
/// </summary>
public sealed class LanguageKeptViewsTests : IAsyncLifetime
{
    private const string Range = "_time:[2026-01-01T05:00:00Z, 2026-01-01T07:00:00Z) ";
    private TestServer _server = null!;

    // Without the answer cache, which may serve an earlier answer for a sealed range for its TTL (QueryCache): here
    // every answer must come from the views.
    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o => o with { Query = o.Query with { CacheTtlSeconds = 0 } });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Rows_and_parts_that_arrive_after_views_were_kept_are_counted()
    {
        const string Count = Range + "| stats count() as n";
        const string Sum = Range + "| stats sum(status) as s, count() as n";
        const string Word = Range + "KEPT | stats count() as n";
        await Post(0, 300);
        await Api.FlushAsync(_server);

        // Everything sealed: the later queries run on the view the first made (or on one another connection kept).
        foreach (var _ in Enumerable.Range(0, 4))
        {
            Assert.Equal(300, await Long(Count, "n"));
            Assert.Equal(300L * 201, await Long(Sum, "s"));
            Assert.Equal(300, await Long(Word, "n"));
        }

        // New rows in memory: the views are made afresh with them, and dropped after.
        await Post(300, 100);
        foreach (var _ in Enumerable.Range(0, 3))
        {
            Assert.Equal(400, await Long(Sum, "n"));
            Assert.Equal(400, await Long(Word, "n"));
        }

        // Sealed into a new part: another set of parts, another view.
        await Api.FlushAsync(_server);
        foreach (var _ in Enumerable.Range(0, 3))
        {
            Assert.Equal(400, await Long(Count, "n"));
            Assert.Equal(400L * 201, await Long(Sum, "s"));
        }

        // A refused query between two on the same parts changes nothing.
        var (status, _, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { query = Range + "| stats no_such(status)" }));
        Assert.Equal(400, status);
        Assert.Equal(400, await Long(Count, "n"));
        Assert.Equal(400, await Long(Word, "n"));
    }

    private Task Post(int first, int count) => KeptRows.PostAsync(_server, first, count);

    private Task<long> Long(string query, string column) => KeptRows.FirstAsync(_server, new { query }, column);
}
