using System.Net.Sockets;
using System.Text;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Forwarder;

/// <summary>
/// <c>sluice forward</c> (docs/forwarder.md) as a user runs it: a process of its own in front of an upstream Sluice
/// process, taking every ingest protocol and forwarding in batches of <c>--batch</c> or every <c>--interval</c>.
/// </summary>
public sealed class ForwarderTests
{
    private static async Task Post(HttpClient http, string path, string body, string contentType)
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await http.PostAsync(path, content);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Events_sent_in_every_protocol_arrive_upstream_once_with_the_ids_the_forwarder_gave_them()
    {
        using var upstream = await SluiceProcess.StartAsync(TestServer.NewDataDir(), SluiceProcess.AnyPort);
        var syslogPort = SluiceProcess.FreePort();
        var info = new System.Diagnostics.ProcessStartInfo("dotnet");
        info.Environment["SLUICE__Syslog__TcpPort"] = syslogPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var arg in new[] { SluiceProcess.Executable, "forward", "--to", upstream.Url.ToString(), "--listen", "127.0.0.1:0", "--data", TestServer.NewDataDir(), "--batch", "4", "--interval", "200ms" })
        {
            info.ArgumentList.Add(arg);
        }

        using var forwarder = await SluiceProcess.StartAsync(info, SluiceProcess.AnyPort);
        using var http = Forwarders.Client(forwarder);
        var now = DateTimeOffset.UtcNow;
        Assert.True(await Forwarders.PostNativeAsync(http, ["n1", "n2", "n3"], now.ToUnixTimeMilliseconds()));
        var nanos = now.ToUnixTimeMilliseconds() * 1_000_000;
        await Post(http, "/v1/logs", $$$"""
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"otel"}}]},
            "scopeLogs":[{"logRecords":[{"timeUnixNano":"{{{nanos}}}","severityText":"INFO","body":{"stringValue":"otlp one"}},
            {"timeUnixNano":"{{{nanos}}}","severityText":"WARN","body":{"stringValue":"otlp two"}}]}]}]}
            """, "application/json");
        await Post(http, "/api/events/raw?clef", $$"""
            {"@t":"{{now:O}}","@mt":"clef one","Application":"seq"}
            {"@t":"{{now:O}}","@mt":"clef two","@l":"Error"}
            """, "application/vnd.serilog.clef");
        await Post(http, "/loki/api/v1/push", $$$"""{"streams":[{"stream":{"service_name":"loki"},"values":[["{{{nanos}}}","loki one"],["{{{nanos + 1}}}","loki two"]]}]}""", "application/json");
        await Post(http, "/_bulk", $$$"""
            {"create":{"_index":"logs"}}
            {"@timestamp":"{{{now:O}}}","message":"bulk one"}
            {"create":{"_index":"logs"}}
            {"@timestamp":"{{{now:O}}}","message":"bulk two"}

            """, "application/x-ndjson");
        using (var syslog = new TcpClient())
        {
            await syslog.ConnectAsync("127.0.0.1", syslogPort);
            await syslog.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"<134>1 {now:O} host app - - - syslog one\n<131>1 {now:O} host app - - - syslog two\n"));
        }

        // 13 events: batches of 4 go as they fill, the rest after 200 ms.
        await Forwarders.UntilAsync(async () => (await Forwarders.IdsAsync(forwarder.Url)).Count == 13, what: "the forwarder to store 13 events");
        await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events") == 0, what: "the backlog to drain");
        var sent = await Forwarders.IdsAsync(forwarder.Url);
        var received = await Forwarders.IdsAsync(upstream.Url);
        Assert.Equal(sent.Order(), received.Order());
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Contains("n2", received);
        Assert.Equal(13, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_delivered_events_total"));
    }

    [Fact]
    public async Task Full_batches_go_at_once_a_partial_one_waits_for_the_interval_and_a_restart_sends_it_once()
    {
        using var upstream = await SluiceProcess.StartAsync(TestServer.NewDataDir(), SluiceProcess.AnyPort);
        var data = TestServer.NewDataDir();
        var port = SluiceProcess.FreePort();
        var ids = Enumerable.Range(0, 25).Select(i => $"b{i}").ToList();
        using (var forwarder = await Forwarders.StartAsync(data, port, upstream.Url, "--batch", "10", "--interval", "1h"))
        {
            using var http = Forwarders.Client(forwarder);
            Assert.True(await Forwarders.PostNativeAsync(http, ids, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            await Forwarders.UntilAsync(async () => (await Forwarders.IdsAsync(upstream.Url)).Count == 20, what: "two full batches upstream");
            await Task.Delay(1_000); // the last five wait for the hour, not for a slow sender
            Assert.Equal(20, (await Forwarders.IdsAsync(upstream.Url)).Count);
            Assert.Equal(5, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events"));
            Assert.True(await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_bytes") > 0);
            forwarder.Kill();
        }

        // Acknowledged before the crash, so the restarted forwarder sends them: once, with a short interval.
        using var again = await Forwarders.StartAsync(data, port, upstream.Url, "--batch", "10", "--interval", "300ms");
        await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(again.Url, "sluice_sink_lag_events") == 0, what: "the backlog to drain");
        Assert.Equal(ids.Order(), (await Forwarders.IdsAsync(upstream.Url)).Order());
        Assert.Equal(0, await Forwarders.MetricAsync(again.Url, "sluice_sink_lag_bytes"));
    }

    [Fact]
    public async Task The_backlog_rises_while_the_upstream_is_away_and_falls_to_zero_once_it_is_back()
    {
        var upstreamData = TestServer.NewDataDir();
        var upstreamPort = SluiceProcess.FreePort();
        var upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);
        try
        {
            using var forwarder = await Forwarders.StartAsync(TestServer.NewDataDir(), SluiceProcess.AnyPort, upstream.Url, "--batch", "50", "--interval", "100ms");
            using var http = Forwarders.Client(forwarder);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Assert.True(await Forwarders.PostNativeAsync(http, [.. Enumerable.Range(0, 100).Select(i => $"o{i}")], now));
            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events") == 0, what: "the first events to go");

            upstream.Kill();
            Assert.True(await Forwarders.PostNativeAsync(http, [.. Enumerable.Range(100, 200).Select(i => $"o{i}")], now));
            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_failed_attempts_total") > 0, what: "a failed attempt");
            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_oldest_pending_seconds") >= 1, what: "the backlog to age");
            Assert.Equal(200, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events"));
            Assert.True(await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_bytes") > 200 * 40);

            upstream.Dispose();
            upstream = await SluiceProcess.StartAsync(upstreamData, upstreamPort);
            await Forwarders.UntilAsync(async () => await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_events") == 0, what: "the backlog to drain");
            Assert.Equal(0, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_lag_bytes"));
            Assert.Equal(0, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_oldest_pending_seconds"));
            Assert.Equal(300, await Forwarders.MetricAsync(forwarder.Url, "sluice_sink_delivered_events_total"));
            var received = await Forwarders.IdsAsync(upstream.Url);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"o{i}").Order(), received.Order());
        }
        finally
        {
            upstream.Dispose();
        }
    }
}
