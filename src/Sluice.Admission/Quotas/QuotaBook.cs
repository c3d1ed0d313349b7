using System.IO.Hashing;
using System.Text;
using Sluice.Core.Events;

namespace Sluice.Admission.Quotas;

/// <summary>
/// Every quota rule and its counters: decides, event by event, whether an event passes, is refused, or is sampled.
/// <para>
/// Algorithm: a fixed window aligned to the clock per rule and scope value (an hour rule counts from :00 to :00),
/// counted with one atomic increment per event and rule. Fixed windows give the numbers clients are told —
/// "<c>remaining_quota</c> N until the top of the hour", Retry-After = the window's end — and are exact at the
/// boundary: the increment that passes the limit is undone and the event refused, so concurrent clients never get
/// more than the limit between them. (System.Threading.RateLimiting's limiters time their windows on a private
/// stopwatch from their creation; they can be neither aligned to the clock nor driven by a test clock.)
/// </para>
/// </summary>
public sealed class QuotaBook
{
    private readonly QuotaRule[] _rules;
    private readonly byte[]?[] _matches;
    private readonly RuleWindow[] _windows;
    private readonly int _maxKeys;
    private readonly long[] _rejected;
    private readonly long[] _sampledOut;
    private readonly long[] _sampledKept;
    private readonly long[] _sampledWeight;

    public QuotaBook(IReadOnlyList<QuotaRule> rules, int maxKeysPerRule = 100_000, int maxStrata = 10_000)
    {
        _rules = [.. rules];
        _matches = [.. _rules.Select(r => r.Match is null ? null : Encoding.UTF8.GetBytes(r.Match))];
        _maxKeys = maxKeysPerRule;
        _windows = [.. _rules.Select(_ => new RuleWindow(long.MinValue, maxKeysPerRule))];
        _rejected = new long[_rules.Length];
        _sampledOut = new long[_rules.Length];
        _sampledKept = new long[_rules.Length];
        _sampledWeight = new long[_rules.Length];
        Strata = new SampleStrata(maxStrata);
    }

    public IReadOnlyList<QuotaRule> Rules => _rules;

    public bool IsEmpty => _rules.Length == 0;

    public SampleStrata Strata { get; }

    /// <summary>Raised the first time in a window that a rule refuses or samples an event of a scope value.</summary>
    public event Action<QuotaRule, string>? LimitReached;

    /// <summary>
    /// Counts one event against every rule that applies to it and decides its fate. Refusals undo this event's
    /// increments, so a refused event uses up no quota. <see cref="LimitReached"/> is raised once per scope value
    /// and window, by the first event past the limit.
    /// </summary>
    public QuotaDecision Admit(ref RowFields fields, RequestIdentity who, ReadOnlySpan<byte> row, RowOrigin origin, long nowMs)
    {
        var taken = new TakenCounters();
        long least = long.MaxValue;
        long sampleEvery = 1;
        var sampledBy = -1;
        ulong sampledKey = 0;
        for (var r = 0; r < _rules.Length; r++)
        {
            var rule = _rules[r];
            if (!Applies(r, ref fields, who, out var key))
            {
                continue;
            }

            var counter = WindowFor(r, nowMs).CounterFor(key);
            var n = Interlocked.Increment(ref counter.Value);
            if (n > rule.Limit && counter.Announce())
            {
                LimitReached?.Invoke(rule, Describe(rule, fields, who));
            }

            if (n > rule.Limit && rule.Action == QuotaAction.Reject)
            {
                Interlocked.Decrement(ref counter.Value);
                taken.Undo();
                Interlocked.Increment(ref _rejected[r]);
                return new QuotaDecision(QuotaOutcome.Refused, r, 0, RetryAfterSeconds(rule, nowMs), 0, 0);
            }

            taken.Add(counter);
            if (rule.Action == QuotaAction.Sample && n > rule.Limit)
            {
                // N grows with the overload: the k-th multiple of the limit is sampled 1 in k+1.
                var every = (n + rule.Limit - 1) / rule.Limit;
                if (every > sampleEvery)
                {
                    (sampleEvery, sampledBy, sampledKey) = (every, r, key);
                }
            }

            least = Math.Min(least, Math.Max(0, rule.Limit - n));
        }

        if (sampledBy < 0)
        {
            return new QuotaDecision(QuotaOutcome.Pass, -1, 1, 0, least, 0);
        }

        var stratum = fields.Stratum(RowFields.Mix((ulong)sampledBy, sampledKey));
        var weight = Strata.Decide(stratum, sampleEvery, row, origin, nowMs);
        if (weight == 0)
        {
            Interlocked.Increment(ref _sampledOut[sampledBy]);
            return new QuotaDecision(QuotaOutcome.SampledOut, sampledBy, 0, 0, least, stratum);
        }

        Interlocked.Increment(ref _sampledKept[sampledBy]);
        Interlocked.Add(ref _sampledWeight[sampledBy], weight);
        return new QuotaDecision(QuotaOutcome.Pass, -1, weight, 0, least, stratum);
    }

