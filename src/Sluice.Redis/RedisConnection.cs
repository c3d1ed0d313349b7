using Microsoft.Extensions.Logging;
using Sluice.Core.Options;
using Sluice.Core.Resilience;
using StackExchange.Redis;

namespace Sluice.Redis;

/// <summary>
/// The one connection a node keeps to Redis, and the only way in: every command goes through the <c>redis</c>
/// breaker (retries with backoff, seed 002's circuit breaker), so callers see a fast failure while Redis is away and
/// fall back to their local state. The multiplexer reconnects by itself in the background.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _config;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly int _timeoutMs;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    public RedisConnection(RedisOptions options, Dependencies dependencies, ILogger logger)
    {
        _config = Parse(options.Url);
        _config.AbortOnConnectFail = false; // keep trying in the background; calls fail fast meanwhile
        _config.ConnectTimeout = options.TimeoutMs;
        _config.AsyncTimeout = options.TimeoutMs;
        _config.SyncTimeout = options.TimeoutMs;
        _config.ConnectRetry = 1;
        _config.ClientName = "sluice";
        _prefix = options.KeyPrefix;
        _timeoutMs = options.TimeoutMs;
        _logger = logger;
        Breaker = dependencies.Breaker("redis");
        Breaker.StateChanged += (b, state) => _logger.LogWarning("Redis breaker {State} ({Error})", state, b.LastError ?? "no error");
    }

    public DependencyBreaker Breaker { get; }

    /// <summary>Whether the multiplexer is connected now (health shows it beside the breaker).</summary>
    public bool IsConnected => _multiplexer?.IsConnected == true;

    /// <summary>A key of the seeds' scheme, behind the configured prefix.</summary>
    public RedisKey Key(string name) => _prefix + name;

    /// <summary>Runs <paramref name="command"/> against the database through the breaker.</summary>
    public async ValueTask<T> RunAsync<T>(Func<IDatabase, Task<T>> command, CancellationToken cancel = default) =>
        await Breaker.ExecuteAsync(async attempt =>
        {
            var multiplexer = await ConnectAsync();
            if (!multiplexer.IsConnected)
            {
                // Just started, or reconnecting after an outage: give it up to one timeout before calling it down.
                var deadline = Environment.TickCount64 + _timeoutMs;
                while (!multiplexer.IsConnected && Environment.TickCount64 < deadline)
                {
                    await Task.Delay(10, attempt);
                }

                if (!multiplexer.IsConnected)
                {
                    throw new RedisUnavailableException("Redis is not connected");
                }
            }

            return await command(multiplexer.GetDatabase());
        }, cancel);

    /// <summary>Runs a command that returns nothing.</summary>
    public async ValueTask RunAsync(Func<IDatabase, Task> command, CancellationToken cancel = default) =>
        await RunAsync(async db => { await command(db); return true; }, cancel);

    private async ValueTask<ConnectionMultiplexer> ConnectAsync()
    {
        if (_multiplexer is { } ready)
        {
            return ready;
        }

        await _connecting.WaitAsync();
        try
        {
            return _multiplexer ??= await ConnectionMultiplexer.ConnectAsync(_config);
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary><c>redis://[user:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS) to StackExchange.Redis options.</summary>
    internal static ConfigurationOptions Parse(string url)
    {
        var uri = new Uri(url);
        var config = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        config.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                config.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                config.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                config.Password = Uri.UnescapeDataString(parts[0]);
            }
        }

        if (uri.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, out var index))
        {
            config.DefaultDatabase = index;
        }

        return config;
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.CloseAsync();
            multiplexer.Dispose();
        }

        _connecting.Dispose();
    }
}

/// <summary>Redis cannot be reached now; callers fall back to their local state.</summary>
public sealed class RedisUnavailableException(string message) : Exception(message);
