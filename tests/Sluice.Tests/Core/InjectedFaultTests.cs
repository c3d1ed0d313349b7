using System.Diagnostics;
using Sluice.Core.Options;
using Sluice.Core.Resilience;

namespace Sluice.Tests.Core;

public sealed class InjectedFaultTests
{
    private static readonly BreakerOptions Fast = new() { Failures = 3, WindowSeconds = 60, OpenSeconds = 0.3, HalfOpenProbes = 1, Retries = 0 };

    [Fact]
    public async Task A_fail_fault_fails_calls_without_reaching_the_dependency_counts_them_and_opens_the_breaker()
    {
        var faults = new InjectedFaults();
        // Only IOException counts for this dependency (as for the archive): the injected fault must count anyway.
        var breaker = new DependencyBreaker("archive", Fast, static e => e is IOException, faults);
        faults.Inject("archive", FaultMode.Fail, TimeSpan.FromSeconds(30), 0);
        var calls = 0;
        for (var i = 0; i < 3; i++)
        {
            var e = await Assert.ThrowsAsync<InjectedFaultException>(async () => await breaker.ExecuteAsync(_ => ValueTask.FromResult(++calls)));
            Assert.Equal("archive", e.Fault.Dependency);
        }

        Assert.Equal(0, calls);
        Assert.Equal(3, breaker.Failures);
        Assert.Equal(0, breaker.Rejected);
        Assert.Equal(BreakerState.Open, breaker.State);
        Assert.StartsWith("InjectedFaultException: injected fault: archive fails", breaker.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ending_the_fault_lets_calls_through_again_and_another_dependency_is_untouched()
    {
        var faults = new InjectedFaults();
        var redis = new DependencyBreaker("redis", Fast, null, faults);
        var clickhouse = new DependencyBreaker("clickhouse", Fast, null, faults);
        faults.Inject("redis", FaultMode.Fail, TimeSpan.FromSeconds(30), 0);
        Assert.Equal(1, await clickhouse.ExecuteAsync(_ => ValueTask.FromResult(1)));
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await redis.ExecuteAsync(_ => ValueTask.FromResult(1)));
        Assert.Equal(FaultMode.Fail, redis.InjectedFault!.Mode);

        Assert.Equal(1, faults.End("redis"));
        Assert.Null(redis.InjectedFault);
        Assert.Equal(2, await redis.ExecuteAsync(_ => ValueTask.FromResult(2)));
        Assert.Empty(faults.Active());
    }

    [Fact]
    public async Task A_slow_fault_delays_each_attempt_then_calls_through()
    {
        var faults = new InjectedFaults();
        var breaker = new DependencyBreaker("clickhouse", Fast, null, faults);
        faults.Inject("clickhouse", FaultMode.Slow, TimeSpan.FromSeconds(30), 200);
        var watch = Stopwatch.StartNew();
        Assert.Equal(7, await breaker.ExecuteAsync(_ => ValueTask.FromResult(7)));
        Assert.InRange(watch.ElapsedMilliseconds, 190, 5_000);
        Assert.Equal(0, breaker.Failures);
    }

    [Fact]
    public async Task A_fault_ends_by_itself_when_its_time_is_up()
    {
        var faults = new InjectedFaults();
        var breaker = new DependencyBreaker("redis", Fast, null, faults);
        faults.Inject("redis", FaultMode.Fail, TimeSpan.FromMilliseconds(300), 0);
        Assert.Single(faults.Active());
        Assert.InRange(faults.Active()[0].RemainingMs, 1, 300);
        await Task.Delay(400);
        Assert.Empty(faults.Active());
        Assert.Equal(1, await breaker.ExecuteAsync(_ => ValueTask.FromResult(1)));
    }

    [Fact]
    public async Task Breakers_from_the_registry_consult_its_faults()
    {
        var dependencies = new Dependencies(Fast);
        var breaker = dependencies.Breaker("webhook:x");
        dependencies.Faults.Inject("webhook:x", FaultMode.Fail, TimeSpan.FromSeconds(30), 0);
        await Assert.ThrowsAsync<InjectedFaultException>(async () => await breaker.ExecuteAsync(_ => ValueTask.FromResult(1)));
        Assert.Same(breaker, dependencies.Find("webhook:x"));
        Assert.Null(dependencies.Find("nothing"));
    }
}
