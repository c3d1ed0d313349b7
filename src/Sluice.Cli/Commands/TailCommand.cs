using System.Text.Json;
using Sluice.Cli.Client;
using Sluice.Cli.Output;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice tail ['QUERY']</c>: the live tail's server-sent events (<c>GET /api/logs/tail</c>), one line an event,
/// coloured by level on a terminal (not with <c>--no-color</c>, <c>NO_COLOR</c> or when stdout is redirected). When
/// the stream ends or breaks after it was once open (the server restarted), it says "reconnecting" and tries again
/// every second; an unreachable server at the start is exit 4, a bad query exit 3; Ctrl-C is exit 130.
/// </summary>
internal static class TailCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var query = args.Positional(0) ?? "";
        var kind = args.Get("kind");
        if (kind is not (null or "log" or "traffic"))
        {
            throw new UsageException($"--kind must be log or traffic, not '{kind}'");
        }

        var output = ResultWriter.ParseOutput(args.Get("output"), "text", "ndjson");
        var colour = !args.Flag("no-color") && Environment.GetEnvironmentVariable("NO_COLOR") is null or "" && !Console.IsOutputRedirected && output == "text";
        using var client = Connection.Open(args);
        args.RejectUnknown();
        using var interrupt = Interrupt.OnCtrlC();
        var filter = string.Join(' ', new[] { kind is null ? null : "kind:" + kind, query.Trim().Length == 0 ? null : kind is null ? query : $"({query})" }.Where(t => t is not null));
        var path = "api/logs/tail" + (filter.Length > 0 ? "?query=" + Uri.EscapeDataString(filter) : "");
        var connectedOnce = false;
        var lost = false;
        try
        {
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, path);
                    using var response = await client.SendAsync(request, interrupt.Token);
                    await Console.Error.WriteLineAsync(connectedOnce ? "sluice tail: connected again" : $"sluice tail: following {client.BaseUrl} (Ctrl-C ends)");

                    connectedOnce = true;
                    lost = false;
                    await using var stream = await response.Content.ReadAsStreamAsync(interrupt.Token);
                    using var reader = new StreamReader(stream);
                    while (await reader.ReadLineAsync(interrupt.Token) is { } line)
                    {
                        if (line.StartsWith("data: ", StringComparison.Ordinal))
                        {
                            Write(line.AsMemory(6), output, colour);
                        }
                        else if (line.StartsWith("event: skipped", StringComparison.Ordinal))
                        {
                            await Console.Error.WriteLineAsync("sluice tail: the server skipped events this client read too slowly");
                        }
                    }
                }
                catch (Exception e) when (connectedOnce && !interrupt.Token.IsCancellationRequested && e is IOException or HttpRequestException or CommandFailedException { ExitCode: ExitCodes.Unavailable })
                {
                    // fall through to reconnect
                }

                if (!lost)
                {
                    await Console.Error.WriteLineAsync("sluice tail: connection lost; reconnecting…");
                    lost = true;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), interrupt.Token);
            }
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            await Console.Out.FlushAsync();
            return ExitCodes.Interrupted;
        }
    }

    private static void Write(ReadOnlyMemory<char> data, string output, bool colour)
    {
        if (output == "ndjson")
        {
            Console.Out.Write(data.Span);
            Console.Out.Write('\n');
            Console.Out.Flush();
            return;
        }

        using var document = JsonDocument.Parse(data);
        var item = document.RootElement;
        var level = EventFields.Text(item, "level");
        var service = EventFields.Text(item, "service");
        var text = $"{EventFields.Time(item)} {level.ToUpperInvariant(),-5} {(service.Length > 0 ? "[" + service + "] " : "")}{EventFields.Text(item, "message")}";
        var start = colour ? Level.Ansi(level) : "";
        Console.Out.Write(start.Length > 0 ? start + text + Level.AnsiReset + "\n" : text + "\n");
        Console.Out.Flush();
    }
}
