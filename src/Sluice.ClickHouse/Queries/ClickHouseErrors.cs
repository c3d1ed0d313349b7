using Sluice.Core.Errors;
using Sluice.Query.Analytics;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// ClickHouse's refusals as the errors the embedded engine raises, so the endpoints answer them the same way: past a
/// limit (159 time, 241 memory, 396 result rows), read-only (164), any other fault of the statement, or a server
/// that cannot be reached.
/// </summary>
internal static class ClickHouseErrors
{
    public const int Timeout = 159;
    public const int Memory = 241;
    public const int ResultRows = 396;
    public const int Readonly = 164;

    public static Exception Map(ClickHouseException e, int timeoutMs, int maxRows, string memoryCap) => e.Code switch
    {
        Timeout => new QueryTimeoutException(timeoutMs),
        Memory => new QueryMemoryException($"the query needs more memory than its engine may use ({memoryCap}): {FirstLine(e.Message)}; narrow the time range or aggregate more", e),
        ResultRows => new QueryFailedException($"the answer has more than {maxRows} rows (Query:MaxRows); add a LIMIT or aggregate more", e),
        Readonly => new SqlRejectedException(ErrorCodes.ForbiddenSql, 1, "only reading is allowed: ClickHouse refused the statement as its read-only user"),
        0 => new QueryUnavailableException(FirstLine(e.Message)),
        _ => new QueryFailedException(FirstLine(e.Message), e),
    };

    /// <summary>ClickHouse's message without the stack or the repeated <c>e.what()</c>.</summary>
    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\n', '\r']);
        var line = end < 0 ? message : message[..end];
        var what = line.IndexOf(", e.what()", StringComparison.Ordinal);
        return (what < 0 ? line : line[..what]).Trim();
    }
}
