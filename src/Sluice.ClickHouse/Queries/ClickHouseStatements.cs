using Sluice.Query.Analytics;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// Runs statements on one ClickHouse client with fixed URL settings (18.16 takes settings only there) and reads
/// their answers as <see cref="ClickHouseTable"/>s; ClickHouse's refusals come back as the embedded engine's errors.
/// The query side's door is synchronous, as the embedded engine is; the HTTP call is waited for here.
/// </summary>
/// <param name="maxAnswerBytes">
/// Most bytes of answer text read from ClickHouse: a larger answer is refused while it arrives, never buffered whole
/// (twice <c>Query:MaxAnswerMb</c>, since the text is larger than the rows it holds, which are capped again once read).
/// </param>
internal sealed class ClickHouseStatements(ClickHouseClient client, IReadOnlyDictionary<string, string> settings, int timeoutMs, int maxRows, string memoryCap, long maxAnswerBytes)
{
    public ClickHouseTable Query(string sql, CancellationToken cancel)
    {
        try
        {
            var answer = client.QueryAsync($"{sql}\nFORMAT {ClickHouseTable.Format}", ReadBoundedAsync, settings, cancel).AsTask().GetAwaiter().GetResult();
            return ClickHouseTable.Parse(answer);
        }
        catch (ClickHouseException e) when (!cancel.IsCancellationRequested)
        {
            throw ClickHouseErrors.Map(e, timeoutMs, maxRows, memoryCap);
        }
    }

    private async ValueTask<string> ReadBoundedAsync(Stream answer, CancellationToken cancel)
    {
        using var text = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await answer.ReadAsync(buffer, cancel)) > 0)
        {
            if (text.Length + read > maxAnswerBytes)
            {
                throw new QueryFailedException(
                    $"ClickHouse's answer is larger than {maxAnswerBytes / (1024 * 1024)} MiB of text (twice Query:MaxAnswerMb); add a LIMIT, select fewer columns or aggregate more");
            }

            text.Write(buffer, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(text.GetBuffer(), 0, (int)text.Length);
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
