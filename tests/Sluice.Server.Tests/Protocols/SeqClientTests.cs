using System.Diagnostics;
using System.Text.Json;
using Serilog;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>Serilog with Serilog.Sinks.Seq, the real client, sending to Sluice as if it were Seq.</summary>
public sealed class SeqClientTests
{
    [Fact]
    public async Task Serilog_Seq_sink_events_arrive_with_every_field_mapped()
    {
        await using var server = await TestServer.StartAsync();
        using var activity = new Activity("checkout").Start(); // Serilog records the current trace and span
        using (var log = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.WithProperty("Application", "checkout")
            .Enrich.WithProperty("MachineName", "web-3")
            .WriteTo.Seq(server.Http.BaseAddress!.ToString())
            .CreateLogger())
        {
            log.ForContext("SourceContext", "Shop.Payments").Information("User {UserId} paid {Amount} EUR for {@Cart}", "u-42", 19.99m, new { Items = 3, Coupon = "SPRING" });
            log.Error(new InvalidOperationException("card declined"), "Payment {PaymentId} failed", "p-7");
            log.Verbose("Cache {{warm}} after {Ms} ms", 12);
        }

        var events = await WaitForAsync(server, 3);
        var paid = events.Single(e => e.GetProperty("message").GetString()!.StartsWith("User", StringComparison.Ordinal));
        Assert.Equal("User u-42 paid 19.99 EUR for {\"Items\":3,\"Coupon\":\"SPRING\"}", paid.GetProperty("message").GetString());
        Assert.Equal("User {UserId} paid {Amount} EUR for {@Cart}", paid.GetProperty("template").GetString());
        Assert.Equal("info", paid.GetProperty("level").GetString());
        Assert.Equal("checkout", paid.GetProperty("service").GetString());
        Assert.Equal("web-3", paid.GetProperty("host").GetString());
        Assert.Equal("Shop.Payments", paid.GetProperty("category").GetString());
        Assert.Equal(activity.TraceId.ToHexString(), paid.GetProperty("trace_id").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), paid.GetProperty("span_id").GetString());
        var attributes = paid.GetProperty("attributes");
        Assert.Equal("u-42", attributes.GetProperty("UserId").GetString());
        Assert.Equal("19.99", attributes.GetProperty("Amount").GetString());
        Assert.Equal("3", attributes.GetProperty("Cart.Items").GetString());
        Assert.Equal("SPRING", attributes.GetProperty("Cart.Coupon").GetString());

        var failed = events.Single(e => e.GetProperty("message").GetString() == "Payment p-7 failed");
        Assert.Equal("error", failed.GetProperty("level").GetString());
        Assert.Contains("System.InvalidOperationException: card declined", failed.GetProperty("stack_trace").GetString());
        Assert.Equal("p-7", failed.GetProperty("attributes").GetProperty("PaymentId").GetString());

        var verbose = events.Single(e => e.GetProperty("level").GetString() == "trace");
        Assert.Equal("Cache {warm} after 12 ms", verbose.GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_raw_endpoint_takes_clef_and_the_legacy_envelope_and_answers_like_Seq()
    {
        await using var server = await TestServer.StartAsync();
        var clef = """
            {"@t":"2026-01-01T10:00:00.123Z","@mt":"Disk {Disk} is {Pct}% full","@l":"Warning","Disk":"sda","Pct":93,"@i":"a1b2c3d4","@@odd":"x"}
            not json
            {"@t":"2026-01-01T10:00:01Z","@m":"plain","@l":"Mystery"}
            """;
        var (status, body, _) = await server.PostAsync("/api/events/raw?clef", clef, "application/json");
        Assert.Equal(201, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("MinimumLevelAccepted").ValueKind);
        Assert.Contains("record 1", body.GetProperty("Error").GetString());

        var envelope = """{"Events":[{"Timestamp":"2026-01-01T10:00:02Z","Level":"Error","MessageTemplate":"Job {Job} crashed","Properties":{"Job":"nightly"},"Exception":"System.Exception: x"}]}""";
        Assert.Equal(201, (await server.PostAsync("/api/events/raw", envelope)).Status);

        var (bad, badBody, _) = await server.PostAsync("/ingest/clef", "[1,2]", "application/vnd.serilog.clef");
        Assert.Equal(400, bad);
        Assert.False(string.IsNullOrEmpty(badBody.GetProperty("Error").GetString()));

        var events = await Api.SearchAllAsync(server, "q=");
        var disk = events.Single(e => e.TryGetProperty("template", out var t) && t.GetString()!.StartsWith("Disk", StringComparison.Ordinal));
        Assert.Equal("Disk sda is 93% full", disk.GetProperty("message").GetString());
        Assert.Equal("warn", disk.GetProperty("level").GetString());
        Assert.Equal("2026-01-01T10:00:00.123Z", disk.GetProperty("time").GetString());
        Assert.Equal("a1b2c3d4", disk.GetProperty("attributes").GetProperty("event_id").GetString());
        Assert.Equal("x", disk.GetProperty("attributes").GetProperty("@odd").GetString());
        var mystery = events.Single(e => e.GetProperty("message").GetString() == "plain");
        Assert.Equal(("info", "Mystery"), (mystery.GetProperty("level").GetString(), mystery.GetProperty("attributes").GetProperty("level_text").GetString()));
        var job = events.Single(e => e.GetProperty("message").GetString() == "Job nightly crashed");
        Assert.Equal(("error", "System.Exception: x"), (job.GetProperty("level").GetString(), job.GetProperty("stack_trace").GetString()));
    }

    internal static async Task<List<JsonElement>> WaitForAsync(TestServer server, int count, string query = "q=")
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var events = await Api.SearchAllAsync(server, query);
            if (events.Count >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, events.Count);
                return events;
            }

            await Task.Delay(100);
        }
    }
}
