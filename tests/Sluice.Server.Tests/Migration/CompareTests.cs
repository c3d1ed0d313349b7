using System.Text.Json;
using Sluice.Core.Options;
using Sluice.Server.Configuration;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Migration;

/// <summary>
/// Shadow compare: <c>GET /api/admin/compare</c> sets another Sluice's summary of a range beside this node's, scaled
/// by the mirror's share; and the mirror's key stays out of every answer and log line.
/// </summary>
public sealed class CompareTests
{
    private static IEnumerable<string> Logs(long now, int count, string prefix) => Enumerable.Range(0, count).Select(i =>
        $$"""{"id":"{{prefix}}{{i}}","timestamp":{{now - i}},"level":"{{(i % 4 == 0 ? "error" : "info")}}","message":"m{{i}}","service":"svc{{i % 3}}","category":"c{{i % 2}}"}""");

    private static IEnumerable<string> Traffic(long now, int count) => Enumerable.Range(0, count).Select(i =>
        $$"""{"id":"t{{i}}","kind":"traffic","timestamp":{{now - i}},"domain":"d{{i % 2}}.example","path":"/","status":200,"decision":"{{(i % 3 == 0 ? "block" : "allow")}}","country":"NL","ip":"203.0.113.{{i % 7}}"}""");

    private static string Range(long now) =>
        $"start_time={now - 3_600_000}&end_time={now + 1_000}";

