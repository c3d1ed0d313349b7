using System.Net.WebSockets;
using System.Text.Json;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench tail --url URL [--subscribers N] [--query Q] [--seconds S]</c>: holds N live-tail WebSockets open,
/// each reading as fast as it can, until S seconds pass or standard input closes; then prints what they received
/// and what the server told them they skipped. The load for measuring what live tail costs ingest.
/// </summary>
public static class BenchTailCommand
{
    public static async Task<int> RunAsync(CommandLine args)
    {
        var url = new Uri(args.Require("url"));
        var subscribers = (int)Math.Max(1, args.GetLong("subscribers", 100));
        var query = args.Get("query") ?? "";
        var seconds = args.GetLong("seconds", 0);
        args.RejectUnknown();

        using var stop = new CancellationTokenSource();
        if (seconds > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        }
        else
        {
            // Until the caller closes our input (a script's `exec 3>…` or a pipe), so it can stop us after its load.
            _ = Task.Run(async () =>
            {
                await Console.In.ReadToEndAsync();
                await stop.CancelAsync();
            });
        }

        var ws = new UriBuilder(url) { Scheme = url.Scheme == "https" ? "wss" : "ws", Path = "/ws", Query = query.Length == 0 ? "" : "query=" + Uri.EscapeDataString(query) }.Uri;
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < subscribers; i++)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(ws, CancellationToken.None);
            sockets.Add(socket);
        }

        Console.WriteLine($"{subscribers} subscribers connected");
        var totals = await Task.WhenAll(sockets.Select(s => ReadAsync(s, stop.Token)));
        Console.WriteLine($"events received: {totals.Sum(t => t.Events):N0}");
        Console.WriteLine($"events skipped: {totals.Sum(t => t.Skipped):N0}");
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        return 0;
    }

    private static async Task<(long Events, long Skipped)> ReadAsync(ClientWebSocket socket, CancellationToken stop)
    {
        var buffer = new byte[256 * 1024];
        long events = 0, skipped = 0;
        var message = new MemoryStream();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                // Parsed as a client would: a browser runs JSON.parse on each message.
                using (var document = JsonDocument.Parse(message.GetBuffer().AsMemory(0, (int)message.Length)))
                {
                    var root = document.RootElement;
                    switch (root.GetProperty("type").GetString())
                    {
                        case "events": events += root.GetProperty("events").GetArrayLength(); break;
                        case "skipped": skipped += root.GetProperty("count").GetInt64(); break;
                    }
                }

                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        return (events, skipped);
    }
}
