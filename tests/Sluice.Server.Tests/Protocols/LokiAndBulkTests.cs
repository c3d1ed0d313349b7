using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Sluice.Ingest.Protocols.Loki;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>
/// Loki push and Elasticsearch bulk have no client that runs here, so the bodies are built from the public protocol
/// definitions: Loki's push API docs (JSON shape; PushRequest protobuf, snappy block-compressed, Content-Type
/// application/x-protobuf) and Elasticsearch's bulk API docs (action line + document line, per-item results).
/// </summary>
public sealed class LokiAndBulkTests
{
    [Fact]
    public async Task Loki_json_push_maps_labels_and_structured_metadata_and_answers_204()
    {
        await using var server = await TestServer.StartAsync();
        // Loki docs: "values" holds [ "<unix epoch in nanoseconds>", "<log line>", {structured metadata} ].
        var body = """
            {"streams":[{"stream":{"service_name":"cart","level":"warning","env":"prod","hostname":"node-4"},
              "values":[["1767261600500000000","cart full",{"trace_id":"0af7651916cd43dd8448eb211c80319c","user":"u9"}],
                        ["1767261601000000000","cart emptied"]]}]}
            """;
        var (status, _, _) = await server.PostAsync("/loki/api/v1/push", body);
        Assert.Equal(204, status);

        var events = await Api.SearchAllAsync(server, "q=");
        var full = events.Single(e => e.GetProperty("message").GetString() == "cart full");
        Assert.Equal(("cart", "warn", "node-4"), (full.GetProperty("service").GetString(), full.GetProperty("level").GetString(), full.GetProperty("host").GetString()));
        Assert.Equal(1_767_261_600_500, full.GetProperty("timestamp").GetInt64());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", full.GetProperty("trace_id").GetString());
        Assert.Equal(("prod", "u9"), (full.GetProperty("attributes").GetProperty("env").GetString(), full.GetProperty("attributes").GetProperty("user").GetString()));
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task Loki_snappy_protobuf_push_is_read_and_bad_entries_answer_400_in_plain_text()
    {
        await using var server = await TestServer.StartAsync();
        var push = new PushRequest();
        var stream = new StreamAdapter { Labels = "{job=\"varlogs\", level=\"error\", path=\"/var/log/app.log\", note=\"say \\\"hi\\\"\"}" };
        stream.Entries.Add(new EntryAdapter { Timestamp = new Timestamp { Seconds = 1_767_261_600, Nanos = 250_000_000 }, Line = "disk failure on sdb" });
        stream.Entries[0].StructuredMetadata.Add(new LabelPairAdapter { Name = "span_id", Value = "00f067aa0ba902b7" });
        push.Streams.Add(stream);
        var broken = new StreamAdapter { Labels = "job=no-braces" };
        broken.Entries.Add(new EntryAdapter { Line = "lost" });
        push.Streams.Add(broken);

        using var content = new ByteArrayContent(Snappier.Snappy.CompressToArray(push.ToByteArray()));
        content.Headers.ContentType = new("application/x-protobuf");
        var response = await server.Http.PostAsync("/loki/api/v1/push", content);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("1 of 2 records refused", await response.Content.ReadAsStringAsync());

        var e = Assert.Single(await Api.SearchAllAsync(server, "q="));
        Assert.Equal(("disk failure on sdb", "varlogs", "error"), (e.GetProperty("message").GetString(), e.GetProperty("service").GetString(), e.GetProperty("level").GetString()));
        Assert.Equal(1_767_261_600_250, e.GetProperty("timestamp").GetInt64());
        Assert.Equal("00f067aa0ba902b7", e.GetProperty("span_id").GetString());
        Assert.Equal("say \"hi\"", e.GetProperty("attributes").GetProperty("note").GetString());
        Assert.Equal("/var/log/app.log", e.GetProperty("attributes").GetProperty("path").GetString());

        using var garbage = new ByteArrayContent([1, 2, 3, 4, 5]);
        garbage.Headers.ContentType = new("application/x-protobuf");
        var refused = await server.Http.PostAsync("/loki/api/v1/push", garbage);
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.StartsWith("text/plain", refused.Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Empty_pushes_succeed_with_nothing_stored()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(204, (await server.PostAsync("/loki/api/v1/push", "{\"streams\":[]}")).Status);
        Assert.Equal(201, (await server.PostAsync("/api/events/raw", "{\"Events\":[]}")).Status);
        Assert.Equal(200, (await server.PostAsync("/v1/logs", "{}")).Status);
        Assert.Empty(await Api.SearchAllAsync(server, "q="));
    }

    [Fact]
    public async Task Elasticsearch_handshake_and_bulk_with_per_item_results()
    {
        await using var server = await TestServer.StartAsync();
        var root = await server.Http.GetAsync("/");
        Assert.Equal("Elasticsearch", root.Headers.GetValues("X-elastic-product").Single());
        var version = JsonDocument.Parse(await root.Content.ReadAsStringAsync()).RootElement.GetProperty("version");
        Assert.StartsWith("8.", version.GetProperty("number").GetString());

        // ES bulk docs: an action line, then (for index and create) the document line; NDJSON ending in a newline.
        var bulk = new StringBuilder()
            .AppendLine("""{"create":{"_index":"payments","_id":"evt-1"}}""")
            .AppendLine("""{"@timestamp":"2026-01-01T10:00:00.000Z","message":"charge ok","log":{"level":"info","logger":"pay.api"},"host":{"name":"pay-1"},"trace":{"id":"4bf92f3577b34da6a3ce929d0e0e4736"},"http":{"response":{"status_code":200}}}""")
            .AppendLine("""{"index":{"_id":"evt-2"}}""")
            .AppendLine("""{"@timestamp":"2026-01-01T10:00:01.000Z","message":"charge failed","log.level":"error","service":{"name":"ledger"},"error":{"stack_trace":"at Ledger.Post()"}}""")
            .AppendLine("""{"delete":{"_index":"payments","_id":"evt-0"}}""")
            .AppendLine("""{"index":{}}""")
            .AppendLine("{\"message\":\"" + new string('z', 70_000) + "\"}")
            .ToString();
        var (status, answer, _) = await server.PostAsync("/payments/_bulk", bulk, "application/x-ndjson");
        Assert.Equal(200, status);
        Assert.True(answer.GetProperty("errors").GetBoolean());
        var items = answer.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal((201, "evt-1"), (items[0].GetProperty("create").GetProperty("status").GetInt32(), items[0].GetProperty("create").GetProperty("_id").GetString()));
        Assert.Equal(201, items[1].GetProperty("index").GetProperty("status").GetInt32());
        Assert.Equal(400, items[2].GetProperty("delete").GetProperty("status").GetInt32());
        Assert.Equal(400, items[3].GetProperty("index").GetProperty("status").GetInt32());
        Assert.Contains("'message' is longer than", items[3].GetProperty("index").GetProperty("error").GetProperty("reason").GetString());

        var events = await Api.SearchAllAsync(server, "q=");
        Assert.Equal(2, events.Count);
        var ok = events.Single(e => e.GetProperty("id").GetString() == "evt-1");
        Assert.Equal(("charge ok", "info", "payments", "pay-1"), (ok.GetProperty("message").GetString(), ok.GetProperty("level").GetString(), ok.GetProperty("service").GetString(), ok.GetProperty("host").GetString()));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", ok.GetProperty("trace_id").GetString());
        Assert.Equal(("pay.api", "200"), (ok.GetProperty("attributes").GetProperty("log.logger").GetString(), ok.GetProperty("attributes").GetProperty("http.response.status_code").GetString()));
        var failed = events.Single(e => e.GetProperty("id").GetString() == "evt-2");
        Assert.Equal(("error", "ledger", "at Ledger.Post()"), (failed.GetProperty("level").GetString(), failed.GetProperty("service").GetString(), failed.GetProperty("stack_trace").GetString()));

        // A resent bulk is recognised by its _id: stored once, every item still 201.
        var (again, againAnswer, _) = await server.PostAsync("/payments/_bulk", bulk, "application/x-ndjson");
        Assert.Equal(201, againAnswer.GetProperty("items")[0].GetProperty("create").GetProperty("status").GetInt32());
        Assert.Equal(2, (await Api.SearchAllAsync(server, "q=")).Count);

        var (bad, badAnswer, _) = await server.PostAsync("/_bulk", "{\"create\":{}}\n", "application/x-ndjson");
        Assert.Equal(400, bad);
        Assert.Equal(400, badAnswer.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(badAnswer.GetProperty("error").GetProperty("reason").GetString()));
    }
}
