using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests;

public sealed class IngestApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(o => o with { Limits = o.Limits with { MaxBodyBytes = 64 * 1024 } });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<HttpResponseMessage> PostEncodedAsync(byte[] body, string encoding, string contentType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new(contentType);
        content.Headers.ContentEncoding.Add(encoding);
        return await _server.Http.PostAsync("/api/ingest", content);
    }

    [Fact]
    public async Task Browser_log_is_acknowledged_with_trace_id_and_readable_at_once()
    {
        var (status, body, _) = await _server.PostAsync("/log", """{"message":"button clicked","level":"warning","metadata":{"page":"/cart"}}""");
        Assert.Equal(200, status);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("remaining_quota").ValueKind);
        var traceId = body.GetProperty("trace_id").GetString()!;
        var id = body.GetProperty("id").GetString()!;

        var stored = await _server.GetJsonAsync($"/api/logs/{id}");
        Assert.Equal("button clicked", stored.GetProperty("message").GetString());
        Assert.Equal("warn", stored.GetProperty("level").GetString());
        Assert.Equal(traceId, stored.GetProperty("trace_id").GetString());
        Assert.Equal("/cart", stored.GetProperty("attributes").GetProperty("metadata.page").GetString());
    }

    [Fact]
    public async Task Store_takes_an_object_or_an_array()
    {
        var one = await _server.PostAsync("/api/logs/store", """{"message":"one","service":"store-test-1"}""");
        Assert.Equal(200, one.Status);
        Assert.Equal(1, one.Body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, one.Body.GetProperty("rejected").GetArrayLength());

        var many = await _server.PostAsync("/api/logs/store", """[{"message":"a","service":"store-test-2"},{"message":"b","service":"store-test-2"}]""");
        Assert.Equal(2, many.Body.GetProperty("accepted").GetInt32());
        var found = await _server.GetJsonAsync("/api/logs/search?service=store-test-2");
        Assert.Equal(2, found.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Batch_envelope_and_gzip_ndjson_are_accepted()
    {
        var batch = await _server.PostAsync("/api/logs/batch", """{"logs":[{"message":"x","service":"env-test"},{"message":"y","service":"env-test"}]}""");
        Assert.Equal(2, batch.Body.GetProperty("accepted").GetInt32());

        var ndjson = string.Join('\n', Enumerable.Range(0, 50).Select(i => $$"""{"message":"line {{i}}","service":"gzip-test"}"""));
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(ndjson));
        }

        using var response = await PostEncodedAsync(compressed.ToArray(), "gzip", "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var found = await _server.GetJsonAsync("/api/logs/search?service=gzip-test&limit=1000");
        Assert.Equal(50, found.GetProperty("events").GetArrayLength());
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("br")]
    [InlineData("deflate")]
    public async Task Other_content_encodings_are_accepted(string encoding)
    {
        var service = "enc-" + encoding;
        var ndjson = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 20).Select(i => $$"""{"message":"line {{i}}","service":"{{service}}"}""")));
        byte[] body;
        if (encoding == "zstd")
        {
            using var compressor = new ZstdSharp.Compressor(3);
            body = compressor.Wrap(ndjson).ToArray();
        }
        else
        {
            using var buffer = new MemoryStream();
            await using (Stream stream = encoding == "br" ? new BrotliStream(buffer, CompressionLevel.Fastest, true) : new ZLibStream(buffer, CompressionLevel.Fastest, true))
            {
                await stream.WriteAsync(ndjson);
            }

            body = buffer.ToArray();
        }

        using var response = await PostEncodedAsync(body, encoding, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var found = await _server.GetJsonAsync($"/api/logs/search?service={service}");
        Assert.Equal(20, found.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Truncated_zstd_body_is_400()
    {
        using var compressor = new ZstdSharp.Compressor(3);
        var full = compressor.Wrap(Encoding.UTF8.GetBytes("""{"message":"a fairly long message so the frame has a body"}""")).ToArray();
        using var response = await PostEncodedAsync(full[..(full.Length / 2)], "zstd", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("unsupported_encoding", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_paths_and_methods_are_problems_too()
    {
        using var missing = await _server.Http.GetAsync("/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"code\":\"not_found\"", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wrongMethod = await _server.Http.GetAsync("/api/ingest");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("\"code\":\"method_not_allowed\"", await wrongMethod.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Corrupt_compressed_body_is_400()
    {
        using var response = await PostEncodedAsync([1, 2, 3, 4, 5, 6, 7, 8], "gzip", "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"Content-Encoding\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traffic_endpoint_stores_traffic_events_with_hashed_ip()
    {
        var (status, body, _) = await _server.PostAsync("/api/traffic-logs/v2",
            "{\"domain\":\"traffic-test.example\",\"path\":\"/a\",\"ip\":\"198.51.100.23\",\"decision\":\"block\",\"country\":\"NL\"}\n{\"domain\":\"traffic-test.example\",\"path\":\"/b\",\"decision\":\"allow\"}",
            "application/x-ndjson");
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        var found = await _server.GetJsonAsync("/api/logs/search?domain=traffic-test.example&kind=traffic&order=asc");
        var first = found.GetProperty("events")[0];
        Assert.Equal("traffic", first.GetProperty("kind").GetString());
        Assert.Matches("^[0-9a-f]{16}$", first.GetProperty("ip_hash").GetString());
        Assert.DoesNotContain("198.51.100.23", found.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Partial_batch_accepts_good_events_and_lists_bad_ones()
    {
        var (status, body, _) = await _server.PostAsync("/api/logs/store", """[{"message":"good","service":"partial-test"},{"message":"bad","status":"x"},{"service":"partial-test"}]""");
        Assert.Equal(200, status);
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        var rejected = body.GetProperty("rejected");
        Assert.Equal(2, rejected.GetArrayLength());
        Assert.Equal((1, "invalid_type", "status"), (rejected[0].GetProperty("index").GetInt32(), rejected[0].GetProperty("code").GetString(), rejected[0].GetProperty("field").GetString()));
        Assert.Equal((2, "missing_field", "message"), (rejected[1].GetProperty("index").GetInt32(), rejected[1].GetProperty("code").GetString(), rejected[1].GetProperty("field").GetString()));
    }

    [Theory]
    [InlineData("/api/logs/store", """{"message": """, 400, "malformed_json", null)]
    [InlineData("/api/logs/store", """{"message":"m","timestamp":true}""", 400, "invalid_type", "timestamp")]
    [InlineData("/api/logs/store", "[]", 400, "empty_batch", null)]
    [InlineData("/api/logs/store", """[{"message":1,"level":"nope"},{"level":"info"}]""", 400, "all_events_rejected", null)]
    [InlineData("/api/logs/batch", """{"entries":[]}""", 400, "missing_field", "logs")]
    [InlineData("/log", """[{"message":"m"}]""", 400, "expected_object", null)]
    public async Task Bad_bodies_get_problem_json_with_code_and_field(string path, string body, int expectedStatus, string code, string? field)
    {
        var (status, problem, response) = await _server.PostAsync(path, body);
        Assert.Equal(expectedStatus, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(expectedStatus, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("message").GetString()));
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Browser_log_errors_keep_the_seed_shape()
    {
        var (status, body, _) = await _server.PostAsync("/log", """{"level":"info"}""");
        Assert.Equal(400, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal("missing_field", body.GetProperty("code").GetString());
        Assert.Contains("message", body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_content_type_is_415()
    {
        var (status, problem, _) = await _server.PostAsync("/api/ingest", "message=hi", "application/x-www-form-urlencoded");
        Assert.Equal(415, status);
        Assert.Equal(("unsupported_media_type", "Content-Type"), (problem.GetProperty("code").GetString(), problem.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Unknown_content_encoding_is_415()
    {
        using var content = new StringContent("""{"message":"m"}""");
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("compress");
        using var response = await _server.Http.PostAsync("/api/ingest", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("unsupported_encoding", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversize_body_is_413_and_nothing_of_it_is_stored()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 2000).Select(i => $$"""{"message":"big {{i}}","service":"oversize-test"}"""));
        Assert.True(lines.Length > 64 * 1024);
        var (status, problem, _) = await _server.PostAsync("/api/ingest", lines, "application/x-ndjson");
        Assert.Equal(413, status);
        Assert.Equal("body_too_large", problem.GetProperty("code").GetString());
        var found = await _server.GetJsonAsync("/api/logs/search?service=oversize-test");
        Assert.Equal(0, found.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task A_bad_request_leaves_accepted_events_untouched()
    {
        await _server.PostAsync("/api/logs/store", """[{"message":"keep-1","service":"untouched-test"},{"message":"keep-2","service":"untouched-test"}]""");
        await _server.PostAsync("/api/logs/store", """[{"message":"x","service":"untouched-test"},{"message": broken""");
        var found = await _server.GetJsonAsync("/api/logs/search?service=untouched-test&order=asc");
        Assert.Equal(["keep-1", "keep-2"], found.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("message").GetString()));
    }
}
