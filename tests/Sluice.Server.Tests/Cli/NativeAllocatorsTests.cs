using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Tests.Support;
using Xunit;

namespace Sluice.Server.Tests.Cli;

/// <summary>
/// <c>sluice serve</c> sends Arrow's default pool to malloc. Arrow's bundled mimalloc, its pool otherwise, reserves a
/// 1 GiB region at its first allocation and kept ~100 MB of it resident under load (issue 14); the region shows in
/// the process's maps as soon as a part is written through Arrow's pool. The second case sets the pool back by
/// environment and sees the region, so the first one can fail.
/// </summary>
public sealed class NativeAllocatorsTests
{
    private const long MimallocRegionBytes = 1L << 30;

    [Theory]
    [InlineData(null, false)]
    [InlineData("mimalloc", true)]
    public async Task Writing_a_part_reserves_no_mimalloc_region_unless_the_environment_asks_for_it(string? pool, bool expectRegion)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var dataDir = TestServer.NewDataDir();
        try
        {
            var environment = new Dictionary<string, string>();
            if (pool is not null)
            {
                environment["ARROW_DEFAULT_MEMORY_POOL"] = pool;
            }

            using var server = await SluiceProcess.StartAsync(dataDir, SluiceProcess.AnyPort, environment);
            using var http = new HttpClient { BaseAddress = server.Url };
            var body = new StringBuilder();
            var start = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
            for (var i = 0; i < 500; i++)
            {
                body.Append(CultureInfo.InvariantCulture, $$"""{"timestamp":{{start + i}},"level":"info","service":"api","message":"request {{i}} done","trace_id":"{{i:x32}}"}""").Append('\n');
            }

            using (var ingest = await http.PostAsync("api/ingest", new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson")))
            {
                Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
            }

            using (var flush = await http.PostAsync("api/admin/flush", null))
            {
                Assert.True(flush.IsSuccessStatusCode, await flush.Content.ReadAsStringAsync());
            }

            var stats = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("api/storage/stats");
            Assert.Equal(500, stats!["partitions"]!["log"]!["events"]!.GetValue<long>());

            var regions = ReservedRegions(server.ProcessId);
            Assert.True(expectRegion == regions.Count > 0, $"1 GiB regions: [{string.Join("; ", regions)}]; mappings of 256 MiB or more: [{string.Join("; ", LargeMappings(server.ProcessId))}]");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static IEnumerable<string> LargeMappings(int pid) =>
        File.ReadLines($"/proc/{pid}/maps").Where(line =>
        {
            var range = line.Split(' ')[0].Split('-');
            return long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) - long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) >= 256L << 20;
        });

    /// <summary>Anonymous read-write mappings of exactly 1 GiB: how mimalloc reserves (aligned to its segments only).</summary>
    private static List<string> ReservedRegions(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/maps").Where(line =>
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            var begin = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return fields.Length == 5 && fields[1] == "rw-p" && end - begin == MimallocRegionBytes;
        })];
}
