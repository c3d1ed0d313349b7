using Sluice.Core.Options;
using Sluice.Core.Resilience;

namespace Sluice.Tests.Core;

public sealed class DependencyBreakerTests
{
    private static readonly BreakerOptions Fast = new() { Failures = 5, WindowSeconds = 60, OpenSeconds = 0.5, HalfOpenProbes = 3, Retries = 0 };

    [Fact]
    public async Task Opens_after_five_failures_and_then_rejects_without_calling()
    {
        var breaker = new DependencyBreaker("dep", Fast);
        var calls = 0;
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<IOException>(async () => await breaker.ExecuteAsync<int>(_ => { calls++; throw new IOException("down"); }));
        }

        Assert.Equal(BreakerState.Open, breaker.State);
        await Assert.ThrowsAnyAsync<Polly.CircuitBreaker.BrokenCircuitException>(async () => await breaker.ExecuteAsync(_ => { calls++; return ValueTask.FromResult(1); }));
        Assert.Equal(5, calls);
        Assert.Equal(1, breaker.Rejected);
        Assert.Equal("IOException: down", breaker.LastError);
    }

    [Fact]
    public async Task Counts_as_recovered_only_after_three_probes_in_a_row_and_a_failed_probe_opens_it_again()
    {
        var breaker = new DependencyBreaker("dep", Fast);
        await Break(breaker);
        await Task.Delay(600);

        await breaker.ExecuteAsync(_ => ValueTask.FromResult(1));
        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        await breaker.ExecuteAsync(_ => ValueTask.FromResult(1));
        Assert.Equal(BreakerState.HalfOpen, breaker.State);
        await Assert.ThrowsAsync<IOException>(async () => await breaker.ExecuteAsync<int>(_ => throw new IOException("again")));
        Assert.Equal(BreakerState.Open, breaker.State);
        await Assert.ThrowsAnyAsync<Polly.CircuitBreaker.BrokenCircuitException>(async () => await breaker.ExecuteAsync(_ => ValueTask.FromResult(1)));

        await Task.Delay(600);
        for (var i = 0; i < 3; i++)
        {
            Assert.NotEqual(BreakerState.Closed, breaker.State);
            await breaker.ExecuteAsync(_ => ValueTask.FromResult(1));
        }

        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.Equal(2, breaker.TimesOpened);
    }

    [Fact]
    public async Task Retries_with_backoff_before_a_call_counts_as_failed()
    {
        var breaker = new DependencyBreaker("dep", Fast with { Retries = 2, RetryDelayMs = 1 });
        var calls = 0;
        var result = await breaker.ExecuteAsync(_ => ++calls < 3 ? throw new IOException("flaky") : ValueTask.FromResult(calls));
        Assert.Equal(3, result);
        Assert.Equal(2, breaker.Failures); // each attempt counts; the success clears the run
        Assert.Equal(BreakerState.Closed, breaker.State);
    }

    private static async Task Break(DependencyBreaker breaker)
    {
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<IOException>(async () => await breaker.ExecuteAsync<int>(_ => throw new IOException("down")));
        }

        Assert.Equal(BreakerState.Open, breaker.State);
    }

    [Fact]
    public async Task A_call_made_once_is_not_retried_and_the_circuit_it_shares_refuses_it_when_open()
    {
        var breaker = new DependencyBreaker("dep", Fast with { Retries = 2, RetryDelayMs = 1 });
        var calls = 0;
        await Assert.ThrowsAsync<IOException>(async () => await breaker.ExecuteOnceAsync<int>(_ => { calls++; throw new IOException("lost answer"); }));
        Assert.Equal(1, calls);
        Assert.Equal(1, breaker.Failures);

        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<IOException>(async () => await breaker.ExecuteOnceAsync<int>(_ => { calls++; throw new IOException("lost answer"); }));
        }

        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.Equal(5, calls);
        await Assert.ThrowsAnyAsync<Polly.CircuitBreaker.BrokenCircuitException>(async () => await breaker.ExecuteOnceAsync(_ => { calls++; return ValueTask.FromResult(1); }));
        await Assert.ThrowsAnyAsync<Polly.CircuitBreaker.BrokenCircuitException>(async () => await breaker.ExecuteAsync(_ => { calls++; return ValueTask.FromResult(1); }));
        Assert.Equal(5, calls);
    }
}
