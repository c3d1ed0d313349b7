using Sluice.Query.Analytics;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Runs statements on one ClickHouse client with fixed URL settings (18.16 takes settings only there) and reads
/// their answers as <see cref="ClickHouseTable"/>s; ClickHouse's refusals come back as the embedded engine's errors.
/// The query side's door is synchronous, as the embedded engine is; the HTTP call is waited for here.
/// </summary>
internal sealed class ClickHouseStatements(ClickHouseClient client, IReadOnlyDictionary<string, string> settings, int timeoutMs, int maxRows, string memoryCap)
{
    public ClickHouseTable Query(string sql, CancellationToken cancel)
    {
        try
        {
            var answer = client.QueryAsync($"{sql}\nFORMAT {ClickHouseTable.Format}", settings, cancel).AsTask().GetAwaiter().GetResult();
            return ClickHouseTable.Parse(answer);
        }
        catch (ClickHouseException e) when (!cancel.IsCancellationRequested)
        {
            throw ClickHouseErrors.Map(e, timeoutMs, maxRows, memoryCap);
        }
    }

    /// <summary>Runs generated SQL, its bound values written in as literals.</summary>
    public ClickHouseTable Query(string sql, IReadOnlyList<object> values, CancellationToken cancel) =>
        Query(ClickHouseSqlDialect.Inline(sql, values), cancel);

    /// <summary>The settings every read sends: integers unquoted, and the limits given.</summary>
    public static Dictionary<string, string> Settings(params (string Name, long Value)[] limits)
    {
        var all = new Dictionary<string, string>(ClickHouseDialect.ReadSettings);
        foreach (var (name, value) in limits)
        {
            all[name] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return all;
    }
}
