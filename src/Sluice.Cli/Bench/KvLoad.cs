using System.Diagnostics;
using System.Net.Http.Headers;

namespace Sluice.Cli.Bench;

/// <summary>
/// Requests against the KV API from several connections at once, each one's latency recorded; reads also check
/// which tier answered (<c>X-Sluice-Kv-Tier</c>), so a figure is never credited to the wrong tier.
/// </summary>
public sealed class KvLoad(HttpClient http, int connections)
{
    public sealed record Result(string What, int Requests, int Failed, int WrongTier, double Seconds, double[] Ms)
    {
        public double PerSecond => Requests / Seconds;
    }

    /// <summary>Writes <paramref name="count"/> keys <c>{prefix}{i}</c> with <paramref name="query"/>, <paramref name="bytes"/> bytes each.</summary>
    public Task<Result> PutAsync(string what, string prefix, int count, int bytes, string query) =>
        RunAsync(what, count, async i =>
        {
            using var content = new ByteArrayContent(Value(i, bytes));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PutAsync($"/api/kv/{prefix}{i}?{query}", content);
            return (response.IsSuccessStatusCode, true);
        });

    /// <summary>Reads <paramref name="reads"/> times a random key of <c>{prefix}0 … {prefix}{count-1}</c>, expecting <paramref name="tier"/> to answer.</summary>
    public Task<Result> GetAsync(string what, string prefix, int count, int reads, string tier)
    {
        var random = new SplitMix64(42);
        var order = Enumerable.Range(0, reads).Select(_ => random.Below(count)).ToArray();
        return RunAsync(what, reads, async i =>
        {
            using var response = await http.GetAsync($"/api/kv/{prefix}{order[i]}");
            await response.Content.ReadAsByteArrayAsync();
            var answered = response.Headers.TryGetValues("X-Sluice-Kv-Tier", out var tiers) ? tiers.First() : "";
            return (response.IsSuccessStatusCode, answered == tier);
        });
    }

    private async Task<Result> RunAsync(string what, int requests, Func<int, Task<(bool Ok, bool RightTier)>> request)
    {
        var recorder = new LatencyRecorder(connections);
        var next = -1;
        int failed = 0, wrongTier = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                var (ok, rightTier) = await request(i);
                recorder.Record(worker, Stopwatch.GetTimestamp() - started);
                if (!ok)
                {
                    Interlocked.Increment(ref failed);
                }
                else if (!rightTier)
                {
                    Interlocked.Increment(ref wrongTier);
                }
            }
        })));
        return new Result(what, requests, failed, wrongTier, clock.Elapsed.TotalSeconds, recorder.Percentiles(0.5, 0.99, 1.0));
    }

    /// <summary>A JSON value of about <paramref name="bytes"/> bytes: a string of digits (compressible, as most JSON is).</summary>
    private static byte[] Value(int i, int bytes)
    {
        var text = "\"" + string.Concat(Enumerable.Repeat(i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",", bytes)).AsSpan(0, Math.Max(0, bytes - 2)).ToString() + "\"";
        return System.Text.Encoding.UTF8.GetBytes(text);
    }
}
