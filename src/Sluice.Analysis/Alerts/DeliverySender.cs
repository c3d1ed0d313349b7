using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Sluice.Core.Options;
using Sluice.Core.Resilience;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// Sends the outbox from a background task, never from ingest or evaluation. Each channel (URL) gets its own
/// pipeline — retries with exponential backoff and jitter inside a circuit breaker, as the volume alerts' webhook —
/// and its deliveries leave in order: while one fails, the later ones of that channel wait (other channels go on).
/// A delivery leaves the outbox only when acknowledged (2xx) or refused for good (4xx but 408/429).
/// </summary>
internal sealed class DeliverySender : IAsyncDisposable
{
    private readonly Outbox _outbox;
    private readonly DeliverySettings _settings;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly ConcurrentDictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _sent;
    private long _failures;
    private long _refused;

    private readonly Dependencies _dependencies;

    public DeliverySender(Outbox outbox, DeliverySettings settings, ILogger logger, HttpMessageHandler? handler = null, Dependencies? dependencies = null)
    {
        _dependencies = dependencies ?? new Dependencies(new BreakerOptions());
        _outbox = outbox;
        _settings = settings;
        _logger = logger;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(10);
        outbox.Added += () => _wake.Release();
        _loop = Task.Run(LoopAsync);
    }

    public long Sent => Interlocked.Read(ref _sent);

    public long Failures => Interlocked.Read(ref _failures);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Per channel (masked URL): its breaker, how often it opened, and deliveries pending.</summary>
    public IReadOnlyList<(string Channel, string Breaker, long Opened, int Pending)> Channels()
    {
        var pending = _outbox.Pending();
        return [.. _channels.Select(c => (UrlMask.Mask(c.Key), c.Value.State, c.Value.Opened, pending.Count(d => d.Url == c.Key)))];
    }

    private async Task LoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await SendDueAsync(token);
                var wait = NextWait();
                await _wake.WaitAsync(wait, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Alert delivery loop failed; it goes on");
                await Task.Delay(TimeSpan.FromSeconds(1), token).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task SendDueAsync(CancellationToken token)
    {
        var byChannel = _outbox.Pending().GroupBy(d => d.Url, StringComparer.Ordinal);
        var rounds = byChannel.Select(group => SendChannelAsync(Channel(group.Key), [.. group.OrderBy(d => d.Seq)], token));
        await Task.WhenAll(rounds);
    }

    private async Task SendChannelAsync(ChannelState channel, List<Delivery> deliveries, CancellationToken token)
    {
        if (DateTime.UtcNow < channel.NextTryUtc)
        {
            return;
        }

        foreach (var delivery in deliveries)
        {
            try
            {
                var (target, body) = Payloads.For(delivery, _settings.AlertmanagerHold);
                await channel.Breaker.ExecuteAsync(async t =>
                {
                    using var response = await _http.PostAsJsonAsync(target, body, t);
                    var status = (int)response.StatusCode;
                    if (status is >= 500 or 408 or 429)
                    {
                        throw new HttpRequestException($"answered {status}");
                    }

                    if (status >= 400)
                    {
                        throw new DeliveryRefusedException(status);
                    }
                }, token);
                _outbox.Remove(delivery.Seq);
                Interlocked.Increment(ref _sent);
            }
            catch (DeliveryRefusedException e)
            {
                // Sending the same body again cannot succeed: it is dropped, and said so.
                _outbox.Remove(delivery.Seq);
                Interlocked.Increment(ref _refused);
                _logger.LogWarning("Alert delivery {Delivery} to {Channel} refused with {Status}; dropped", delivery.Id, UrlMask.Mask(delivery.Url), e.Status);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or BrokenCircuitException && !token.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failures);
                _outbox.Failed(delivery, e.Message);
                channel.NextTryUtc = DateTime.UtcNow + _settings.RetryAfter;
                _logger.LogWarning("Alert delivery {Delivery} to {Channel} failed (attempt round {Attempts}), kept for later: {Error}",
                    delivery.Id, UrlMask.Mask(delivery.Url), delivery.Attempts, e.Message);
                return; // later deliveries of this channel wait, so they arrive in order
            }
        }
    }

    private TimeSpan NextWait()
    {
        var now = DateTime.UtcNow;
        var next = _channels.Values.Select(c => c.NextTryUtc).Where(t => t > now).DefaultIfEmpty(now + TimeSpan.FromSeconds(5)).Min();
        return _outbox.Count == 0 ? TimeSpan.FromSeconds(30) : Clamp(next - now);
    }

    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.FromMilliseconds(20) ? TimeSpan.FromMilliseconds(20) : wait > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : wait;

    private ChannelState Channel(string url) => _channels.GetOrAdd(url, _ => new ChannelState(_dependencies.Breaker(
        "alerts:" + UrlMask.Mask(url),
        _dependencies.Options with { Retries = _settings.Retries, RetryDelayMs = (int)_settings.RetryDelay.TotalMilliseconds, OpenSeconds = _settings.BreakDuration.TotalSeconds },
        static e => e is HttpRequestException or TaskCanceledException)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
        _http.Dispose();
        _stop.Dispose();
        _wake.Dispose();
    }

    /// <summary>A 4xx that is not about timing: the receiver will not take this body.</summary>
    private sealed class DeliveryRefusedException(int status) : Exception($"refused with {status}")
    {
        public int Status { get; } = status;
    }

    /// <summary>One receiver: its breaker (a dependency in health and /metrics) and next round.</summary>
    private sealed class ChannelState(DependencyBreaker breaker)
    {
        public DependencyBreaker Breaker { get; } = breaker;

        public long Opened => Breaker.TimesOpened;

        public DateTime NextTryUtc { get; set; }

        public string State => Breaker.State switch
        {
            BreakerState.Closed => "closed",
            BreakerState.HalfOpen => "half-open",
            _ => "open",
        };
    }
}
