using Sluice.Admission.Alerts;
using Sluice.Admission.Quotas;
using Sluice.Core.Options;

namespace Sluice.Tests.Admission;

public sealed class VolumeMonitorTests
{
    private const long Minute = 60_000;

    [Fact]
    public void A_scope_far_above_its_baseline_alerts_once_and_then_waits_out_the_cooldown()
    {
        var alerts = new List<VolumeAlert>();
        var monitor = new VolumeMonitor(new AlertOptions { VolumeFactor = 10, VolumeMinEventsPerMinute = 100, CooldownSeconds = 600 }, alerts.Add);
        for (var m = 0; m < 10; m++)
        {
            monitor.Record("domain", "shop.example"u8, 50, m * Minute);
        }

        Assert.Empty(alerts);
        monitor.Record("domain", "shop.example"u8, 499, 10 * Minute); // under 10 × 50
        Assert.Empty(alerts);
        monitor.Record("domain", "shop.example"u8, 2, 10 * Minute);
        var alert = Assert.Single(alerts);
        Assert.Equal(("volume_spike", "domain=shop.example", 501L), (alert.Kind, alert.Scope, alert.Events));
        Assert.Equal(50, alert.Baseline, 1);

        monitor.Record("domain", "shop.example"u8, 5_000, 11 * Minute);
        Assert.Single(alerts); // cooldown
        monitor.Record("domain", "other.example"u8, 5_000, 11 * Minute);
        Assert.Equal(2, alerts.Count); // another scope has its own cooldown
        monitor.Record("domain", "shop.example"u8, 100_000, 25 * Minute);
        Assert.Equal(3, alerts.Count);
    }

    [Fact]
    public void Quiet_scopes_do_not_alert_below_the_minimum_and_quiet_minutes_lower_the_baseline()
    {
        var alerts = new List<VolumeAlert>();
        var monitor = new VolumeMonitor(new AlertOptions { VolumeFactor = 10, VolumeMinEventsPerMinute = 1_000 }, alerts.Add);
        monitor.Record("global", default, 1, 0);
        monitor.Record("global", default, 900, Minute); // 900× the baseline, but under the minimum
        Assert.Empty(alerts);
        monitor.Record("global", default, 1_001, 30 * Minute); // a long quiet spell: the baseline decayed towards 0
        Assert.Equal("global", Assert.Single(alerts).Scope);
    }

    [Fact]
    public void A_quota_that_starts_refusing_or_sampling_alerts_with_its_rule()
    {
        var alerts = new List<VolumeAlert>();
        var monitor = new VolumeMonitor(new AlertOptions { CooldownSeconds = 60 }, alerts.Add);
        QuotaRule.TryParse("domain:10/1h:sample", out var sample, out _);
        QuotaRule.TryParse("global:10/1h", out var reject, out _);
        monitor.QuotaReached(sample, "shop.example", 0);
        monitor.QuotaReached(sample, "shop.example", 1_000);
        monitor.QuotaReached(reject, "*", 1_000);
        Assert.Equal([("quota_sampling", "domain=shop.example"), ("quota_rejecting", "global")], alerts.Select(a => (a.Kind, a.Scope)));
        Assert.Equal("domain:10/1h:sample", alerts[0].Rule);
    }
}
