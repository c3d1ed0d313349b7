using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Migration;

/// <summary>What the mirror tests share: a sender configured to mirror into a receiver, and ways to wait for it.</summary>
internal static class Mirrors
{
    /// <summary>The sender's options: mirror into <paramref name="url"/>, with breakers quick to try again.</summary>
    public static SluiceOptions Into(SluiceOptions o, string url, double share = 1.0, MirrorProtocol protocol = MirrorProtocol.Sluice, string apiKey = "") => o with
    {
        Mirror = new MirrorOptions { Url = url, Share = share, Protocol = protocol, ApiKey = apiKey },
        Breakers = o.Breakers with { OpenSeconds = 0.5, HalfOpenProbes = 1 },
    };

    public static string Url(TestServer server) => server.Http.BaseAddress!.ToString().TrimEnd('/');

    /// <summary>
    /// Whether a partial mirror forwards this id, computed here independently of the server: FNV-1a 64 of the id's
    /// UTF-8 bytes mixed by MurmurHash3's fmix64, top 53 bits as a fraction, below the share (docs/configuration.md, Mirror:Share).
    /// </summary>
    public static bool Selected(string id, double share)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash = (hash ^ (hash >> 33)) * 0xff51afd7ed558ccdUL;
        hash = (hash ^ (hash >> 33)) * 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (hash >> 11) / 9007199254740992.0 < share;
    }

    /// <summary>Every event the server holds, by id.</summary>
    public static async Task<Dictionary<string, JsonElement>> EventsAsync(TestServer server) =>
        (await Api.SearchAllAsync(server, "start_time=2000-01-01T00:00:00Z")).ToDictionary(Api.Id);

    /// <summary>The mirror sink's line in health.</summary>
    public static async Task<JsonElement> SinkAsync(TestServer server)
    {
        var health = await server.GetJsonAsync("/api/traffic-logs/v2/health");
        return health.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "sink:mirror");
    }

    /// <summary>Waits until the mirror sink has nothing left to deliver.</summary>
    public static Task CaughtUpAsync(TestServer sender, int seconds = 30) =>
        UntilAsync(async () => (await SinkAsync(sender)).GetProperty("details").GetProperty("lag_events").GetInt64() == 0, seconds);

    public static async Task UntilAsync(Func<Task<bool>> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(50);
        }
    }

    /// <summary>A loopback port free right now, for a receiver that must come back where it was.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An event as JSON with keys sorted, less the fields a receiver decides for itself.</summary>
    public static string Comparable(JsonElement e) =>
        Api.Canonical(JsonDocument.Parse(JsonSerializer.Serialize(e.EnumerateObject().Where(p => p.Name is not "pattern_id")
            .ToDictionary(p => p.Name, p => p.Value))).RootElement);
}
