using System.Text.Json;

namespace Sluice.Server.Tests.Support;

/// <summary>
/// The rows the kept-views suites post in steps: <c>k00000</c>… at level info with message <c>kept i</c> and status
/// 201, 400 of them spread over 2026-01-01T05:00Z–07:00Z; and the one number their queries read back.
/// </summary>
public static class KeptRows
{
    private const long Start = 1_767_243_600_000; // 2026-01-01T05:00:00Z
    private const long Hour = 3_600_000;

    public static Task PostAsync(TestServer server, int first, int count) =>
        Api.PostAsync(server, Enumerable.Range(first, count).Select(i => JsonSerializer.Serialize(new
        {
            id = $"k{i:D5}",
            timestamp = Start + (i * (2 * Hour) / 400),
            level = "info",
            message = "kept " + i,
            status = 201,
        })));

    /// <summary>The column of the answer's first row, for a query (<c>new { query }</c>) or custom SQL (<c>new { sql }</c>).</summary>
    public static async Task<long> FirstAsync(TestServer server, object request, string column) =>
        (await Api.AnalyticsAsync(server, request)).GetProperty("rows")[0].GetProperty(column).GetInt64();
}
