using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Sluice.Core.Options;

namespace Sluice.Core.Resilience;

/// <summary>What health and <c>/metrics</c> say about a dependency's breaker.</summary>
public enum BreakerState
{
    /// <summary>Calls go through.</summary>
    Closed,

    /// <summary>Calls fail at once without reaching the dependency.</summary>
    Open,

    /// <summary>Probes go through; the dependency is back after <see cref="BreakerOptions.HalfOpenProbes"/> of them succeed in a row.</summary>
    HalfOpen,
}

/// <summary>
/// One outbound dependency (Redis, a webhook receiver, the archive, ClickHouse): every call goes through Polly's
/// retry (exponential backoff with jitter) and circuit-breaker strategy, with seed 002's numbers from
/// <see cref="BreakerOptions"/>.
/// <para>
/// Polly v8's breaker opens on a failure <em>ratio</em> over a sampling window and lets one probe through when its
/// break ends; seed 002 counts <em>failures</em> (5 with no success between them, within 60 s) and wants three
/// probes. So the counting is done here and the circuit is opened through Polly's manual control (calls then fail
/// at once with Polly's <c>IsolatedCircuitException</c>); when the break ends, calls go through on probation
/// (<see cref="BreakerState.HalfOpen"/>) until <see cref="BreakerOptions.HalfOpenProbes"/> in a row succeed, and
/// one failure among them opens the circuit again for another break.
/// </para>
/// </summary>
public sealed class DependencyBreaker
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerManualControl _manual = new();
    private readonly long _openMs;
    private readonly long _windowMs;
    private readonly int _failuresToOpen;
    private readonly int _probes;
    private readonly Lock _gate = new();
    private int _consecutive;
    private long _runStartMs;
    private int _probation;
    private long _isolatedUntilMs;
    private long _calls;
    private long _failures;
    private long _rejected;
    private long _opened;
    private long _stateSinceMs = Environment.TickCount64;
    private string? _lastError;

    private readonly InjectedFaults? _faults;

    /// <param name="faults">Faults injected for chaos tests, consulted before every attempt; null: none can be.</param>
    public DependencyBreaker(string name, BreakerOptions options, Func<Exception, bool>? isFailure = null, InjectedFaults? faults = null)
    {
        Name = name;
        _faults = faults;
        _openMs = (long)(options.OpenSeconds * 1000);
        _windowMs = options.WindowSeconds * 1000L;
        _failuresToOpen = options.Failures;
        _probes = options.HalfOpenProbes;
        _isFailure = isFailure ?? (static e => e is not OperationCanceledException);
        var builder = new ResiliencePipelineBuilder();
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(options.RetryDelayMs),
                // Never retry against an open circuit: the breaker already said no.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && CountsAsFailure(e)),
            });
        }

        _pipeline = AddBreaker(builder).Build();
        _once = AddBreaker(new ResiliencePipelineBuilder()).Build();
    }

    private readonly Func<Exception, bool> _isFailure;

    /// <summary>The same circuit (one manual control holds both open) without the retries, for calls that must not be repeated blindly.</summary>
    private readonly ResiliencePipeline _once;

    /// <summary>The dependency's name in health, metrics and logs.</summary>
    public string Name { get; }

    public BreakerState State
    {
        get
        {
            var until = Volatile.Read(ref _isolatedUntilMs);
            if (until != 0)
            {
                return Environment.TickCount64 >= until ? BreakerState.HalfOpen : BreakerState.Open;
            }

            return Volatile.Read(ref _probation) > 0 ? BreakerState.HalfOpen : BreakerState.Closed;
        }
    }

    /// <summary>True unless the breaker is open (calls would fail at once).</summary>
    public bool IsAvailable => State != BreakerState.Open;

    public long Calls => Volatile.Read(ref _calls);

    public long Failures => Volatile.Read(ref _failures);

    /// <summary>Calls refused by the open breaker without reaching the dependency.</summary>
    public long Rejected => Volatile.Read(ref _rejected);

    /// <summary>How many times the breaker opened.</summary>
    public long TimesOpened => Volatile.Read(ref _opened);

    /// <summary>The last failure's type and message (never a connection string: callers throw their own messages).</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Milliseconds since the state last changed.</summary>
    public long StateAgeMs => Environment.TickCount64 - Volatile.Read(ref _stateSinceMs);

    /// <summary>Raised (on the calling thread) whenever the breaker opens or the dependency is declared recovered.</summary>
    public event Action<DependencyBreaker, BreakerState>? StateChanged;

    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancel = default) =>
        ExecuteAsync(_pipeline, call, cancel);

    /// <summary>
    /// One attempt only, counted and refused like any other: for a call whose effect may have happened even though
    /// it failed (an insert whose answer was lost), which the caller must check before repeating it.
    /// </summary>
    public ValueTask<T> ExecuteOnceAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken cancel = default) =>
        ExecuteAsync(_once, call, cancel);

    private async ValueTask<T> ExecuteAsync<T>(ResiliencePipeline pipeline, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancel)
    {
        Interlocked.Increment(ref _calls);
        await ReleaseIsolationIfDueAsync();
        try
        {
            // Each attempt counts, retries included (the breaker sits inside the retry, as in a Polly pipeline):
            // a retry that finds the circuit opened by the attempt before it is not made.
            return await pipeline.ExecuteAsync(async c =>
            {
                try
                {
                    if (_faults is not null)
                    {
                        await _faults.BeforeCallAsync(Name, c);
                    }

                    var result = await call(c);
                    Succeeded();
                    return result;
                }
                catch (Exception e) when (CountsAsFailure(e) && !c.IsCancellationRequested)
                {
                    Failed(e);
                    throw;
                }
            }, cancel);
        }
        catch (BrokenCircuitException e) when (e is not InjectedFaultException)
        {
            Interlocked.Increment(ref _rejected);
            throw;
        }
    }

    /// <summary>The fault injected on this dependency now, if any (health and <c>/metrics</c> show it).</summary>
    public InjectedFault? InjectedFault => _faults?.Current(Name);

    public async ValueTask ExecuteAsync(Func<CancellationToken, ValueTask> call, CancellationToken cancel = default) =>
        await ExecuteAsync(async c => { await call(c); return true; }, cancel);

    private ResiliencePipelineBuilder AddBreaker(ResiliencePipelineBuilder builder) => builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
    {
        // Opened only through the manual control: its own ratio rule would never trip first.
        FailureRatio = 1.0,
        MinimumThroughput = int.MaxValue,
        ManualControl = _manual,
        ShouldHandle = _ => ValueTask.FromResult(false),
    });

    /// <summary>An injected fault always counts; the open circuit's own rejection never does.</summary>
    private bool CountsAsFailure(Exception e) => e is InjectedFaultException || (e is not BrokenCircuitException && _isFailure(e));

    private void Succeeded()
    {
        var recovered = false;
        lock (_gate)
        {
            _consecutive = 0;
            if (_probation > 0 && --_probation == 0)
            {
                _stateSinceMs = Environment.TickCount64;
                recovered = true;
            }
        }

        if (recovered)
        {
            StateChanged?.Invoke(this, BreakerState.Closed);
        }
    }

    private void Failed(Exception e)
    {
        Interlocked.Increment(ref _failures);
        Volatile.Write(ref _lastError, $"{e.GetType().Name}: {e.Message}");
        var now = Environment.TickCount64;
        lock (_gate)
        {
            if (_isolatedUntilMs != 0)
            {
                return; // already open (a call that started before it opened)
            }

            if (_probation == 0)
            {
                if (_consecutive == 0 || now - _runStartMs > _windowMs)
                {
                    (_consecutive, _runStartMs) = (0, now);
                }

                if (++_consecutive < _failuresToOpen)
                {
                    return;
                }
            }

            (_probation, _consecutive) = (0, 0);
            _isolatedUntilMs = now + _openMs;
            _stateSinceMs = now;
        }

        Interlocked.Increment(ref _opened);
        _ = _manual.IsolateAsync();
        StateChanged?.Invoke(this, BreakerState.Open);
    }

    /// <summary>When the break is over, the first call lets the circuit through again and starts probation.</summary>
    private async ValueTask ReleaseIsolationIfDueAsync()
    {
        var until = Volatile.Read(ref _isolatedUntilMs);
        if (until == 0 || Environment.TickCount64 < until)
        {
            return;
        }

        lock (_gate)
        {
            if (_isolatedUntilMs == 0 || Environment.TickCount64 < _isolatedUntilMs)
            {
                return;
            }

            _isolatedUntilMs = 0;
            _probation = _probes;
            _stateSinceMs = Environment.TickCount64;
        }

        await _manual.CloseAsync();
    }
}
