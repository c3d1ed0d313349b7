using System.Text.Json;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

public sealed class QueryCliTests
{
    [Fact]
    public async Task Query_outputs_parse_back_to_the_stored_events_and_pipes_answer_tables()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-query-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = IngestCliTests.Environment(server, dir);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var lines = Enumerable.Range(0, 30).Select(i => JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["timestamp"] = now - 60_000 + i * 1000,
                ["level"] = i % 3 == 0 ? "error" : "info",
                ["service"] = i % 2 == 0 ? "api" : "web",
                ["message"] = i == 3 ? "quote \" and, comma\nnew line" : $"request {i} done",
            }));
            var (status, _, _) = await server.PostAsync("/api/ingest", string.Join('\n', lines), "application/x-ndjson");
            Assert.Equal(200, status);
            var stored = (await server.GetJsonAsync("/api/logs/search?query=level:error&limit=100")).GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(10, stored.Count);

            // json: one array, the stored events as the server wrote them; paged 3 at a time by --limit across pages.
            var (exit, output) = await CliTests.Run(env, null, "query", "level:error", "--since", "1h", "--output", "json", "--limit", "1000");
            Assert.True(exit == 0, output);
            var array = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
            Assert.Equal(stored.Select(e => e.GetRawText()), array.Select(e => e.GetRawText()));

            // ndjson: one event a line.
            (exit, output) = await CliTests.Run(env, null, "query", "level:error", "--output", "ndjson", "--limit", "4");
            Assert.True(exit == 0, output);
            var ndjson = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()).ToList();
            Assert.Equal(stored.Take(4).Select(e => e.GetProperty("id").GetString()), ndjson);

            // csv: a header and RFC 4180 rows, the quoted message with its comma, quote and line break intact.
            (exit, output) = await CliTests.Run(env, null, "query", "level:error", "--output", "csv", "--limit", "100");
            Assert.True(exit == 0, output);
            var rows = ParseCsv(output);
            Assert.Equal(["time", "level", "kind", "service", "message", "id"], rows[0]);
            Assert.Equal(stored.Select(e => e.GetProperty("message").GetString()), rows.Skip(1).Select(r => r[4]));
            Assert.Equal(stored.Select(e => e.GetProperty("id").GetString()), rows.Skip(1).Select(r => r[5]));
            Assert.Contains("quote \" and, comma\nnew line", rows.Select(r => r[4]));

            // table: each row's service and the start of its message, no colour codes when not a terminal.
            (exit, output) = await CliTests.Run(env, null, "query", "level:error", "--limit", "100");
            Assert.True(exit == 0, output);
            Assert.Contains("request 27 done", output, StringComparison.Ordinal);
            Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);

            // A pipe goes to the analytics endpoint; its table parses back.
            (exit, output) = await CliTests.Run(env, null, "query", "level:error | stats count() as n by service", "--since", "1h", "--output", "csv");
            Assert.True(exit == 0, output);
            var counts = ParseCsv(output).Skip(1).ToDictionary(r => r[0], r => r[1]);
            Assert.Equal(new Dictionary<string, string> { ["api"] = "5", ["web"] = "5" }, counts);

            // Nothing matching: exit 0, an empty array.
            (exit, output) = await CliTests.Run(env, null, "query", "service:nobody", "--output", "json");
            Assert.Equal(0, exit);
            Assert.Equal("[]", output.Trim());

            // A bad query: exit 3 and the server's message naming where.
            (exit, output) = await CliTests.Run(env, null, "query", "level:(error");
            Assert.Equal(3, exit);
            Assert.Contains("invalid_query", output, StringComparison.Ordinal);
            Assert.Contains("at character", output, StringComparison.Ordinal);
            (exit, output) = await CliTests.Run(env, null, "query", "x", "--since", "1h", "--start", "2026-01-01");
            Assert.Equal(2, exit);

            var closed = new Dictionary<string, string>(env) { ["SLUICE_URL"] = $"http://127.0.0.1:{SluiceProcess.FreePort()}" };
            (exit, _) = await CliTests.Run(closed, null, "query", "x");
            Assert.Equal(4, exit);

            // stats and patterns over the same events.
            (exit, output) = await CliTests.Run(env, null, "stats", "--since", "1h", "--output", "json");
            Assert.True(exit == 0, output);
            var stats = JsonDocument.Parse(output).RootElement;
            Assert.Equal(30, stats.GetProperty("logs").GetProperty("total").GetInt64());
            Assert.Equal(10, stats.GetProperty("logs").GetProperty("by_level").GetProperty("error").GetInt64());
            (exit, output) = await CliTests.Run(env, null, "stats", "--since", "1h");
            Assert.True(exit == 0, output);
            Assert.Matches(@"level\s+error\s+10", output);
            Assert.Matches(@"service\s+api\s+15", output);
            (exit, output) = await CliTests.Run(env, null, "patterns", "--since", "1h", "--min-frequency", "2");
            Assert.True(exit == 0, output);
            Assert.Matches(@"29\s+0\s+new\s+request <\*> done", output);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>RFC 4180, written out here so the test does not trust the writer's own rules.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                row.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        return rows;
    }
}
