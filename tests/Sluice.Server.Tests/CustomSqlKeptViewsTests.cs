using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

/// <summary>
/// A SQL worker keeps its views (and its statements' descriptions) while the next statement would get the same
/// ones (SqlWorkerViews): only with the same parts and no unsealed row. Rows that arrive later, parts sealed
/// later, and another statement on the kept views must still be seen exactly.
/// </summary>
public sealed class CustomSqlKeptViewsTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Rows_and_parts_that_arrive_after_views_were_kept_are_counted()
    {
        await Post(0, 300);
        await Api.FlushAsync(_server);
        const string Count = "SELECT count(*) AS n FROM logs WHERE timestamp >= 1767243600000 AND timestamp < 1767250800000";
        const string Sum = "SELECT sum(status) AS s, count(*) AS n FROM logs WHERE timestamp >= 1767243600000 AND timestamp < 1767250800000";

        // Everything sealed: the second and third statements run on the views the first made.
        Assert.Equal(300, await Long(Count, "n"));
        Assert.Equal(300, await Long(Count, "n"));
        Assert.Equal(300L * 201, await Long(Sum, "s"));

        // New rows in memory, asked by the statement that ran last on the same parts: the views are made afresh with them.
        await Post(300, 100);
        Assert.Equal(400, await Long(Sum, "n"));
        Assert.Equal(400, await Long(Sum, "n"));

        // Sealed into a new part: another set of parts, other views.
        await Api.FlushAsync(_server);
        Assert.Equal(400, await Long(Count, "n"));
        Assert.Equal(400, await Long(Count, "n"));
        Assert.Equal(400L * 201, await Long(Sum, "s"));

        // A statement the engine refuses on kept views leaves them usable.
        var (status, _, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql = "SELECT no_such_column FROM logs" }));
        Assert.Equal(400, status);
        Assert.Equal(400, await Long(Count, "n"));
    }

    /// <summary>
    /// The guard's verdict on a statement is kept by its text (SqlVerdicts): asked again, the same statement must
    /// still be answered from the rows as they are now, by the engine or from the stored counts, and a refused one
    /// must still be refused.
    /// </summary>
    [Fact]
    public async Task A_statement_asked_again_is_answered_from_the_rows_as_they_are_now()
    {
        const string ByLevel = "SELECT level, count(*) AS n FROM logs WHERE timestamp >= 1767243600000 AND timestamp < 1767250800000 GROUP BY level";
        const string Count = "SELECT count(*) AS n FROM logs WHERE message LIKE 'kept %'";
        await Post(0, 50);
        await Api.FlushAsync(_server);
        Assert.Equal(50, await Long(ByLevel, "n"));
        Assert.Equal(50, await Long(Count, "n"));

        await Post(50, 70);
        Assert.Equal(120, await Long(ByLevel, "n"));
        Assert.Equal(120, await Long(Count, "n"));
        await Api.FlushAsync(_server);
        Assert.Equal(120, await Long(ByLevel, "n"));
        Assert.Equal(120, await Long(Count, "n"));

        foreach (var _ in new[] { 1, 2 })
        {
            var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", JsonSerializer.Serialize(new { sql = "SELECT * FROM read_csv('x')" }));
            Assert.Equal(400, status);
            Assert.Equal("forbidden_sql", body.GetProperty("code").GetString());
        }
    }

    private Task Post(int first, int count) => KeptRows.PostAsync(_server, first, count);

    private Task<long> Long(string sql, string column) => KeptRows.FirstAsync(_server, new { sql }, column);
}
