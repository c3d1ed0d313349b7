using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sluice.Cli.Client;

namespace Sluice.Cli.Ingest;

/// <summary>
/// Posts one batch and reads which of its events were refused. A refusal of the whole request for a reason other
/// than its events (a missing key, a wrong endpoint) stops the command (exit 3); 429, 503 and lost connections are
/// tried again (<c>--retries</c> times) with growing pauses (honouring <c>Retry-After</c>) before the command gives
/// up (exit 4).
/// </summary>
internal sealed partial class BatchSender(SluiceClient client, IngestFormat format, int retries)
{
    /// <summary>Set once the server answered: a server never reached is reported at once, one that went away is waited for.</summary>
    private volatile bool _reached;

    private readonly string _path = format == IngestFormat.Clef ? "ingest/clef" : "api/ingest";
    private readonly string _mediaType = format == IngestFormat.Clef ? "application/vnd.serilog.clef" : "application/x-ndjson";

    /// <summary>How many events the server refused, and which lines (CLEF answers name only the first).</summary>
    public async Task<(int RefusedCount, List<RefusedLine> Refused)> SendAsync(IngestBatch batch, CancellationToken cancel)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _path)
            {
                Content = new ReadOnlyMemoryContent(batch.Body.WrittenMemory),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(_mediaType);
            HttpResponseMessage response;
            try
            {
                response = await client.Http.SendAsync(request, cancel);
            }
            catch (HttpRequestException e) when (attempt <= retries && _reached)
            {
                await PauseAsync(attempt, null, $"{client.BaseUrl} unreachable ({e.Message})", cancel);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new CommandFailedException(ExitCodes.Unavailable, $"{client.BaseUrl} is unreachable: {e.Message}");
            }

            using (response)
            {
                _reached = true;
                var status = (int)response.StatusCode;
                if ((status is 429 or 503 or 502 or 504) && attempt <= retries)
                {
                    await PauseAsync(attempt, response.Headers.RetryAfter?.Delta, $"the server answered {status}", cancel);
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(cancel);
                if (response.IsSuccessStatusCode || status == 400)
                {
                    var (count, refused) = Refused(text, batch);
                    if (status == 400 && count == 0)
                    {
                        // A 400 that lists no event is about the request itself.
                        throw new CommandFailedException(ExitCodes.Refused, $"the server refused the batch: {SluiceClient.ProblemText(text)}");
                    }

                    return (count, refused);
                }

                await SluiceClient.EnsureSuccessAsync(new HttpResponseMessage(response.StatusCode) { Content = new StringContent(text) }, cancel);
                throw new InvalidOperationException("unreachable");
            }
        }
    }

    private static async Task PauseAsync(int attempt, TimeSpan? retryAfter, string why, CancellationToken cancel)
    {
        var pause = retryAfter ?? TimeSpan.FromMilliseconds(Math.Min(250 * (1 << Math.Min(attempt, 5)), 5000));
        await Console.Error.WriteLineAsync($"sluice ingest: {why}; trying again in {pause.TotalSeconds:0.#} s");
        await Task.Delay(pause, cancel);
    }

    /// <summary>The refused lines an answer lists, by input line number.</summary>
    private (int Count, List<RefusedLine> Lines) Refused(string text, IngestBatch batch)
    {
        var refused = new List<RefusedLine>();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(text).RootElement;
        }
        catch (JsonException)
        {
            return (0, refused);
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return (0, refused);
        }

        if (format == IngestFormat.Clef)
        {
            // Seq's answer summarises: "N of M records refused; first, record I: why".
            if (root.TryGetProperty("Error", out var error) && error.GetString() is { } summary)
            {
                var match = ClefSummary().Match(summary);
                var count = match.Success ? int.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : batch.Events;
                var first = match.Success ? int.Parse(match.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                var reason = match.Success ? match.Groups["why"].Value : summary;
                refused.Add(new RefusedLine(batch.LineNumbers[Math.Clamp(first, 0, batch.Events - 1)], count > 1 ? $"{reason} (and {count - 1} more of the lines {batch.LineNumbers[0]}–{batch.LineNumbers[^1]})" : reason));
                return (count, refused);
            }

            return (0, refused);
        }

        if (root.TryGetProperty("rejected", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                var index = item.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                refused.Add(new RefusedLine(batch.LineNumbers[Math.Clamp(index, 0, batch.Events - 1)], Reason(item)));
            }
        }
        else if (batch.Events == 1 && root.TryGetProperty("code", out _))
        {
            refused.Add(new RefusedLine(batch.LineNumbers[0], Reason(root)));
        }

        return (refused.Count, refused);
    }

    private static string Reason(JsonElement item)
    {
        var code = item.TryGetProperty("code", out var c) ? c.GetString() : null;
        var message = item.TryGetProperty("message", out var m) ? m.GetString() : null;
        return $"{code}: {message}";
    }

    [GeneratedRegex(@"^(?<n>\d+) of \d+ records refused; first, record (?<i>\d+): (?<why>.*)$", RegexOptions.Singleline)]
    private static partial Regex ClefSummary();
}
