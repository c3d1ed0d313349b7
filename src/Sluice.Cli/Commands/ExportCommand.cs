using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sluice.Cli.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice export 'QUERY' --since 1h|--start T --end T --format ndjson|csv|parquet --out FILE [--kind K] [--job]</c>:
/// every event the query matches, into FILE (docs/export-import.md). Without <c>--job</c> the export streams in one
/// request. With it the server writes the file as a job; progress is shown from its event stream (a bar on a
/// terminal, plain lines otherwise) and the file is downloaded into <c>FILE.part</c>, which a rerun after an
/// interruption resumes (the job and its entity tag are kept beside it in <c>FILE.part.job</c>).
/// </summary>
public static class ExportCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var query = args.Positional(0) ?? "";
        var output = args.Require("out");
        var format = args.Get("format") ?? FormatOf(output);
        if (format is not ("ndjson" or "csv" or "parquet"))
        {
            throw new UsageException($"--format must be ndjson, csv or parquet, not '{format}'");
        }

        var parameters = new Dictionary<string, string> { ["query"] = query, ["format"] = format };
        var range = TimeRange.From(args);
        Add(parameters, "start", range.Start);
        Add(parameters, "end", range.End);
        Add(parameters, "kind", args.Get("kind"));
        var asJob = args.Flag("job");
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var interrupt = Interrupt.OnCtrlC();
        return asJob
            ? await JobAsync(client, parameters, output, interrupt.Token)
            : await StreamAsync(client, parameters, output, interrupt.Token);
    }

    private static async Task<int> StreamAsync(SluiceClient client, Dictionary<string, string> parameters, string output, CancellationToken cancel)
    {
        var part = output + ".part";
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/export?" + QueryString(parameters)), cancel);
        long bytes;
        try
        {
            await using (var file = File.Create(part))
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancel);
                await body.CopyToAsync(file, cancel);
                bytes = file.Length;
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            File.Delete(part);
            throw new CommandFailedException(ExitCodes.Unavailable, $"the export broke off: {e.Message}; nothing was written to {output}");
        }

        File.Move(part, output, overwrite: true);
        await Console.Error.WriteLineAsync($"{bytes} bytes written to {output}");
        return ExitCodes.Ok;
    }

    private static async Task<int> JobAsync(SluiceClient client, Dictionary<string, string> parameters, string output, CancellationToken cancel)
    {
        var part = output + ".part";
        var sidecar = part + ".job";
        var job = ResumableJob(sidecar);
        if (job is not null)
        {
            using var status = await TryStatusAsync(client, job.Value.Id, cancel);
            if (status?.RootElement.GetProperty("state").GetString() != "done")
            {
                job = null; // expired or gone: start again
            }
        }

        if (job is null)
        {
            File.Delete(part);
            using var started = await client.SendJsonAsync(HttpMethod.Post, "api/v1/export/jobs", parameters, cancel);
            var id = started.RootElement.GetProperty("id").GetString()!;
            var done = await FollowAsync(client, id, cancel);
            if (done.GetProperty("state").GetString() != "done")
            {
                throw new CommandFailedException(ExitCodes.Unavailable, $"the export job {done.GetProperty("state").GetString()}: {(done.TryGetProperty("error", out var e) ? e.GetString() : "")}");
            }

            job = (id, $"\"{id}-{done.GetProperty("bytes").GetInt64()}\"");
            await File.WriteAllTextAsync(sidecar, JsonSerializer.Serialize(new Dictionary<string, string> { ["job"] = job.Value.Id, ["etag"] = job.Value.ETag }), cancel);
        }

        await DownloadAsync(client, job.Value.Id, job.Value.ETag, part, cancel);
        File.Move(part, output, overwrite: true);
        File.Delete(sidecar);
        await Console.Error.WriteLineAsync($"{new FileInfo(output).Length} bytes written to {output} (job {job.Value.Id})");
        return ExitCodes.Ok;
    }

    /// <summary>Reads the job's server-sent events until its last one; shows each as a bar or a plain line.</summary>
    private static async Task<JsonElement> FollowAsync(SluiceClient client, string id, CancellationToken cancel)
    {
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/v1/export/jobs/{id}/progress"), cancel);
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (!Console.IsErrorRedirected && AnsiConsole.Profile.Capabilities.Interactive)
        {
            JsonElement last = default;
            await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn()).StartAsync(async progress =>
            {
                var task = progress.AddTask($"export {id}");
                task.IsIndeterminate = true;
                await foreach (var (_, data) in Events(reader, cancel))
                {
                    last = data;
                    task.Description = $"export {id}: {data.GetProperty("rows").GetInt64():N0} rows, {data.GetProperty("bytes").GetInt64():N0} bytes";
                }

                task.StopTask();
            });
            return last;
        }

        JsonElement final = default;
        await foreach (var (name, data) in Events(reader, cancel))
        {
            final = data;
            await Console.Error.WriteLineAsync($"{name}: {data.GetProperty("rows").GetInt64()} rows, {data.GetProperty("bytes").GetInt64()} bytes");
        }

        return final.ValueKind == JsonValueKind.Undefined
            ? throw new CommandFailedException(ExitCodes.Unavailable, "the job's progress stream ended without an answer")
            : final;
    }

    private static async IAsyncEnumerable<(string Name, JsonElement Data)> Events(StreamReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        var name = "message";
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var document = JsonDocument.Parse(line["data: ".Length..]);
                yield return (name, document.RootElement.Clone());
            }
        }
    }

    /// <summary>Appends to <paramref name="part"/> from where it ends (a range, valid only for the same file: If-Range), or starts it over.</summary>
    private static async Task DownloadAsync(SluiceClient client, string id, string etag, string part, CancellationToken cancel)
    {
        var have = File.Exists(part) ? new FileInfo(part).Length : 0;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/export/jobs/{id}/download");
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
            request.Headers.IfRange = new RangeConditionHeaderValue(EntityTagHeaderValue.Parse(etag));
        }

        using var response = await client.SendAsync(request, cancel);
        var resumed = response.StatusCode == HttpStatusCode.PartialContent;
        try
        {
            await using var file = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
            await using var body = await response.Content.ReadAsStreamAsync(cancel);
            await body.CopyToAsync(file, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new CommandFailedException(ExitCodes.Unavailable, $"the download broke off: {e.Message}; run the same command again to resume it");
        }

        if (resumed)
        {
            await Console.Error.WriteLineAsync($"resumed the download at byte {have}");
        }
    }

    private static (string Id, string ETag)? ResumableJob(string sidecar)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(sidecar));
            return (document.RootElement.GetProperty("job").GetString()!, document.RootElement.GetProperty("etag").GetString()!);
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<JsonDocument?> TryStatusAsync(SluiceClient client, string id, CancellationToken cancel)
    {
        try
        {
            return await client.GetJsonAsync($"api/v1/export/jobs/{Uri.EscapeDataString(id)}", cancel);
        }
        catch (CommandFailedException e) when (e.ExitCode == ExitCodes.Refused)
        {
            return null;
        }
    }

    private static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".parquet" => "parquet",
        _ => "ndjson",
    };

    private static void Add(Dictionary<string, string> parameters, string name, string? value)
    {
        if (value is not null)
        {
            parameters[name] = value;
        }
    }

    private static string QueryString(Dictionary<string, string> parameters) =>
        string.Join('&', parameters.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}"));
}
