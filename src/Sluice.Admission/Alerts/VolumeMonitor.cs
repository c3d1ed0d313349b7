using System.IO.Hashing;
using System.Text;
using Sluice.Admission.Quotas;
using Sluice.Core.Options;

namespace Sluice.Admission.Alerts;

/// <summary>
/// Watches the events arriving per scope (everything, each system, each domain) minute by minute against a
/// baseline, the exponentially weighted mean of past minutes (α = 0.2, about the last five minutes), and raises a
/// <c>volume_spike</c> alert as soon as the current minute passes both <see cref="AlertOptions.VolumeFactor"/> ×
/// baseline and <see cref="AlertOptions.VolumeMinEventsPerMinute"/>. It also turns a quota's first refusal or
/// sampling of a scope value into an alert. The same kind and scope alerts at most once per cooldown.
/// </summary>
public sealed class VolumeMonitor
{
    public const double Alpha = 0.2;

    /// <summary>Scopes tracked at once; a flood of new domains is not allowed to grow memory past it.</summary>
    public const int MaxScopes = 10_000;

    private volatile AlertOptions _options;
    private readonly Action<VolumeAlert> _raise;
    private readonly object _gate = new();
    private readonly Dictionary<ulong, ScopeVolume> _scopes = [];
    private readonly Dictionary<string, long> _lastRaised = new(StringComparer.Ordinal);

    public VolumeMonitor(AlertOptions options, Action<VolumeAlert> raise)
    {
        _options = options;
        _raise = raise;
    }

    /// <summary>Takes new thresholds and cooldown (a runtime settings change); counts and baselines are kept.</summary>
    public void Use(AlertOptions options) => _options = options;

    /// <summary>Counts <paramref name="n"/> events of a scope value (<c>kind</c> "system", "domain"; empty value: global).</summary>
    public void Record(string kind, ReadOnlySpan<byte> value, long n, long nowMs)
    {
        var key = XxHash3.HashToUInt64(value, kind.Length) ^ (ulong)kind.GetHashCode(StringComparison.Ordinal);
        VolumeAlert? alert = null;
        lock (_gate)
        {
            if (!_scopes.TryGetValue(key, out var scope))
            {
                if (_scopes.Count >= MaxScopes)
                {
                    return;
                }

                var name = value.IsEmpty ? kind : $"{kind}={Encoding.UTF8.GetString(value)}";
                _scopes[key] = scope = new ScopeVolume(name, nowMs / 60_000);
            }

            scope.Roll(nowMs / 60_000);
            scope.Count += n;
            var threshold = Math.Max(_options.VolumeFactor * scope.Baseline, _options.VolumeMinEventsPerMinute);
            if (scope.Count > threshold && !scope.AlertedThisMinute)
            {
                scope.AlertedThisMinute = true;
                alert = Admit(new VolumeAlert("volume_spike", scope.Name,
                    $"{scope.Name}: {scope.Count} events this minute, {scope.Baseline:0.#} a minute usually (more than {_options.VolumeFactor:0.#}×)",
                    nowMs, scope.Count, Math.Round(scope.Baseline, 1), null));
            }
        }

        if (alert is not null)
        {
            _raise(alert);
        }
    }

    /// <summary>A quota refused or sampled a scope value for the first time in its window.</summary>
    public void QuotaReached(QuotaRule rule, string value, long nowMs)
    {
        var scope = rule.Scope == QuotaScope.Global ? "global" : $"{rule.ScopeName}={value}";
        var kind = rule.Action == QuotaAction.Reject ? "quota_rejecting" : "quota_sampling";
        var verb = rule.Action == QuotaAction.Reject ? "refusing" : "sampling";
        VolumeAlert? alert;
        lock (_gate)
        {
            alert = Admit(new VolumeAlert(kind, scope, $"quota {rule.Name} is {verb} events of {scope} until its window ends", nowMs, rule.Limit, 0, rule.Name));
        }

        if (alert is not null)
        {
            _raise(alert);
        }
    }

    /// <summary>Applies the cooldown (under the lock).</summary>
    private VolumeAlert? Admit(VolumeAlert alert)
    {
        var key = alert.Kind + "|" + alert.Scope;
        if (_lastRaised.TryGetValue(key, out var last) && alert.AtMs - last < _options.CooldownSeconds * 1000L)
        {
            return null;
        }

        if (_lastRaised.Count >= MaxScopes)
        {
            _lastRaised.Clear();
        }

        _lastRaised[key] = alert.AtMs;
        return alert;
    }

    private sealed class ScopeVolume(string name, long minute)
    {
        public string Name { get; } = name;

        public long Minute = minute;
        public long Count;
        public double Baseline;
        public bool HasBaseline;
        public bool AlertedThisMinute;

        /// <summary>Folds the minutes that ended into the baseline (quiet minutes count as zero).</summary>
        public void Roll(long now)
        {
            if (now <= Minute)
            {
                return;
            }

            Baseline = HasBaseline ? (Alpha * Count) + ((1 - Alpha) * Baseline) : Count;
            HasBaseline = true;
            var quiet = Math.Min(now - Minute - 1, 60);
            Baseline *= Math.Pow(1 - Alpha, quiet);
            Minute = now;
            Count = 0;
            AlertedThisMinute = false;
        }
    }
}
