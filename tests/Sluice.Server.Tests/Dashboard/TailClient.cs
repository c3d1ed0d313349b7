using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Sluice.Server.Tests.Dashboard;

/// <summary>A live-tail WebSocket client for tests: reads messages and parses them.</summary>
internal sealed class TailClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();

    /// <summary>Events of a batch message not yet handed out: each is given as its own <c>{"type":"event"}</c>.</summary>
    private readonly Queue<JsonElement> _pending = new();

    public static async Task<TailClient> ConnectAsync(Uri server, string query = "", Action<ClientWebSocketOptions>? options = null)
    {
        var client = new TailClient();
        options?.Invoke(client._socket.Options);
        var url = new UriBuilder(server) { Scheme = "ws", Path = "/ws", Query = query.Length == 0 ? "" : "query=" + Uri.EscapeDataString(query) }.Uri;
        await client._socket.ConnectAsync(url, CancellationToken.None);
        return client;
    }

    /// <summary>The next message (a batch of events as one message per event), or null when the server closed the socket or <paramref name="timeout"/> passed.</summary>
    public async Task<JsonElement?> ReceiveAsync(TimeSpan timeout)
    {
        if (_pending.TryDequeue(out var waiting))
        {
            return waiting;
        }

        var message = await ReceiveMessageAsync(timeout);
        if (message is { } m && m.GetProperty("type").GetString() == "events")
        {
            foreach (var e in m.GetProperty("events").EnumerateArray())
            {
                _pending.Enqueue(JsonDocument.Parse("{\"type\":\"event\",\"event\":" + e.GetRawText() + "}").RootElement.Clone());
            }

            return _pending.TryDequeue(out var first) ? first : await ReceiveAsync(timeout);
        }

        return message;
    }

    /// <summary>The next message as sent, or null when the server closed the socket or <paramref name="timeout"/> passed.</summary>
    public async Task<JsonElement?> ReceiveMessageAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, cancel.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Messages until one of type <paramref name="type"/> arrives; fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> ReceiveTypeAsync(string type, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await ReceiveAsync(deadline - DateTime.UtcNow) is { } message && message.GetProperty("type").GetString() == type)
            {
                return message;
            }
        }

        throw new TimeoutException($"no '{type}' message within {timeout}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cancel.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
            }
        }

        _socket.Dispose();
    }

    public static string Text(JsonElement message) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(message));
}
