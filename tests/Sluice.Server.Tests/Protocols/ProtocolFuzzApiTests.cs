using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Fuzz;
using Sluice.Server.Ingest.Syslog;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>
/// Arbitrary bytes at every protocol endpoint, and mutated inputs of every fuzz target at every endpoint that reads
/// them: never an undocumented 5xx, and what was stored before stays exactly as it was.
/// </summary>
public sealed class ProtocolFuzzApiTests
{
    private static readonly (string Path, string ContentType)[] Endpoints =
    [
        ("/v1/logs", "application/x-protobuf"), ("/v1/logs", "application/json"),
        ("/api/events/raw?clef", "application/vnd.serilog.clef"), ("/api/events/raw", "application/json"), ("/ingest/clef", "application/vnd.serilog.clef"),
        ("/loki/api/v1/push", "application/json"), ("/loki/api/v1/push", "application/x-protobuf"),
        ("/_bulk", "application/x-ndjson"), ("/logs/_bulk", "application/x-ndjson"),
    ];

    [Fact]
    public async Task Random_bodies_never_fail_the_server_nor_touch_stored_events()
    {
        await using var server = await TestServer.StartAsync();
        await Api.PostAsync(server, Enumerable.Range(0, 20).Select(i => $$"""{"id":"keep-{{i}}","message":"kept {{i}}","service":"fuzz-witness"}"""));
        var before = (await Api.SearchAllAsync(server, "service=fuzz-witness")).Select(Api.Canonical).Order().ToList();

        var random = new Random(2026);
        foreach (var (path, contentType) in Endpoints)
        {
            for (var i = 0; i < 60; i++)
            {
                var body = new byte[random.Next(0, 2000)];
                random.NextBytes(body);
                if (i % 3 == 0 && body.Length > 0)
                {
                    body[0] = (byte)"{[<0"[i % 4]; // start like the real thing now and then
                }

                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                using var response = await server.Http.PostAsync(path, content);
                Assert.True((int)response.StatusCode < 500, $"{path} ({contentType}) case {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        Assert.Equal(before, (await Api.SearchAllAsync(server, "service=fuzz-witness")).Select(Api.Canonical).Order().ToList());
        Assert.Equal("ready", (await server.GetJsonAsync("/health/ready")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Mutated_inputs_of_every_fuzz_target_never_get_an_undocumented_5xx()
    {
        await using var server = await TestServer.StartAsync(o => o with { Syslog = o.Syslog with { TcpPort = 0 } });
        await Api.PostAsync(server, Enumerable.Range(0, 20).Select(i => $$"""{"id":"keep-{{i}}","message":"kept {{i}}","service":"fuzz-witness"}"""));
        var before = (await Api.SearchAllAsync(server, "service=fuzz-witness")).Select(Api.Canonical).Order().ToList();
        var fuzz = new HttpFuzz(server.Http, server.App.Services.GetRequiredService<SyslogListener>().TcpPort);
        var targets = FuzzTargets.All.Select(t => (t.Name, Pool: (IReadOnlyList<byte[]>)t.Seeds)).Append(("sql", HttpFuzz.SqlSeeds));
        foreach (var (name, pool) in targets)
        {
            var mutator = new Mutator(new Random(name.Length));
            for (var i = 0; i < 60; i++)
            {
                var failure = await fuzz.SendAsync(name, mutator.Next(pool, 16 * 1024));
                Assert.True(failure is null, $"{name} case {i}: {failure}");
            }
        }

        Assert.Equal(before, (await Api.SearchAllAsync(server, "service=fuzz-witness")).Select(Api.Canonical).Order().ToList());
        Assert.Equal("ready", (await server.GetJsonAsync("/health/ready")).GetProperty("status").GetString());
    }
}
