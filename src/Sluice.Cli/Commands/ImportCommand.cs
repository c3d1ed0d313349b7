using System.Net.Http.Headers;
using System.Text.Json;
using Sluice.Cli.Client;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice import FILE… [--format ndjson|clef|parquet]</c>: sends each file to <c>POST /api/v1/import</c> as it is
/// read (never whole in memory), the format from the extension unless given (<c>.ndjson</c>/<c>.jsonl</c>/<c>.json</c>,
/// <c>.clef</c>, <c>.parquet</c>), a <c>.gz</c> or <c>.zst</c> file sent as it is with its Content-Encoding. Prints
/// each file's counts and the lines refused; exits 3 when any line was refused, so a script notices.
/// </summary>
public static class ImportCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var format = args.Get("format");
        var files = new List<string>();
        for (var i = 0; args.Positional(i) is { } file; i++)
        {
            files.Add(file);
        }

        if (files.Count == 0)
        {
            throw new UsageException("name at least one FILE to import");
        }

        if (format is not (null or "ndjson" or "clef" or "parquet"))
        {
            throw new UsageException($"--format must be ndjson, clef or parquet, not '{format}'");
        }

        using var client = Connection.Open(args);
        args.RejectUnknown();
        foreach (var file in files.Where(f => !File.Exists(f)))
        {
            throw new UsageException($"no file '{file}'");
        }

        using var interrupt = Interrupt.OnCtrlC();
        var refused = 0L;
        foreach (var file in files)
        {
            refused += await ImportAsync(client, file, format, interrupt.Token);
        }

        return refused > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }

    private static async Task<long> ImportAsync(SluiceClient client, string path, string? format, CancellationToken cancel)
    {
        var (named, encoding) = Describe(path);
        format ??= named;
        await using var file = File.OpenRead(path);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/import?format={format}") { Content = new StreamContent(file, 64 * 1024) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(format == "parquet" ? "application/vnd.apache.parquet" : "application/x-ndjson");
        if (encoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(encoding);
        }

        using var answer = await client.SendAsync(request, cancel);
        using var report = await JsonDocument.ParseAsync(await answer.Content.ReadAsStreamAsync(cancel), cancellationToken: cancel);
        var root = report.RootElement;
        var refused = root.GetProperty("refused").GetInt64();
        Console.WriteLine($"{path}: {root.GetProperty("lines").GetInt64()} lines, {root.GetProperty("stored").GetInt64()} stored, "
            + $"{root.GetProperty("already_present").GetInt64()} already present, {refused} refused");
        foreach (var refusal in root.GetProperty("refusals").EnumerateArray())
        {
            var field = refusal.GetProperty("field").GetString();
            Console.WriteLine($"  line {refusal.GetProperty("line").GetInt64()}: {refusal.GetProperty("code").GetString()}{(field is null ? "" : $" ({field})")}: {refusal.GetProperty("message").GetString()}");
        }

        if (root.GetProperty("refusals_truncated").GetBoolean())
        {
            Console.WriteLine($"  … and {refused - root.GetProperty("refusals").GetArrayLength()} more");
        }

        return refused;
    }

    /// <summary>The format and the Content-Encoding a file's name says: <c>app.clef.gz</c> is CLEF, gzipped.</summary>
    internal static (string Format, string? Encoding) Describe(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        string? encoding = null;
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            (encoding, name) = ("gzip", name[..^3]);
        }
        else if (name.EndsWith(".zst", StringComparison.Ordinal))
        {
            (encoding, name) = ("zstd", name[..^4]);
        }

        var format = Path.GetExtension(name) switch
        {
            ".clef" => "clef",
            ".parquet" => "parquet",
            _ => "ndjson",
        };
        return (format, encoding);
    }
}
