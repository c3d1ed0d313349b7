using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Ingest.Protocols.Loki;
using Sluice.Server.Ingest.Syslog;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>
/// JSON lines on the text protocols (what pino-loki and JSON loggers behind syslog send) are unpacked into message,
/// level, time and attributes; plain lines stay as they were.
/// </summary>
public sealed class StructuredLineTests
{
    /// <summary>pino-loki's push body: labels from its options, each value a pino line as text.</summary>
    private const string PinoLokiPush = """
        {"streams":[{"stream":{"application":"shop-api","level":"error"},
          "values":[["1733212345678000000","{\"level\":50,\"time\":1733212345678,\"pid\":4242,\"hostname\":\"web-1\",\"msg\":\"checkout failed\",\"orderId\":77,\"cart\":{\"items\":3,\"coupon\":{\"code\":\"SPRING\"}}}"]]}]}
        """;

    [Fact]
    public async Task A_pino_loki_push_from_node_fetch_is_unpacked_and_counted_as_a_backend()
    {
        await using var server = await TestServer.StartAsync();
        // Node's own fetch (undici) sends the push, with the headers it always adds (Sec-Fetch-Mode: cors, User-Agent: node).
        var script = $$"""
            const r = await fetch(process.argv[1] + 'loki/api/v1/push', { method: 'POST', headers: { 'content-type': 'application/json' }, body: process.argv[2] });
            console.log(r.status);
            """;
        Assert.Equal("204", await NodeAsync(script, server.Http.BaseAddress!.ToString(), PinoLokiPush));

        var e = Assert.Single(await Api.SearchAllAsync(server, "q=checkout"));
        Assert.Equal(("checkout failed", "error", "shop-api"), (e.GetProperty("message").GetString(), e.GetProperty("level").GetString(), e.GetProperty("service").GetString()));
        Assert.Equal(1_733_212_345_678, e.GetProperty("timestamp").GetInt64());
        Assert.Equal("backend", e.GetProperty("system").GetString());
        var attributes = e.GetProperty("attributes");
        Assert.Equal("77", attributes.GetProperty("orderId").GetString());
        Assert.Equal("SPRING", attributes.GetProperty("cart.coupon.code").GetString());
        Assert.Equal("web-1", attributes.GetProperty("hostname").GetString());
        Assert.False(attributes.TryGetProperty("msg", out _), "the message is not repeated as an attribute");
        Assert.False(attributes.TryGetProperty("time", out _), "the time is not repeated as an attribute");
    }

    [Fact]
    public async Task A_snappy_protobuf_push_of_a_json_line_is_unpacked_and_the_line_level_wins_over_the_label()
    {
        await using var server = await TestServer.StartAsync();
        var push = new PushRequest();
        var stream = new StreamAdapter { Labels = "{app=\"billing\", level=\"info\", env=\"prod\"}" };
        stream.Entries.Add(new EntryAdapter
        {
            Timestamp = new Timestamp { Seconds = 1_767_261_600 },
            Line = """{"level":"WARN","ts":"2026-01-01T10:00:05.250Z","message":"invoice late","env":"staging","invoice":"in-9"}""",
        });
        push.Streams.Add(stream);
        using var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(push.ToByteArray()));
        content.Headers.ContentType = new("application/x-protobuf");
        Assert.Equal(204, (int)(await server.Http.PostAsync("/loki/api/v1/push", content)).StatusCode);

        var e = Assert.Single(await Api.SearchAllAsync(server, "q=invoice"));
        Assert.Equal(("invoice late", "warn", "billing"), (e.GetProperty("message").GetString(), e.GetProperty("level").GetString(), e.GetProperty("service").GetString()));
        Assert.Equal(1_767_261_605_250, e.GetProperty("timestamp").GetInt64());
        Assert.Equal("staging", e.GetProperty("attributes").GetProperty("env").GetString());
    }

    [Fact]
    public async Task Plain_lines_and_json_lines_without_a_message_stay_as_they_were()
    {
        await using var server = await TestServer.StartAsync();
        var plain = "GET /health 200 {took 3ms}";
        var noMessage = """{"event":"tick","n":1}""";
        var broken = """{"msg":"half""";
        var body = JsonSerializer.Serialize(new
        {
            streams = new[] { new { stream = new { job = "raw" }, values = new[] { new[] { "1767261600000000000", plain }, new[] { "1767261601000000000", noMessage }, new[] { "1767261602000000000", broken } } } },
        });
        Assert.Equal(204, (await server.PostAsync("/loki/api/v1/push", body)).Status);

        var messages = (await Api.SearchAllAsync(server, "service=raw")).Select(e => e.GetProperty("message").GetString()).Order().ToList();
        Assert.Equal(new[] { plain, broken, noMessage }.Order(), messages);
    }

    [Fact]
    public async Task A_syslog_message_carrying_json_is_unpacked()
    {
        await using var server = await TestServer.StartAsync(o => o with { Syslog = o.Syslog with { TcpPort = 0, UdpPort = 0 } });
        var port = server.App.Services.GetRequiredService<SyslogListener>().TcpPort!.Value;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", port);
            var message = """<14>1 2026-01-01T10:00:00Z web-7 shop 311 - - {"level":60,"time":1767261604000,"msg":"out of memory","heapMb":2048,"req":{"id":"r-5"}}""";
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(message + "\n"));
        }

        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=shop"));
        Assert.Equal(("out of memory", "fatal", "web-7"), (e.GetProperty("message").GetString(), e.GetProperty("level").GetString(), e.GetProperty("host").GetString()));
        Assert.Equal(1_767_261_604_000, e.GetProperty("timestamp").GetInt64());
        var attributes = e.GetProperty("attributes");
        Assert.Equal("2048", attributes.GetProperty("heapMb").GetString());
        Assert.Equal("r-5", attributes.GetProperty("req.id").GetString());
        Assert.Equal("user", attributes.GetProperty("syslog.facility").GetString());
    }

    private static async Task<string> NodeAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--input-type=module", "-e", script, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"node failed: {error}");
        return output.Trim();
    }
}
