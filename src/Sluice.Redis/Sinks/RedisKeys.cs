using System.Globalization;

namespace Sluice.Redis.Sinks;

/// <summary>
/// The seeds' key scheme (docs/design.md §6): <c>logs:{trace_id}</c> (seed 004), <c>traffic:{date}:{hour}:batchNNN</c>
/// and <c>summary:{date}:{hour}:stats</c> (seed 000), <c>meta:cleanup:last_run</c>; plus Sluice's own
/// <c>summary:{date}:{hour}:ips</c> (a HyperLogLog of hashed IPs) and <c>meta:sink:{node}</c> (the last event of
/// that node in Redis). Every key is behind <c>Redis:KeyPrefix</c>.
/// </summary>
internal static class RedisKeys
{
    public static string Trace(string traceId) => "logs:" + traceId;

    /// <summary>The hour's prefix: <c>traffic:2025-06-28:14:</c>; batches are <c>…batch001</c>, numbered by <c>…batches</c>.</summary>
    public static string TrafficHour(long timestampMs) => "traffic:" + Hour(timestampMs) + ":";

    public static string SummaryStats(long timestampMs) => "summary:" + Hour(timestampMs) + ":stats";

    public static string SummaryIps(long timestampMs) => "summary:" + Hour(timestampMs) + ":ips";

    public const string CleanupLastRun = "meta:cleanup:last_run";

    public static string SinkMark(string node) => "meta:sink:" + node;

    private static string Hour(long timestampMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(timestampMs).UtcDateTime.ToString("yyyy-MM-dd':'HH", CultureInfo.InvariantCulture);
}
