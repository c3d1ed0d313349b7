using Sluice.Core.Options;

namespace Sluice.Server.Tests.Chaos;

/// <summary>A node's settings for the chaos rows: shipping to ClickHouse with short lingers and timeouts, small breakers so recovery is quick, chaos enabled.</summary>
internal static class ChaosNodes
{
    public static SluiceOptions Shipping(SluiceOptions o, string clickhouseUrl, string database) => o with
    {
        ClickHouse = o.ClickHouse with { Url = clickhouseUrl, Database = database, LingerMs = 100, TimeoutMs = 1_000 },
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
