using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Ingest.Syslog;
using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Protocols;

/// <summary>Syslog with the real client, util-linux <c>logger</c>, over TCP (both framings) and UDP, and many raw connections.</summary>
public sealed class SyslogTests
{
    [Theory]
    [InlineData("tcp-lf", "-T")]
    [InlineData("tcp-octets", "-T --octet-count")]
    [InlineData("udp", "-d")]
    public async Task Logger_rfc5424_messages_arrive_with_every_field_mapped(string app, string transport)
    {
        await using var server = await StartAsync();
        var port = transport.StartsWith("-d", StringComparison.Ordinal) ? Listener(server).UdpPort!.Value : Listener(server).TcpPort!.Value;
        await Logger([.. "--rfc5424".Split(' '), .. transport.Split(' '), "-n", "127.0.0.1", "-P", $"{port}", "-t", app, "-p", "local0.warning", "--msgid", "M1",
            "--sd-id", "req@32473", "--sd-param", "trace=\"abc\"", "disk nearly full on /var"]);

        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=" + app));
        Assert.Equal("disk nearly full on /var", e.GetProperty("message").GetString());
        Assert.Equal(("warn", Environment.MachineName), (e.GetProperty("level").GetString(), e.GetProperty("host").GetString()));
        var attributes = e.GetProperty("attributes");
        Assert.Equal("local0", attributes.GetProperty("syslog.facility").GetString());
        Assert.Equal("warning", attributes.GetProperty("syslog.severity").GetString());
        Assert.Equal("M1", attributes.GetProperty("syslog.msgid").GetString());
        Assert.Equal("abc", attributes.GetProperty("req@32473.trace").GetString());
        Assert.True(attributes.TryGetProperty("timeQuality.tzKnown", out _), "logger's timeQuality element is kept");
        Assert.True(Math.Abs(e.GetProperty("timestamp").GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) < 60_000);
    }

    [Fact]
    public async Task Logger_rfc3164_messages_arrive()
    {
        await using var server = await StartAsync();
        await Logger(["--rfc3164", "-T", "-n", "127.0.0.1", "-P", $"{Listener(server).TcpPort}", "-t", "cron", "-p", "cron.err", "job backup failed"]);
        var e = Assert.Single(await SeqClientTests.WaitForAsync(server, 1, "service=cron"));
        Assert.Equal(("job backup failed", "error"), (e.GetProperty("message").GetString(), e.GetProperty("level").GetString()));
        Assert.Equal("cron", e.GetProperty("attributes").GetProperty("syslog.facility").GetString());
    }

    [Fact]
    public async Task Many_connections_with_both_framings_and_a_trailing_LF_inside_counted_frames_lose_nothing()
    {
        await using var server = await StartAsync();
        var port = Listener(server).TcpPort!.Value;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(c => Task.Run(async () =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            for (var i = 0; i < 50; i++)
            {
                var message = $"<134>1 2026-01-01T10:00:00Z host{c} many - - - message {c}-{i}";
                var frame = (c % 2, i % 3) switch
                {
                    (0, _) => message + "\n",                                                       // LF framing
                    (_, 0) => $"{Encoding.UTF8.GetByteCount(message) + 1} {message}\n",             // counted, LF inside the count
                    _ => $"{Encoding.UTF8.GetByteCount(message)} {message}",                        // counted
                };
                var bytes = Encoding.UTF8.GetBytes(frame);
                // Split writes at odd places so frames straddle reads.
                await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
            }
        })));

        var events = await SeqClientTests.WaitForAsync(server, 16 * 50, "service=many");
        var expected = Enumerable.Range(0, 16).SelectMany(c => Enumerable.Range(0, 50).Select(i => $"message {c}-{i}")).Order();
        Assert.Equal(expected, events.Select(e => e.GetProperty("message").GetString()).Order());
    }

    private static Task<TestServer> StartAsync() =>
        TestServer.StartAsync(o => o with { Syslog = o.Syslog with { TcpPort = 0, UdpPort = 0 } });

    private static SyslogListener Listener(TestServer server) => server.App.Services.GetRequiredService<SyslogListener>();

    private static async Task Logger(string[] arguments)
    {
        var start = new ProcessStartInfo("logger") { RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"logger {string.Join(' ', arguments)} exited {process.ExitCode}: {error}");
    }
}
