using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Admission.Auth;
using Sluice.Core.Errors;
using Sluice.Core.Time;
using Sluice.Server.Endpoints;
using Sluice.Server.Http;

namespace Sluice.Server.Tail;

/// <summary>
/// Live tail over a WebSocket (<c>GET /ws</c>) and as server-sent events (<c>GET /api/logs/tail</c>), both with
/// <c>query=</c> a filter of the query language. Each sends the events acknowledged from the moment it connected
/// that match, and tells how many it skipped because the client read too slowly.
/// </summary>
public static class TailEndpoints
{
    /// <summary>How often a quiet stream says it is alive and reports skips.</summary>
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    public static void MapTail(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ws", WebSocketAsync).RequireScope(ApiScope.Read).AcceptsQuery("query");
        app.MapGet("/api/logs/tail", ServerSentEventsAsync).RequireScope(ApiScope.Read).AcceptsQuery("query");
    }

    private static async Task ServerSentEventsAsync(HttpContext context)
    {
        if (await RefuseWhenSwitchedOffAsync(context))
        {
            return;
        }

        if (!TryFilter(context, out var filter, out var error))
        {
            await Problem.WriteAsync(context, 400, error);
            return;
        }

        using var subscription = Subscribe(context, filter);
        if (subscription is null)
        {
            await WriteFullAsync(context);
            return;
        }

        // A stream ends when the client goes or the server stops: shutdown must not wait for tails to time out.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping(context));
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // proxies must not hold the stream back
        try
        {
            await response.StartAsync(ended.Token);
            await response.WriteAsync(": sluice live tail\n\n", ended.Token);
            await response.Body.FlushAsync(ended.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return; // gone before the stream began
        }

        await PumpAsync(subscription, ended.Token,
            async (events, cancel) =>
            {
                foreach (var json in events)
                {
                    await response.Body.WriteAsync(DataOpen, cancel);
                    await response.Body.WriteAsync(json, cancel);
                    await response.Body.WriteAsync(DataClose, cancel);
                }

                await response.Body.FlushAsync(cancel);
            },
            async (skipped, cancel) =>
            {
                await response.WriteAsync($"event: skipped\ndata: {{\"count\":{skipped}}}\n\n", cancel);
                await response.Body.FlushAsync(cancel);
            },
            async cancel =>
            {
                await response.WriteAsync(": alive\n\n", cancel);
                await response.Body.FlushAsync(cancel);
            });
    }

    private static async Task WebSocketAsync(HttpContext context)
    {
        if (await RefuseWhenSwitchedOffAsync(context))
        {
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Problem.WriteAsync(context, 400, ErrorCodes.NotWebSocket, "GET /ws is a WebSocket; for a plain HTTP stream use GET /api/logs/tail");
            return;
        }

        if (!SameOrigin(context.Request))
        {
            // A page of another site must not read the tail with this browser's cookie.
            await Problem.WriteAsync(context, 403, ErrorCodes.CrossOrigin, "the WebSocket's Origin is not this server", "Origin");
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, Stopping(context));
        // The client sends nothing we need, but reading is how a close frame is noticed.
        var reading = DrainAsync(socket, closed);
        try
        {
            if (!TryFilter(context, out var filter, out var error))
            {
                await SendErrorAsync(socket, error, closed.Token);
                return;
            }

            using var subscription = Subscribe(context, filter);
            if (subscription is null)
            {
                await SendErrorAsync(socket, Full, closed.Token);
                return;
            }

            var message = new ArrayBufferWriter<byte>(64 * 1024);
            await PumpAsync(subscription, closed.Token,
                async (events, cancel) =>
                {
                    // One message per wake-up, not per event: a subscriber costs a send per batch.
                    if (message.Capacity > MostBytesPerSend * 2)
                    {
                        message = new ArrayBufferWriter<byte>(64 * 1024); // a burst of large events is not kept
                    }

                    message.ResetWrittenCount();
                    message.Write(EventsOpen);
                    for (var i = 0; i < events.Count; i++)
                    {
                        if (i > 0)
                        {
                            message.Write(","u8);
                        }

                        message.Write(events[i]);
                    }

                    message.Write(EventsClose);
                    // A reader that takes nothing for this long is let go, so it cannot hold a place for ever.
                    using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                    stalled.CancelAfter(SendTimeout);
                    await socket.SendAsync(message.WrittenMemory, WebSocketMessageType.Text, true, stalled.Token);
                },
                (skipped, cancel) => socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"skipped\",\"count\":{skipped}}}"), WebSocketMessageType.Text, true, cancel),
                cancel => socket.SendAsync(Alive, WebSocketMessageType.Text, true, cancel));
        }
        finally
        {
            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "");
            // Let the client read what was sent and answer the close; cancelling the read would abort the socket.
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2)));
            await closed.CancelAsync();
            await reading;
        }
    }

    private static readonly byte[] EventsOpen = "{\"type\":\"events\",\"events\":["u8.ToArray();
    private static readonly byte[] EventsClose = "]}"u8.ToArray();
    private static readonly byte[] Alive = "{\"type\":\"alive\"}"u8.ToArray();
    private static readonly byte[] DataOpen = "data: "u8.ToArray();
    private static readonly byte[] DataClose = "\n\n"u8.ToArray();

    /// <summary>Most events sent together in one message (or one flush of the stream).</summary>
    private const int MostPerSend = 500;

    /// <summary>Most bytes of events sent together (past it, the next event starts a new message).</summary>
    private const int MostBytesPerSend = 1024 * 1024;

    /// <summary>How long one send may wait on a client that reads nothing before the subscriber is dropped.</summary>
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends waiting events as they come, in batches of what is waiting; a skip count goes out before the events that
    /// follow it, or at the heartbeat when the stream is quiet. Ends when the client goes or the server stops.
    /// </summary>
    private static async Task PumpAsync(TailSubscription subscription, CancellationToken cancel,
        Func<List<byte[]>, CancellationToken, Task> sendEvents, Func<long, CancellationToken, Task> sendSkipped,
        Func<CancellationToken, Task> sendAlive)
    {
        var events = subscription.Events;
        var batch = new List<byte[]>(MostPerSend);
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                wait.CancelAfter(Heartbeat);
                bool more;
                try
                {
                    more = await events.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    if (subscription.TakeSkipped() is var quietSkips and > 0)
                    {
                        await sendSkipped(quietSkips, cancel);
                    }
                    else
                    {
                        await sendAlive(cancel);
                    }

                    continue;
                }

                if (!more)
                {
                    return;
                }

                while (true)
                {
                    // Skips counted so far happened before the events still waiting: tell them first.
                    if (subscription.TakeSkipped() is var skipped and > 0)
                    {
                        await sendSkipped(skipped, cancel);
                    }

                    batch.Clear();
                    var bytes = 0;
                    while (batch.Count < MostPerSend && bytes < MostBytesPerSend && events.TryRead(out var json))
                    {
                        batch.Add(json);
                        bytes += json.Length;
                    }

                    if (batch.Count == 0)
                    {
                        break;
                    }

                    await sendEvents(batch, cancel);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The client went away.
        }
    }

    /// <summary>
    /// The tail's filter. Relative time (<c>_time:5m</c>) is refused: the filter is fixed when the tail starts, so
    /// it would match nothing that arrives later.
    /// </summary>
    private static bool TryFilter(HttpContext context, out Sluice.Query.Language.Filter? filter, out FieldError error)
    {
        if (!SearchParameters.TryFilter(context.Request.Query, out filter, out error))
        {
            return false;
        }

        if (filter is not null && Sluice.Query.Analytics.QueryBounds.DependsOnClock(filter))
        {
            error = new FieldError(ErrorCodes.InvalidQuery, "query", "live tail shows events as they arrive; leave _time out of its filter");
            return false;
        }

        return true;
    }

    private static CancellationToken Stopping(HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>().ApplicationStopping;

    private static TailSubscription? Subscribe(HttpContext context, Sluice.Query.Language.Filter? filter) =>
        context.RequestServices.GetRequiredService<TailHub>().Subscribe(filter, context.RequestServices.GetRequiredService<IClock>().UnixMilliseconds);

    private static readonly FieldError Full = new(ErrorCodes.TooManySubscribers, null, "the server serves as many live-tail subscribers as Tail:MaxSubscribers allows; retry later");

    private static Task WriteFullAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return Problem.WriteAsync(context, 503, Full);
    }

    private static bool SameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 // not a browser
            || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Features:Tail off: new subscriptions get 503 <c>feature_disabled</c> (before any WebSocket upgrade); open ones go on.</summary>
    private static async Task<bool> RefuseWhenSwitchedOffAsync(HttpContext context)
    {
        if (context.RequestServices.GetRequiredService<Sluice.Server.Configuration.LiveSettings>().Current.Features.Tail)
        {
            return false;
        }

        await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ErrorCodes.FeatureDisabled,
            "live tail is switched off (Features:Tail = false); an admin can switch it on with POST /api/v1/config/settings", "Features:Tail");
        return true;
    }

    private static async Task SendErrorAsync(WebSocket socket, FieldError error, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteString("code", error.Code);
            json.WriteString("message", error.Message);
            if (error.Field is { } field)
            {
                json.WriteString("field", field);
            }

            if (error.Position is { } position)
            {
                json.WriteNumber("position", position);
            }

            json.WriteEndObject();
        }

        try
        {
            await socket.SendAsync(buffer.ToArray(), WebSocketMessageType.Text, true, cancel);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }

    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, closed.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        await closed.CancelAsync();
    }

    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
    }
}
