using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ExportImport;

/// <summary>Import keeps ids, stores each event once however often it runs, and names what it refuses.</summary>
public sealed class ImportApiTests
{
    [Fact]
    public async Task An_import_run_twice_stores_each_event_once_even_with_no_duplicate_window()
    {
        // With duplicate matching off, only the import's own look-up in the store keeps a rerun from storing twice:
        // the same as a rerun a day later, when the receiver's window has long forgotten the ids.
        await using var server = await TestServer.StartAsync(o => o with { Dedup = o.Dedup with { Enabled = false } });
        var lines = ExportImportData.Events(40);
        // Events without an id get one made from their content: the same on the rerun.
        lines.Add("""{"timestamp":"2026-03-01T10:05:00Z","message":"no id here","service":"legacy"}""");
        var file = string.Join('\n', lines) + "\n";

        var first = await ImportAsync(server, file, "ndjson");
        Assert.Equal((41, 41L, 0L, 0L), (first.GetProperty("lines").GetInt32(), first.GetProperty("stored").GetInt64(), first.GetProperty("already_present").GetInt64(), first.GetProperty("refused").GetInt64()));
        await Api.FlushAsync(server); // the rerun finds them in sealed parts as well as in memory
        var second = await ImportAsync(server, file, "ndjson");
        Assert.Equal((0L, 41L), (second.GetProperty("stored").GetInt64(), second.GetProperty("already_present").GetInt64()));

        await server.RestartAsync(o => o with { Dedup = o.Dedup with { Enabled = false } });
        var third = await ImportAsync(server, file, "ndjson");
        Assert.Equal((0L, 41L), (third.GetProperty("stored").GetInt64(), third.GetProperty("already_present").GetInt64()));

        var stored = await ExportImportData.StoredAsync(server);
        Assert.Equal(41, stored.Count);
        Assert.Single(stored.Keys, id => id.StartsWith("imp-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_lines_are_named_and_nothing_of_them_is_stored()
    {
        await using var server = await TestServer.StartAsync();
        var file = string.Join('\n',
            """{"id":"good-1","timestamp":"2026-03-01T10:00:00Z","message":"fine"}""",
            """{"id":"bad-json","timestamp":"2026-03-01T10:00:01Z","message":""",
            """{"id":"no-time","message":"when?"}""",
            """[1,2]""",
            "",
            """{"id":"bad-level","timestamp":"2026-03-01T10:00:02Z","level":"loud"}""",
            """{"id":"good-2","timestamp":"2026-03-01T10:00:03Z","message":"fine too"}""");

        var answer = await ImportAsync(server, file, "ndjson");
        Assert.Equal((7, 2L, 4L), (answer.GetProperty("lines").GetInt32(), answer.GetProperty("stored").GetInt64(), answer.GetProperty("refused").GetInt64()));
        var refusals = answer.GetProperty("refusals").EnumerateArray().ToList();
        Assert.Equal([2, 3, 4, 6], refusals.Select(r => r.GetProperty("line").GetInt32()));
        Assert.Equal("malformed_json", refusals[0].GetProperty("code").GetString());
        Assert.Equal(("missing_field", "timestamp"), (refusals[1].GetProperty("code").GetString(), refusals[1].GetProperty("field").GetString()));
        Assert.Equal("expected_object", refusals[2].GetProperty("code").GetString());
        Assert.Equal("level", refusals[3].GetProperty("field").GetString());

        Assert.Equal(["good-1", "good-2"], (await ExportImportData.StoredAsync(server)).Keys.Order());
    }

    [Fact]
    public async Task Clef_is_imported_with_its_time_level_and_properties()
    {
        await using var server = await TestServer.StartAsync();
        var file = string.Join('\n',
            """{"@t":"2026-03-01T10:00:00.123Z","@mt":"User {User} signed in","User":"ada","@l":"Warning","@i":"a1b2"}""",
            """{"@t":"2026-03-01T10:00:01Z","@m":"plain","@x":"System.Exception: boom","Order":42}""");

        var answer = await ImportAsync(server, file, "clef");
        Assert.Equal(2L, answer.GetProperty("stored").GetInt64());
        Assert.Equal(2L, (await ImportAsync(server, file, "clef")).GetProperty("already_present").GetInt64());

        var events = (await Api.SearchAllAsync(server, "start_time=2026-03-01T00:00:00Z&end_time=2026-03-02T00:00:00Z")).OrderBy(e => e.GetProperty("timestamp").GetInt64()).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(("warn", "User ada signed in", "ada"), (events[0].GetProperty("level").GetString(), events[0].GetProperty("message").GetString(),
            events[0].GetProperty("attributes").GetProperty("User").GetString()));
        Assert.Equal(1772359200123, events[0].GetProperty("timestamp").GetInt64());
        Assert.Equal("System.Exception: boom", events[1].GetProperty("stack_trace").GetString());
    }

    [Theory]
    [InlineData("ndjson")]
    [InlineData("parquet")]
    public async Task Export_then_import_into_a_second_server_round_trips_the_events(string format)
    {
        await using var source = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        await using var target = await TestServer.StartAsync();
        await Api.PostAsync(source, ExportImportData.Events(45));
        var exported = await source.Http.GetByteArrayAsync($"/api/v1/export?{ExportImportData.Range}&format={format}");

        using var content = new ByteArrayContent(exported);
        using var response = await target.Http.PostAsync($"/api/v1/import?format={format}", content);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, answer.ToString());
        Assert.Equal((45L, 0L), (answer.GetProperty("stored").GetInt64(), answer.GetProperty("refused").GetInt64()));

        var before = await ExportImportData.StoredAsync(source);
        var after = await ExportImportData.StoredAsync(target);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (id, json) in before)
        {
            Assert.Equal(json, after[id]);
        }
    }

    [Fact]
    public async Task A_gzip_body_is_read_as_it_arrives_and_a_broken_one_is_refused()
    {
        await using var server = await TestServer.StartAsync();
        var file = string.Join('\n', ExportImportData.Events(30));
        using var packed = new MemoryStream();
        await using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(file));
        }

        using var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await server.Http.PostAsync("/api/v1/import?format=ndjson", content);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(30L, answer.GetProperty("stored").GetInt64());

        using var broken = new ByteArrayContent(Encoding.UTF8.GetBytes("this is not gzip at all"));
        broken.Headers.ContentEncoding.Add("gzip");
        using var cut = await server.Http.PostAsync("/api/v1/import?format=ndjson", broken);
        Assert.Equal(400, (int)cut.StatusCode);
        Assert.Equal("malformed_body", JsonDocument.Parse(await cut.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
    }

    internal static async Task<JsonElement> ImportAsync(TestServer server, string file, string format)
    {
        using var content = new StringContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await server.Http.PostAsync($"/api/v1/import?format={format}", content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