    private static JsonElement Field(JsonElement answer, string field, string? value = null) =>
        answer.GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("field").GetString() == field
            && (value is null ? !f.TryGetProperty("value", out _) : f.GetProperty("value").GetString() == value));

    [Fact]
    public async Task A_full_mirror_compares_equal_count_by_count_for_logs_and_traffic()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Logs(now, 120, "a").Concat(Traffic(now, 90)));
        await Mirrors.CaughtUpAsync(sender);

        foreach (var (kind, total) in new[] { ("log", 120), ("traffic", 90) })
        {
            var answer = await sender.GetJsonAsync($"/api/admin/compare?kind={kind}&{Range(now)}");
            Assert.True(answer.GetProperty("match").GetBoolean(), answer.ToString());
            Assert.Equal(1.0, answer.GetProperty("expected_share").GetDouble());
            Assert.Equal(total, Field(answer, "total").GetProperty("this").GetInt64());
            Assert.Equal(total, Field(answer, "total").GetProperty("other").GetInt64());
            Assert.Equal(0, Field(answer, "total").GetProperty("tolerance").GetInt64());
        }

        var logs = await sender.GetJsonAsync($"/api/admin/compare?kind=log&{Range(now)}");
        Assert.Equal(30, Field(logs, "by_level", "error").GetProperty("other").GetInt64());
        Assert.Equal(40, Field(logs, "by_service", "svc1").GetProperty("other").GetInt64());
        var traffic = await sender.GetJsonAsync($"/api/admin/compare?kind=traffic&{Range(now)}");
        Assert.Equal(30, Field(traffic, "by_decision", "block").GetProperty("other").GetInt64());
    }

    [Fact]
    public async Task A_half_mirror_compares_against_half_the_counts_within_the_stated_tolerance()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver), share: 0.5));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Logs(now, 400, "h"));
        await Mirrors.CaughtUpAsync(sender);

        var answer = await sender.GetJsonAsync($"/api/admin/compare?start={now - 3_600_000}&end={now + 1_000}");
        var selected = Enumerable.Range(0, 400).Count(i => Mirrors.Selected("h" + i, 0.5));
        var total = Field(answer, "total");
        Assert.Equal(0.5, answer.GetProperty("expected_share").GetDouble());
        Assert.Equal(400, total.GetProperty("this").GetInt64());
        Assert.Equal(selected, total.GetProperty("other").GetInt64());
        Assert.Equal(200, total.GetProperty("expected").GetDouble());
        Assert.Equal((long)Math.Ceiling(4 * Math.Sqrt(400 * 0.25)), total.GetProperty("tolerance").GetInt64());
        Assert.True(answer.GetProperty("match").GetBoolean(), answer.ToString());
        Assert.Contains("sqrt", answer.GetProperty("tolerance").GetString(), StringComparison.Ordinal);

        // Asked as a full copy, the same receiver falls short.
        var full = await sender.GetJsonAsync($"/api/admin/compare?share=1&{Range(now)}");
        Assert.False(full.GetProperty("match").GetBoolean());
        Assert.Equal(selected - 400, Field(full, "total").GetProperty("difference").GetDouble());
    }

    [Fact]
    public async Task Compare_reports_a_mismatch_when_the_receiver_got_events_the_sender_never_had()
    {
        await using var receiver = await TestServer.StartAsync();
        await using var sender = await TestServer.StartAsync(o => Mirrors.Into(o, Mirrors.Url(receiver)));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Logs(now, 50, "x"));
        await Mirrors.CaughtUpAsync(sender);
        Assert.True((await sender.GetJsonAsync($"/api/admin/compare?{Range(now)}")).GetProperty("match").GetBoolean());

        await Api.PostAsync(receiver, [$$"""{"id":"extra","timestamp":{{now}},"level":"fatal","message":"only here","service":"intruder"}"""]);
        var answer = await sender.GetJsonAsync($"/api/admin/compare?url={Uri.EscapeDataString(Mirrors.Url(receiver))}&{Range(now)}");
        Assert.False(answer.GetProperty("match").GetBoolean());
        Assert.Equal(1, Field(answer, "total").GetProperty("difference").GetDouble());
        Assert.Equal(1, Field(answer, "by_service", "intruder").GetProperty("other").GetInt64());
        Assert.Equal(0, Field(answer, "by_service", "intruder").GetProperty("this").GetInt64());
        Assert.False(Field(answer, "by_level", "fatal").GetProperty("match").GetBoolean());
        Assert.True(Field(answer, "by_level", "info").GetProperty("match").GetBoolean());
        Assert.Equal(answer.GetProperty("fields").EnumerateArray().Count(f => !f.GetProperty("match").GetBoolean()), answer.GetProperty("mismatches").GetInt32());
    }

    [Fact]
    public async Task Compare_says_which_other_end_failed_and_refuses_a_missing_url()
    {
        await using var alone = await TestServer.StartAsync();
        using var missing = await alone.Http.GetAsync("/api/admin/compare");
        Assert.Equal(400, (int)missing.StatusCode);
        Assert.Contains("'url' is required", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var port = Mirrors.FreePort();
        using var down = await alone.Http.GetAsync($"/api/admin/compare?url=http://127.0.0.1:{port}");
        Assert.Equal(502, (int)down.StatusCode);
        var problem = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("other_unavailable", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_mirror_key_never_appears_in_logs_health_metrics_options_or_compare_answers()
    {
        const string key = "mirror-key-5f0c2e9d71";
        var logs = new CapturedLogs();
        // The receiver holds the mirror's key (ingest and read) and refuses events with a field past its smaller limit.
        await using var receiver = await TestServer.StartAsync(o => o with
        {
            Auth = new AuthOptions { ApiKeys = $"{key}:ingest+read,reader-key-1:admin" },
            Limits = o.Limits with { MaxFieldBytes = 64 },
        });
        receiver.Http.DefaultRequestHeaders.Add("X-Api-Key", "reader-key-1");
        Func<SluiceOptions, SluiceOptions> mirrored = o => Mirrors.Into(o, Mirrors.Url(receiver), apiKey: key);
        await using var sender = await TestServer.StartAsync(mirrored, logs: logs);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Api.PostAsync(sender, Logs(now, 20, "s").Append($$"""{"id":"long","timestamp":{{now}},"message":"{{new string('x', 200)}}"}"""));
        await Mirrors.CaughtUpAsync(sender);
        Assert.Equal(20, (await Mirrors.EventsAsync(receiver)).Count); // the key was presented and accepted
        await Mirrors.UntilAsync(() => Task.FromResult(logs.Lines.Any(l => l.Contains("refused 1 of 21", StringComparison.Ordinal))));

        var compare = await sender.Http.GetStringAsync($"/api/admin/compare?{Range(now)}");
        Assert.Contains("\"match\":false", compare, StringComparison.Ordinal); // the refused event is missing there
        using var failed = await sender.Http.GetAsync($"/api/admin/compare?url=http://127.0.0.1:{Mirrors.FreePort()}");
        var outputs = new[]
        {
            compare,
            await failed.Content.ReadAsStringAsync(),
            await sender.Http.GetStringAsync("/api/traffic-logs/v2/health"),
            await sender.Http.GetStringAsync("/metrics"),
            string.Join('\n', OptionsPrinter.Lines(mirrored(new SluiceOptions()))),
            string.Join('\n', logs.Lines),
        };
        Assert.All(outputs, output => Assert.DoesNotContain(key, output, StringComparison.Ordinal));
        Assert.Contains("Mirror:ApiKey = ****", outputs[4], StringComparison.Ordinal);
    }
}
