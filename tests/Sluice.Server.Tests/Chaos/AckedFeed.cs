using System.Diagnostics;
using System.Text.Json;

namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// Ingest through one node while a fault lasts: small NDJSON batches of log events with ids of its own, every
/// acknowledged id remembered (the set ClickHouse must end up holding), every answer that is not a durable 2xx
/// remembered too (there must be none).
/// </summary>
internal sealed class AckedFeed(HttpClient http, string prefix, string? traceId = null) : IAsyncDisposable
{
    private readonly List<string> _acked = [];
    private readonly List<string> _refusals = [];
    private readonly Lock _gate = new();
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private int _next;
    private long _slowestAckMs;

    public int BatchEvents { get; init; } = 20;

    public int PauseMs { get; init; } = 100;

    public IReadOnlyList<string> Acked
    {
        get
        {
            lock (_gate)
            {
                return [.. _acked];
            }
        }
    }

    public int AckedCount
    {
        get
        {
            lock (_gate)
            {
                return _acked.Count;
            }
        }
    }

    public IReadOnlyList<string> Refusals
    {
        get
        {
            lock (_gate)
            {
                return [.. _refusals];
            }
        }
    }

    public long SlowestAckMs => Interlocked.Read(ref _slowestAckMs);

    /// <summary>Posts in the background until <see cref="StopAsync"/>.</summary>
    public void Start()
    {
        _stop = new CancellationTokenSource();
        var stop = _stop.Token;
        _loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await PostAsync(BatchEvents);
                try
                {
                    await Task.Delay(PauseMs, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    /// <summary>Stops the background posting after the batch under way is answered.</summary>
    public async Task StopAsync()
    {
        if (_stop is null || _loop is null)
        {
            return;
        }

        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        (_stop, _loop) = (null, null);
    }

    /// <summary>Posts one batch of <paramref name="events"/> and remembers what the node acknowledged.</summary>
    public async Task PostAsync(int events)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var ids = Enumerable.Range(Interlocked.Add(ref _next, events) - events, events).Select(i => $"{prefix}{i}").ToList();
        var trace = traceId is null ? "" : $",\"trace_id\":\"{traceId}\"";
        var body = string.Join('\n', ids.Select((id, i) => $$"""{"id":"{{id}}","timestamp":{{now + i}},"message":"chaos {{id}}","service":"chaos"{{trace}}}"""));
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-ndjson");
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.PostAsync("/api/ingest", content);
            var text = await response.Content.ReadAsStringAsync();
            var ackMs = watch.ElapsedMilliseconds;
            lock (_gate)
            {
                if ((int)response.StatusCode == 200 && JsonDocument.Parse(text).RootElement.GetProperty("accepted").GetInt32() == events)
                {
                    _acked.AddRange(ids);
                    _slowestAckMs = Math.Max(_slowestAckMs, ackMs);
                }
                else
                {
                    _refusals.Add($"{(int)response.StatusCode}: {text}");
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            lock (_gate)
            {
                _refusals.Add($"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
