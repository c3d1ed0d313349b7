using Sluice.Core.Options;

namespace Sluice.Server.Tests.Chaos;

/// <summary>A node's settings for the chaos rows: shipping to ClickHouse with short lingers and timeouts, small breakers so recovery is quick, chaos enabled.</summary>
internal static class ChaosNodes
{
    /// <summary>
    /// For rows whose fault is not ClickHouse: the product's own timeout. A 1 s one, under a loaded suite, times out
    /// inserts that still land, and the resend stores them twice (the open case of design.md §14 "Shipping").
    /// </summary>
    public static readonly int UnfaultedClickHouseTimeoutMs = new ClickHouseOptions().TimeoutMs;

    public static SluiceOptions Shipping(SluiceOptions o, string clickhouseUrl, string database, int clickhouseTimeoutMs = 1_000) => o with
    {
        ClickHouse = o.ClickHouse with { Url = clickhouseUrl, Database = database, LingerMs = 100, TimeoutMs = clickhouseTimeoutMs },
        Breakers = o.Breakers with { OpenSeconds = 1, WindowSeconds = 10 },
        Chaos = o.Chaos with { Enabled = true },
    };

    /// <summary>The same settings as environment variables, for a node in a process of its own.</summary>
    public static Dictionary<string, string> ShippingEnvironment(string clickhouseUrl, string database) => new()
    {
        ["SLUICE__ClickHouse__Url"] = clickhouseUrl,
        ["SLUICE__ClickHouse__Database"] = database,
        ["SLUICE__ClickHouse__LingerMs"] = "100",
        ["SLUICE__ClickHouse__TimeoutMs"] = "1000",
        ["SLUICE__Breakers__OpenSeconds"] = "1",
        ["SLUICE__Breakers__WindowSeconds"] = "10",
        ["SLUICE__Chaos__Enabled"] = "true",
    };

    /// <summary>An id prefix no other test's events share.</summary>
    public static string NewPrefix(string row) => row + Guid.NewGuid().ToString("N")[..6] + "-";
}
