using System.Text.Json;
using Sluice.Server.Tests.ExportImport;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

/// <summary><c>sluice export</c> and <c>sluice import</c> against real servers.</summary>
public sealed class ExportImportCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-export-cli-").FullName;

    private Dictionary<string, string> Env => new() { ["SLUICE_CONFIG_DIR"] = _dir, ["SLUICE_API_KEY"] = "" };

    private static string Start => ExportImportData.Start.AddMinutes(-1).ToString("O");

    private static string End => ExportImportData.Start.AddDays(1).ToString("O");

    [Theory]
    [InlineData("ndjson", false)]
    [InlineData("csv", false)]
    [InlineData("parquet", false)]
    [InlineData("ndjson", true)]
    [InlineData("parquet", true)]
    public async Task Export_writes_every_event_and_import_into_a_second_server_stores_them_once(string format, bool job)
    {
        await using var source = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        await using var target = await TestServer.StartAsync(o => o with { Dedup = o.Dedup with { Enabled = false } });
        await Api.PostAsync(source, ExportImportData.Events(50));
        var file = Path.Combine(_dir, "events." + format);

        string[] args = ["export", "", "--url", Url(source), "--start", Start, "--end", End, "--out", file, .. job ? new[] { "--job" } : []];
        var (exit, output) = await CliTests.Run(Env, null, args);
        Assert.True(exit == 0, output);
        var direct = await source.Http.GetByteArrayAsync($"/api/v1/export?{ExportImportData.Range}&format={format}");
        if (format == "parquet")
        {
            Assert.Equal(ExportImportData.ReadParquet(direct).Ids, ExportImportData.ReadParquet(await File.ReadAllBytesAsync(file)).Ids);
        }
        else
        {
            Assert.Equal(direct, await File.ReadAllBytesAsync(file));
        }

        if (format == "csv")
        {
            return; // CSV is for reading, not for importing
        }

        (exit, output) = await CliTests.Run(Env, null, "import", file, "--url", Url(target));
        Assert.True(exit == 0, output);
        Assert.Contains("50 stored, 0 already present, 0 refused", output, StringComparison.Ordinal);
        (exit, output) = await CliTests.Run(Env, null, "import", file, "--url", Url(target));
        Assert.True(exit == 0, output);
        Assert.Contains("0 stored, 50 already present, 0 refused", output, StringComparison.Ordinal);
        Assert.Equal(await ExportImportData.StoredAsync(source), await ExportImportData.StoredAsync(target));
    }

    [Fact]
    public async Task A_job_download_cut_off_resumes_where_it_stopped()
    {
        await using var server = await TestServer.StartAsync(o => o with { Query = o.Query with { MaxRows = 5, MaxLimit = 7, DefaultLimit = 7 } });
        await Api.PostAsync(server, ExportImportData.Events(50));
        var (_, job, _) = await server.PostAsync("/api/v1/export/jobs", JsonSerializer.Serialize(new { start = Start, end = End, format = "ndjson" }));
        var id = job.GetProperty("id").GetString()!;
        var done = (await ExportJobApiTests.ReadEventsAsync(server, $"/api/v1/export/jobs/{id}/progress"))[^1].Data;
        var whole = await server.Http.GetByteArrayAsync($"/api/v1/export/jobs/{id}/download");

        // What an interrupted run leaves: the first part of the file, and the job it came from.
        var file = Path.Combine(_dir, "resumed.ndjson");
        await File.WriteAllBytesAsync(file + ".part", whole[..(whole.Length / 3)]);
        await File.WriteAllTextAsync(file + ".part.job", JsonSerializer.Serialize(new { job = id, etag = $"\"{id}-{done.GetProperty("bytes").GetInt64()}\"" }));

        var (exit, output) = await CliTests.Run(Env, null, "export", "", "--url", Url(server), "--start", Start, "--end", End, "--out", file, "--job");
        Assert.True(exit == 0, output);
        Assert.Contains($"resumed the download at byte {whole.Length / 3}", output, StringComparison.Ordinal);
        Assert.Equal(whole, await File.ReadAllBytesAsync(file));
        Assert.False(File.Exists(file + ".part.job"));
    }

    [Fact]
    public async Task A_bad_file_names_its_lines_and_exits_refused()
    {
        await using var server = await TestServer.StartAsync();
        var file = Path.Combine(_dir, "legacy.clef.gz");
        await using (var gzip = new System.IO.Compression.GZipStream(File.Create(file), System.IO.Compression.CompressionLevel.Fastest))
        await using (var writer = new StreamWriter(gzip))
        {
            await writer.WriteAsync("""
                {"@t":"2026-03-01T10:00:00Z","@m":"ok"}
                {"@t":"not a time","@m":"bad"}
                {"@t":"2026-03-01T10:00:02Z","@m":"ok too"}
                """);
        }

        var (exit, output) = await CliTests.Run(Env, null, "import", file, "--url", Url(server));
        Assert.Equal(3, exit);
        Assert.Contains("3 lines, 2 stored, 0 already present, 1 refused", output, StringComparison.Ordinal);
        Assert.Contains("line 2:", output, StringComparison.Ordinal);
        Assert.Equal(2, (await ExportImportData.StoredAsync(server)).Count);
    }

    private static string Url(TestServer server) => server.Http.BaseAddress!.ToString();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