    /// <summary>Per rule since start: events refused, let go by sampling, kept by sampling, and what those stood for.</summary>
    public IEnumerable<(QuotaRule Rule, long Rejected, long SampledOut, long SampledKept, long SampledWeight)> Stats() =>
        _rules.Select((rule, r) => (rule, Volatile.Read(ref _rejected[r]), Volatile.Read(ref _sampledOut[r]), Volatile.Read(ref _sampledKept[r]), Volatile.Read(ref _sampledWeight[r])));

    /// <summary>Seconds until the window of <paramref name="rule"/> that holds <paramref name="nowMs"/> ends (at least 1).</summary>
    public static int RetryAfterSeconds(QuotaRule rule, long nowMs)
    {
        var end = (Math.Floor((double)nowMs / rule.WindowMs) + 1) * rule.WindowMs;
        return (int)Math.Max(1, Math.Ceiling((end - nowMs) / 1000.0));
    }

    private bool Applies(int r, ref RowFields fields, RequestIdentity who, out ulong key)
    {
        var rule = _rules[r];
        key = 0;
        var value = rule.Scope switch
        {
            QuotaScope.Global => "*"u8,
            QuotaScope.System => fields.System,
            QuotaScope.Trace => fields.Trace,
            QuotaScope.Domain => fields.Domain,
            QuotaScope.ApiKey => who.ApiKeyId is null ? "(none)"u8 : who.ApiKeyIdUtf8,
            QuotaScope.ClientIp => who.ClientIpHashUtf8,
            _ => default,
        };
        if (value.IsEmpty || (_matches[r] is { } match && !value.SequenceEqual(match)))
        {
            return false;
        }

        key = XxHash3.HashToUInt64(value);
        return true;
    }

    private RuleWindow WindowFor(int r, long nowMs)
    {
        var index = Math.DivRem(nowMs, _rules[r].WindowMs, out var rest) - (rest < 0 ? 1 : 0);
        var window = Volatile.Read(ref _windows[r]);
        if (window.Index == index)
        {
            return window;
        }

        if (index < window.Index)
        {
            return window; // a clock reading taken before another thread rolled the window: count it in the new one
        }

        var fresh = new RuleWindow(index, _maxKeys);
        var seen = Interlocked.CompareExchange(ref _windows[r], fresh, window);
        return seen == window ? fresh : WindowFor(r, nowMs);
    }

    private static string Describe(QuotaRule rule, RowFields fields, RequestIdentity who) => rule.Scope switch
    {
        QuotaScope.System => Encoding.UTF8.GetString(fields.System),
        QuotaScope.Trace => Encoding.UTF8.GetString(fields.Trace),
        QuotaScope.Domain => Encoding.UTF8.GetString(fields.Domain),
        QuotaScope.ApiKey => who.ApiKeyId ?? "(none)",
        QuotaScope.ClientIp => who.ClientIpHash ?? "",
        _ => "*",
    };

    /// <summary>The counters an event has incremented so far, to undo when a later rule refuses it.</summary>
    private struct TakenCounters
    {
        private QuotaCounter? _a;
        private QuotaCounter? _b;
        private QuotaCounter? _c;
        private List<QuotaCounter>? _more;

        public void Add(QuotaCounter counter)
        {
            if (_a is null)
            {
                _a = counter;
            }
            else if (_b is null)
            {
                _b = counter;
            }
            else if (_c is null)
            {
                _c = counter;
            }
            else
            {
                (_more ??= []).Add(counter);
            }
        }

        public readonly void Undo()
        {
            foreach (var counter in (ReadOnlySpan<QuotaCounter?>)[_a, _b, _c])
            {
                if (counter is not null)
                {
                    Interlocked.Decrement(ref counter.Value);
                }
            }

            foreach (var counter in _more ?? [])
            {
                Interlocked.Decrement(ref counter.Value);
            }
        }
    }
}

/// <summary>What the quotas decided for one event.</summary>
/// <param name="Rule">Index of the rule that refused or sampled it out, else -1.</param>
/// <param name="Weight">Received events the stored event stands for (1 unless sampled).</param>
/// <param name="Remaining">Events the tightest applicable rule still allows in its window; long.MaxValue when none applies.</param>
/// <param name="Stratum">The sampling stratum that decided the event (<see cref="SampleStrata"/>), or 0 when it was not sampled.</param>
public readonly record struct QuotaDecision(QuotaOutcome Outcome, int Rule, long Weight, int RetryAfterSeconds, long Remaining, ulong Stratum);

public enum QuotaOutcome
{
    Pass,
    Refused,
    SampledOut,
}
