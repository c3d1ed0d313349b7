using System.Net;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ScaleOut;

/// <summary>The read-path feature flag (<c>/api/admin/features</c>): what it says, what it refuses, and that it sticks.</summary>
public sealed class ReadPathTests
{
    [Fact]
    public async Task Without_clickhouse_every_question_is_local_and_the_flag_cannot_move()
    {
        await using var server = await TestServer.StartAsync();
        var features = await server.GetJsonAsync("/api/admin/features");
        Assert.False(features.GetProperty("clickhouse_configured").GetBoolean());
        Assert.Equal("local", features.GetProperty("reads").GetString());

        var (status, body) = await PutAsync(server, """{"reads":"clickhouse"}""");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("clickhouse_not_configured", body.GetProperty("code").GetString());
    }

    [ClickHouseFact]
    public async Task The_read_path_switches_at_once_refuses_nonsense_and_survives_a_restart()
    {
        var database = ClickHouseFactAttribute.NewDatabase();
        await using var server = await TestServer.StartAsync(o => ClickHouseSinkTests.Shipping(o, ClickHouseFactAttribute.Url!, database));
        Assert.Equal("clickhouse", (await server.GetJsonAsync("/api/admin/features")).GetProperty("reads").GetString());

        foreach (var wrong in new[] { """{"reads":"postgres"}""", """{"reads":1}""", """{"reads":"1"}""", "{}" })
        {
            var (status, body) = await PutAsync(server, wrong);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("reads", body.GetProperty("field").GetString());
        }

        var (ok, answer) = await PutAsync(server, """{"reads":"local"}""");
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.Equal("local", answer.GetProperty("reads").GetString());
        Assert.Equal("runtime", answer.GetProperty("source").GetString());

        await server.RestartAsync(o => ClickHouseSinkTests.Shipping(o, ClickHouseFactAttribute.Url!, database));
        Assert.Equal("local", (await server.GetJsonAsync("/api/admin/features")).GetProperty("reads").GetString());
    }

    internal static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(TestServer server, string json)
    {
        using var response = await server.Http.PutAsync("/api/admin/features", new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone());
    }
}
