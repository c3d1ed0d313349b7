using Sluice.Core.Options;

namespace Sluice.ClickHouse.Queries;

/// <summary>
/// The limits custom SQL runs within on ClickHouse, sent as URL settings (18.16 reads settings only there; the guard
/// refuses a statement's own SETTINGS): read-only, <c>SqlMaxSeconds</c>, <c>SqlMaxMemoryMb</c>, and an answer of at
/// most <c>Query:MaxRows</c> rows, past which ClickHouse stops the query (code 396) rather than send more.
/// </summary>
internal static class ClickHouseSandbox
{
    public static Dictionary<string, string> Settings(ClickHouseOptions options, QueryOptions queryOptions)
    {
        var settings = ClickHouseStatements.Settings(
            ("readonly", 2),
            ("max_execution_time", options.SqlMaxSeconds),
            ("max_memory_usage", options.SqlMaxMemoryMb * 1024L * 1024),
            ("max_result_rows", queryOptions.MaxRows));
        settings["result_overflow_mode"] = "throw";
        settings["timeout_overflow_mode"] = "throw";
        return settings;
    }
}
