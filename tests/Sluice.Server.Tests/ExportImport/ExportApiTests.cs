using System.Net;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ExportImport;

/// <summary>Export writes every matching event, past the row caps of queries, in each format.</summary>
public sealed class ExportApiTests
{
    [Fact]
    public async Task Export_of_more_rows_than_MaxRows_is_complete_in_every_format()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        var lines = ExportImportData.Events(60);
        await Api.PostAsync(server, lines.Take(30));
        await Api.FlushAsync(server); // half in sealed parts, half in memory
        await Api.PostAsync(server, lines.Skip(30));
        var expected = Enumerable.Range(0, 60).Select(i => $"ev-{i:D4}").ToList();

        var ndjson = await server.Http.GetStringAsync($"/api/v1/export?{ExportImportData.Range}&format=ndjson");
        var events = ExportImportData.ReadNdjson(ndjson);
        Assert.Equal(expected, events.Select(Api.Id).ToList()); // oldest first, each once
        Assert.Equal((await ExportImportData.StoredAsync(server)).OrderBy(p => p.Key).Select(p => p.Value), events.Select(Api.Canonical));

        var csv = ExportImportData.ReadCsv(await server.Http.GetStringAsync($"/api/v1/export?{ExportImportData.Range}&format=csv"));
        var header = csv[0];
        Assert.Equal(["id", "timestamp", "time", "kind", "level"], header.Take(5));
        Assert.Equal("attributes", header[^1]);
        Assert.All(csv, row => Assert.Equal(header.Count, row.Count));
        Assert.Equal(expected, csv.Skip(1).Select(r => r[0]).ToList());
        var first = csv[1];
        Assert.Equal("order 0 failed, \"card\" declined\nsecond line", first[header.IndexOf("message")]);
        Assert.Equal("""{"n":"0","region":"eu-west"}""", Api.Canonical(System.Text.Json.JsonDocument.Parse(first[header.IndexOf("attributes")]).RootElement));
        Assert.Equal(("202", "true"), (csv[3][header.IndexOf("status")], csv[3][header.IndexOf("ad_click")])); // event 2: traffic

        using var parquet = await server.Http.GetAsync($"/api/v1/export?{ExportImportData.Range}&format=parquet");
        Assert.Equal(HttpStatusCode.OK, parquet.StatusCode);
        var (ids, types) = ExportImportData.ReadParquet(await parquet.Content.ReadAsByteArrayAsync());
        Assert.Equal(expected, ids);
        Assert.Equal("Int64", types["status"]);
        Assert.Equal("Boolean", types["ad_click"]);
        Assert.Equal("ByteArray", types["message"]);
    }

    [Fact]
    public async Task Export_takes_a_query_and_a_kind()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        await Api.PostAsync(server, ExportImportData.Events(60));

        var errors = ExportImportData.ReadNdjson(await server.Http.GetStringAsync($"/api/v1/export?{ExportImportData.Range}&query={Uri.EscapeDataString("level:error service:checkout")}"));
        Assert.Equal(20, errors.Count);
        Assert.All(errors, e => Assert.Equal("error", e.GetProperty("level").GetString()));

        var traffic = ExportImportData.ReadNdjson(await server.Http.GetStringAsync($"/api/v1/export?{ExportImportData.Range}&kind=traffic"));
        Assert.Equal(20, traffic.Count);
        Assert.All(traffic, e => Assert.Equal("traffic", e.GetProperty("kind").GetString()));
    }

    [Theory]
    [InlineData("format=xml", "format")]
    [InlineData("start=yesterday-ish", "start")]
    [InlineData("query=level%3A(", "query")]
    [InlineData("kind=metric", "kind")]
    public async Task A_bad_parameter_is_named(string parameter, string field)
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Http.GetAsync($"/api/v1/export?{parameter}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }
}
