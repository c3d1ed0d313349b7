using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Cli;

public sealed class TailCliTests
{
    [Fact]
    public async Task Tail_prints_events_posted_after_it_started_without_colour_reconnects_after_a_restart_and_exits_130_on_ctrl_c()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-tail-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var port = server.Http.BaseAddress!.Port;
            var env = IngestCliTests.Environment(server, dir);
            await server.PostAsync("/api/ingest", """{"level":"error","message":"before the tail"}""");
            using var tail = CliProcess.Start(env, "tail", "level:>=warn");
            await CliProcess.WaitUntilAsync(() => tail.Stderr.Any(l => l.StartsWith("sluice tail: following", StringComparison.Ordinal)), "the tail to connect");

            await server.PostAsync("/api/ingest", """{"level":"info","message":"not matching"}""");
            await server.PostAsync("/api/ingest", """{"level":"error","service":"api","message":"disk failed"}""");
            await CliProcess.WaitUntilAsync(() => tail.Stdout.Any(l => l.Contains("disk failed", StringComparison.Ordinal)), "the event");
            var line = tail.Stdout.Single(l => l.Contains("disk failed", StringComparison.Ordinal));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT[\d:.]+Z ERROR \[api\] disk failed$", line);
            Assert.DoesNotContain(tail.Stdout, l => l.Contains("\u001b[", StringComparison.Ordinal) || l.Contains("before the tail", StringComparison.Ordinal) || l.Contains("not matching", StringComparison.Ordinal));

            // The server restarts on the same port: the tail says so and follows the new one.
            await server.RestartAsync(o => o with { Listen = $"127.0.0.1:{port}" });
            await CliProcess.WaitUntilAsync(() => tail.Stderr.Any(l => l.Contains("connected again", StringComparison.Ordinal)), "the tail to reconnect");
            Assert.Contains(tail.Stderr, l => l.Contains("reconnecting", StringComparison.Ordinal));
            await server.PostAsync("/api/ingest", """{"level":"warn","message":"after the restart"}""");
            await CliProcess.WaitUntilAsync(() => tail.Stdout.Any(l => l.Contains("after the restart", StringComparison.Ordinal)), "the event after the restart");

            await tail.InterruptAsync();
            Assert.Equal(130, tail.ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Tail_of_a_bad_query_exits_3_and_of_an_unreachable_server_4()
    {
        var dir = Directory.CreateTempSubdirectory("sluice-tail-").FullName;
        try
        {
            await using var server = await TestServer.StartAsync();
            var env = IngestCliTests.Environment(server, dir);
            var (exit, output) = await CliTests.Run(env, null, "tail", "level:(error");
            Assert.Equal(3, exit);
            Assert.Contains("invalid_query", output, StringComparison.Ordinal);
            var closed = new Dictionary<string, string>(env) { ["SLUICE_URL"] = $"http://127.0.0.1:{SluiceProcess.FreePort()}" };
            (exit, _) = await CliTests.Run(closed, null, "tail");
            Assert.Equal(4, exit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
