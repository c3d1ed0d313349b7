using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Sluice.Core.Options;
using Sluice.Core.Resilience;

namespace Sluice.Admission.Alerts;

/// <summary>
/// Where raised alerts go: a counter per kind and scope kind (for <c>/metrics</c>), one structured warning in the
/// log, the last <see cref="RecentLimit"/> kept for the API, and — when a webhook is configured — a Slack-compatible
/// JSON post (<c>{"text": …}</c> plus the alert's fields). Posts leave from a background queue, never from the
/// ingest path, through retries with exponential backoff and jitter and a circuit breaker (DESIGN §7).
/// </summary>
public sealed class AlertPublisher : IAsyncDisposable
{
    public const int RecentLimit = 100;

    private readonly ILogger _logger;
    private readonly Uri? _webhook;
    private readonly HttpClient? _http;
    private readonly Channel<VolumeAlert> _queue = Channel.CreateBounded<VolumeAlert>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly ConcurrentDictionary<(string Kind, string ScopeKind), long> _counts = new();
    private readonly ConcurrentQueue<VolumeAlert> _recent = new();
    private readonly Task _sender;
    private readonly DependencyBreaker _breaker;
    private long _webhookFailures;
    private long _webhookSent;

    /// <summary>What counts against the webhook's breaker: it did not answer, or answered 5xx.</summary>
    public static bool IsFailure(Exception e) => e is HttpRequestException or TaskCanceledException;

    public AlertPublisher(string webhookUrl, ILogger logger, HttpMessageHandler? handler = null, DependencyBreaker? breaker = null)
    {
        _logger = logger;
        if (webhookUrl.Length > 0)
        {
            _webhook = new Uri(webhookUrl);
            _http = handler is null ? new HttpClient() : new HttpClient(handler);
            _http.Timeout = TimeSpan.FromSeconds(10);
        }

        _breaker = breaker ?? new DependencyBreaker("webhook:volume-alerts", new BreakerOptions { Retries = 3, RetryDelayMs = 500 }, IsFailure);
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>Alerts raised since start, by kind and scope kind (global, system, domain, trace …).</summary>
    public IEnumerable<(string Kind, string ScopeKind, long Count)> Counts() =>
        _counts.Select(p => (p.Key.Kind, p.Key.ScopeKind, p.Value)).OrderBy(p => p.Kind + p.ScopeKind, StringComparer.Ordinal);

    /// <summary>The newest alerts, oldest first.</summary>
    public IReadOnlyList<VolumeAlert> Recent => [.. _recent];

    public long WebhookSent => Volatile.Read(ref _webhookSent);

    public long WebhookFailures => Volatile.Read(ref _webhookFailures);

    /// <summary>The webhook's circuit breaker: <c>none</c> without a webhook, else closed, open or half-open.</summary>
    public string WebhookBreaker => _webhook is null ? "none" : _breaker.State switch
    {
        BreakerState.Closed => "closed",
        BreakerState.HalfOpen => "half-open",
        _ => "open",
    };

    public void Publish(VolumeAlert alert)
    {
        var scopeKind = alert.Scope.Split('=')[0];
        _counts.AddOrUpdate((alert.Kind, scopeKind), 1, static (_, n) => n + 1);
        _recent.Enqueue(alert);
        while (_recent.Count > RecentLimit && _recent.TryDequeue(out _))
        {
        }

        _logger.LogWarning("Alert {Kind} for {Scope}: {Message}", alert.Kind, alert.Scope, alert.Message);
        if (_webhook is not null)
        {
            _queue.Writer.TryWrite(alert);
        }
    }

    /// <summary>The webhook body: Slack's <c>text</c>, and the alert's fields for receivers that read JSON.</summary>
    public static JsonObject Body(VolumeAlert alert) => new()
    {
        ["text"] = $":rotating_light: Sluice {alert.Kind.Replace('_', ' ')}: {alert.Message}",
        ["kind"] = alert.Kind,
        ["scope"] = alert.Scope,
        ["events"] = alert.Events,
        ["baseline"] = alert.Baseline,
        ["rule"] = alert.Rule,
        ["time"] = DateTimeOffset.FromUnixTimeMilliseconds(alert.AtMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task SendLoopAsync()
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync())
        {
            try
            {
                await _breaker.ExecuteAsync(async token =>
                {
                    using var response = await _http!.PostAsJsonAsync(_webhook, Body(alert), token);
                    if ((int)response.StatusCode >= 500)
                    {
                        throw new HttpRequestException($"webhook answered {(int)response.StatusCode}");
                    }
                });
                Interlocked.Increment(ref _webhookSent);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or BrokenCircuitException)
            {
                Interlocked.Increment(ref _webhookFailures);
                _logger.LogWarning("Alert webhook failed for {Kind} {Scope}: {Error}", alert.Kind, alert.Scope, e.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _sender.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(static _ => { }, TaskScheduler.Default);
        _http?.Dispose();
    }
}
