using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Hardening;

/// <summary>
/// Client input and known conditions get their documented status and code, never a 500; and the same question gets
/// the same answer wherever it is asked (the reviewers' list of inconsistencies).
/// </summary>
public sealed class ClearErrorTests : IClassFixture<ClearErrorTests.Server>
{
    private readonly TestServer _server;

    public ClearErrorTests(Server fixture) => _server = fixture.Instance;

    /// <summary>One server for these read-mostly checks.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public TestServer Instance { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Instance = await TestServer.StartAsync();
            await Api.PostAsync(Instance, [
                """{"id":"a/b c%","trace_id":"t/1","message":"slash in the id","service":"ids"}""",
                """{"id":"plain","message":"base event 10","service":"nulsvc"}""",
            ]);
        }

        public async Task DisposeAsync() => await Instance.DisposeAsync();
    }

    [Fact]
    public async Task An_engine_error_over_a_damaged_part_names_no_directory_of_the_server()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, Enumerable.Range(0, 50).Select(i => $$"""{"message":"to be sealed {{i}}","service":"dmg"}"""));
        await Api.FlushAsync(server);
        var part = Directory.GetFiles(Path.Combine(server.DataDir, "partitions"), "*.parquet", SearchOption.AllDirectories).First();
        File.WriteAllBytes(part, Encoding.ASCII.GetBytes("not parquet at all, just damage"));

        using var sql = await server.Http.PostAsync("/api/logs/analytics/custom",
            new StringContent("""{"sql":"SELECT count(*) AS n FROM logs"}""", Encoding.UTF8, "application/json"));
        using var aggregate = await server.Http.GetAsync("/api/logs/aggregate?group_by=service");
        foreach (var response in new[] { sql, aggregate })
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.False(response.IsSuccessStatusCode, body);
            Assert.DoesNotContain(server.DataDir, body, StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetTempPath(), body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Brotli_that_is_not_brotli_is_400()
    {
        using var content = new ByteArrayContent(Enumerable.Range(0, 1000).Select(i => (byte)(i * 7919)).ToArray());
        content.Headers.ContentType = new("application/x-ndjson");
        content.Headers.ContentEncoding.Add("br");
        using var response = await _server.Http.PostAsync("/api/ingest", content);
        await AssertProblem(response, 400, "unsupported_encoding");
    }

    [Theory]
    [InlineData("ffffffffffffffff")]
    [InlineData("fffffffffffffffffffffff")]
    [InlineData("zz")]
    public async Task A_chunk_size_that_cannot_be_read_is_400(string size)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(_server.Http.BaseAddress!.Host, _server.Http.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n"));
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!reply.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, wait.Token);
            if (read == 0)
            {
                break;
            }

            reply.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        Assert.StartsWith("HTTP/1.1 400", reply.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nul_in_an_event_or_a_query_parameter_is_refused_naming_it()
    {
        var (status, body, _) = await _server.PostAsync("/log", """{"message":"visible\u0000hidden-payload","service":"nulsvc"}""");
        Assert.Equal((400, "invalid_value", "message"), (status, body.GetProperty("code").GetString(), body.GetProperty("field").GetString()));
        using var search = await _server.Http.GetAsync("/api/logs/search?q=base%20event%201%00zzz");
        var problem = await AssertProblem(search, 400, "invalid_parameter");
        Assert.Equal("q", problem.GetProperty("field").GetString());
        // Without the NUL the question is answered, and from memory and parts alike (nothing with NUL was stored).
        var found = await _server.GetJsonAsync("/api/logs/search?q=base%20event%201&service=nulsvc");
        Assert.Single(found.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task An_id_or_trace_id_holding_a_slash_can_be_fetched_as_sent_or_encoded()
    {
        foreach (var path in new[] { "/api/logs/a%2Fb%20c%25", "/api/logs/a/b%20c%25" })
        {
            var e = await _server.GetJsonAsync(path);
            Assert.Equal("a/b c%", e.GetProperty("id").GetString());
        }

        var trace = await _server.GetJsonAsync("/api/traces/t%2F1");
        Assert.Equal("a/b c%", trace.GetProperty("events")[0].GetProperty("id").GetString());
        using var missing = await _server.Http.GetAsync("/api/logs/no%2Fsuch");
        await AssertProblem(missing, 404, "not_found");
    }

    [Fact]
    public async Task A_formula_of_constants_is_refused_alike_by_validate_and_execute()
    {
        var (status, validated, _) = await _server.PostAsync("/api/v1/formulas/validate", """{"formula":"2+3"}""");
        Assert.Equal(200, status);
        Assert.False(validated.GetProperty("valid").GetBoolean());
        var (executeStatus, executed, _) = await _server.PostAsync("/api/v1/formulas/execute", """{"formula":"2+3"}""");
        Assert.Equal((400, "invalid_formula"), (executeStatus, executed.GetProperty("code").GetString()));
        Assert.DoesNotContain("engine", executed.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Values_lists_run_as_the_docs_say()
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", """{"sql":"SELECT n * 2 AS d FROM (VALUES (1), (2)) AS t(n) ORDER BY d"}""");
        Assert.True(status == 200, body.ToString());
        Assert.Equal([2, 4], body.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("d").GetInt32()));
    }

    [Theory]
    [InlineData("""{"sql":123}""", "sql")]
    [InlineData("""{"query":["x"]}""", "query")]
    public async Task A_field_of_the_wrong_type_is_invalid_type_not_missing(string request, string field)
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/analytics/custom", request);
        Assert.Equal((400, "invalid_type", field), (status, body.GetProperty("code").GetString(), body.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Nesting_past_the_limit_is_too_deep()
    {
        var deep = "{\"message\":\"m\",\"a\":" + new string('[', 300) + new string(']', 300) + "}";
        var (status, body, _) = await _server.PostAsync("/api/logs/store", deep);
        Assert.Equal((400, "too_deep"), (status, body.GetProperty("code").GetString()));
        var (sqlStatus, sqlBody, _) = await _server.PostAsync("/api/logs/analytics/custom", "{\"sql\":" + new string('[', 100) + new string(']', 100) + "}");
        Assert.Equal((400, "too_deep"), (sqlStatus, sqlBody.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task A_well_formed_time_out_of_range_is_called_out_of_range()
    {
        var (status, body, _) = await _server.PostAsync("/log", """{"message":"m","timestamp":"0001-01-01T00:00:00Z"}""");
        Assert.Equal(400, status);
        Assert.Contains("out of range", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var search = await _server.Http.GetAsync("/api/logs/search?start_time=0001-01-01T00:00:00Z");
        Assert.Contains("out of range", (await AssertProblem(search, 400, "invalid_parameter")).GetProperty("message").GetString(), StringComparison.Ordinal);
        var (_, garbage, _) = await _server.PostAsync("/log", """{"message":"m","timestamp":"yesterday"}""");
        Assert.Contains("neither ISO-8601", garbage.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_largest_time_in_milliseconds_is_read_as_milliseconds()
    {
        // 253402300799999 ms is 9999-12-31: read as microseconds it would be 1978 and hide every event.
        var page = await _server.GetJsonAsync("/api/logs/search?end_time=253402300799999&service=ids");
        Assert.Single(page.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task Search_refuses_a_reversed_range_as_aggregate_does()
    {
        foreach (var path in new[] { "/api/logs/search?start_time=2000&end_time=1000", "/api/logs/aggregate?start_time=2000&end_time=1000" })
        {
            using var response = await _server.Http.GetAsync(path);
            var problem = await AssertProblem(response, 400, "invalid_parameter");
            Assert.Equal("end_time", problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Request_metrics_count_201_and_204_as_answered()
    {
        var (seq, _, _) = await _server.PostAsync("/api/events/raw?clef", """{"@t":"2026-01-01T00:00:00Z","@m":"from seq"}""", "application/vnd.serilog.clef");
        Assert.Equal(201, seq);
        var (loki, _, _) = await _server.PostAsync("/loki/api/v1/push", """{"streams":[{"stream":{"job":"m"},"values":[["1767225600000000000","from loki"]]}]}""");
        Assert.Equal(204, loki);
        var metrics = await _server.Http.GetStringAsync("/metrics");
        Assert.Contains("sluice_http_requests_total{endpoint=\"/api/events/raw\",status=\"201\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("sluice_http_requests_total{endpoint=\"/loki/api/v1/push\",status=\"204\"}", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/loki/api/v1/push", "application/x-protobuf")]
    [InlineData("/v1/logs", "application/x-protobuf")]
    [InlineData("/v1/logs", "application/json")]
    public async Task Protocol_errors_are_in_sluices_words(string path, string type)
    {
        var body = type == "application/json"
            ? """{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"99999999999999999999999"}]}]}]}"""u8.ToArray()
            : [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new(type);
        using var response = await _server.Http.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("Value was", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        return problem;
    }
}
