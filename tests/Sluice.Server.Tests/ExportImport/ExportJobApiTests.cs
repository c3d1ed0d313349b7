using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.ExportImport;

/// <summary>Export jobs: progress as server-sent events until done, a download that resumes from a range, deletion.</summary>
public sealed class ExportJobApiTests
{
    [Theory]
    [InlineData("ndjson")]
    [InlineData("parquet")]
    public async Task A_job_reports_progress_until_done_and_its_download_resumes_from_a_range(string format)
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        await Api.PostAsync(server, ExportImportData.Events(60));

        var start = JsonSerializer.Serialize(new { start = ExportImportData.Start.AddMinutes(-1).ToString("O"), end = ExportImportData.Start.AddDays(1).ToString("O"), format });
        var (status, job, response) = await server.PostAsync("/api/v1/export/jobs", start);
        Assert.Equal(202, status);
        var id = job.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/export/jobs/{id}", response.Headers.Location!.ToString());

        var events = await ReadEventsAsync(server, $"/api/v1/export/jobs/{id}/progress");
        Assert.Equal("done", events[^1].Name);
        Assert.All(events[..^1], e => Assert.Equal("progress", e.Name));
        Assert.Equal(60, events[^1].Data.GetProperty("rows").GetInt64());

        var state = await server.GetJsonAsync($"/api/v1/export/jobs/{id}");
        Assert.Equal(("done", 60L), (state.GetProperty("state").GetString(), state.GetProperty("rows").GetInt64()));

        using var full = await server.Http.GetAsync($"/api/v1/export/jobs/{id}/download");
        var whole = await full.Content.ReadAsByteArrayAsync();
        Assert.Equal(state.GetProperty("bytes").GetInt64(), whole.Length);
        Assert.Equal("bytes", full.Headers.AcceptRanges.Single());
        var etag = full.Headers.ETag!;

        // A download broken off after a third resumes where it stopped; the pieces make the whole file.
        var cut = whole.Length / 3;
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/export/jobs/{id}/download");
        resume.Headers.Range = new RangeHeaderValue(cut, null);
        resume.Headers.IfRange = new RangeConditionHeaderValue(etag);
        using var rest = await server.Http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal($"bytes {cut}-{whole.Length - 1}/{whole.Length}", rest.Content.Headers.ContentRange!.ToString());
        Assert.Equal(whole, whole[..cut].Concat(await rest.Content.ReadAsByteArrayAsync()).ToArray());

        // A different file (another entity tag) is sent whole, not spliced onto the old one.
        using var stale = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/export/jobs/{id}/download");
        stale.Headers.Range = new RangeHeaderValue(cut, null);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"other\""));
        using var again = await server.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(whole.Length, (await again.Content.ReadAsByteArrayAsync()).Length);

        if (format == "ndjson")
        {
            Assert.Equal(60, ExportImportData.ReadNdjson(Encoding.UTF8.GetString(whole)).Select(Api.Id).Distinct().Count());
        }
        else
        {
            Assert.Equal(60, ExportImportData.ReadParquet(whole).Ids.Distinct().Count());
        }

        using var delete = await server.Http.DeleteAsync($"/api/v1/export/jobs/{id}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        using var gone = await server.Http.GetAsync($"/api/v1/export/jobs/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDir, "exports", "jobs")));
    }

    [Fact]
    public async Task A_job_that_would_pass_the_disk_bound_fails_and_leaves_no_file()
    {
        await using var server = await TestServer.StartAsync(o => o with { Export = o.Export with { MaxJobsMb = 1 } });
        await Api.PostAsync(server, ExportImportData.Events(8000)); // about 1.6 MB as NDJSON
        var range = JsonSerializer.Serialize(new { start = ExportImportData.Start.AddMinutes(-1).ToString("O"), end = ExportImportData.Start.AddDays(1).ToString("O") });
        var (status, job, _) = await server.PostAsync("/api/v1/export/jobs", range);
        Assert.Equal(202, status);

        var last = (await ReadEventsAsync(server, $"/api/v1/export/jobs/{job.GetProperty("id").GetString()}/progress"))[^1];
        Assert.Equal(("failed", "export_space_full"), (last.Name, last.Data.GetProperty("code").GetString()));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDir, "exports", "jobs")));

        // The failed job's file is gone, so it holds no room: a smaller export runs.
        var small = JsonSerializer.Serialize(new { start = ExportImportData.Start.AddMinutes(-1).ToString("O"), end = ExportImportData.Start.AddSeconds(100).ToString("O") });
        (status, job, _) = await server.PostAsync("/api/v1/export/jobs", small);
        Assert.Equal(202, status);
        Assert.Equal("done", (await ReadEventsAsync(server, $"/api/v1/export/jobs/{job.GetProperty("id").GetString()}/progress"))[^1].Name);
    }

    [Fact]
    public async Task A_bad_job_is_refused_naming_the_parameter()
    {
        await using var server = await TestServer.StartAsync();
        var (status, problem, _) = await server.PostAsync("/api/v1/export/jobs", """{"format":"xlsx"}""");
        Assert.Equal((400, "format"), (status, problem.GetProperty("field").GetString()));
        using var missing = await server.Http.GetAsync("/api/v1/export/jobs/nope/download");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    internal static async Task<List<(string Name, JsonElement Data)>> ReadEventsAsync(TestServer server, string url)
    {
        using var stream = await server.Http.GetStreamAsync(url);
        using var reader = new StreamReader(stream);
        var events = new List<(string, JsonElement)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name!, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
            }
        }

        return events;
    }
}
