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
/// <para>
/// A batch goes through three steps, so the counting can live elsewhere (<see cref="IQuotaCounters"/>: this node's
/// memory, or a store the nodes share) while the rules and decisions stay here: <see cref="Plan"/> names each
/// event's counters, the counters count the whole batch, and <see cref="Decide"/> turns each event's counts into its
/// fate. This book also keeps the node's own counters (the local ones, or the last shared counts seen).
/// </para>
/// </summary>
public sealed class QuotaBook
{
    private readonly QuotaRule[] _rules;
    private readonly byte[]?[] _matches;
    private readonly RuleState[] _states;
    private readonly int _maxKeys;

    public QuotaBook(IReadOnlyList<QuotaRule> rules, int maxKeysPerRule = 100_000, int maxStrata = 10_000)
        : this(rules, maxKeysPerRule, new SampleStrata(maxStrata), _ => null)
    {
    }

    private QuotaBook(IReadOnlyList<QuotaRule> rules, int maxKeysPerRule, SampleStrata strata, Func<QuotaRule, RuleState?> carried)
    {
        _rules = [.. rules];
        _matches = [.. _rules.Select(r => r.Match is null ? null : Encoding.UTF8.GetBytes(r.Match))];
        _maxKeys = maxKeysPerRule;
        _states = [.. _rules.Select(r => carried(r) ?? new RuleState(new RuleWindow(long.MinValue, maxKeysPerRule)))];
        Strata = strata;
    }

    /// <summary>
    /// The book that replaces this one when the rules change at runtime. A rule written the same in both keeps its
    /// counters and statistics — the very same objects, so a batch still counting on this book counts where the new
    /// one reads; a new or changed rule starts with a fresh window. The sampling strata, and the events they hold
    /// back, go over whole, so nothing held is lost. This book stays usable for the batches that began with it.
    /// </summary>
    public QuotaBook Next(IReadOnlyList<QuotaRule> rules)
    {
        var kept = new Dictionary<QuotaRule, RuleState>();
        for (var r = 0; r < _rules.Length; r++)
        {
            kept.TryAdd(_rules[r], _states[r]);
        }

        return new QuotaBook(rules, _maxKeys, Strata, rule => kept.Remove(rule, out var state) ? state : null);
    }

    public IReadOnlyList<QuotaRule> Rules => _rules;

    public bool IsEmpty => _rules.Length == 0;

    public SampleStrata Strata { get; }

    /// <summary>Raised the first time in a window that a rule refuses or samples an event of a scope value.</summary>
    public event Action<QuotaRule, string>? LimitReached;

    /// <summary>A tally for one batch of up to about <paramref name="events"/> events, its windows chosen by <paramref name="nowMs"/>.</summary>
    public QuotaTally NewTally(long nowMs, int events) => new(_rules, nowMs, events);

    /// <summary>Adds one event to <paramref name="tally"/>: the counter of every rule that applies to it, in rule order.</summary>
    public void Plan(QuotaTally tally, ref RowFields fields, RequestIdentity who)
    {
        tally.BeginEvent();
        for (var r = 0; r < _rules.Length; r++)
        {
            if (Applies(r, ref fields, who, out var key))
            {
                var window = WindowFor(r, tally.NowMs);
                tally.AddEntry(r, window.Index, key, window.CounterFor(key));
            }
        }
    }

    /// <summary>
    /// Decides the fate of event <paramref name="ev"/> of a counted <paramref name="tally"/>: refused if a counter
    /// refused it, else passed, or sampled when a <see cref="QuotaAction.Sample"/> rule is past its limit.
    /// <see cref="LimitReached"/> is raised once per scope value and window (on this node), by the first event past
    /// the limit.
    /// </summary>
    public QuotaDecision Decide(QuotaTally tally, int ev, RequestIdentity who, ReadOnlySpan<byte> row, RowOrigin origin)
    {
        var nowMs = tally.NowMs;
        var (first, length) = tally.EntriesOf(ev);
        if (tally.RefusedAt(ev) is >= 0 and var refusedAt)
        {
            var r = tally.RuleIndexOf(first + refusedAt);
            Announce(tally, first + refusedAt, who, row);
            Interlocked.Increment(ref _states[r].Rejected);
            return new QuotaDecision(QuotaOutcome.Refused, r, 0, RetryAfterSeconds(_rules[r], nowMs), 0, 0);
        }

        long least = long.MaxValue;
        long sampleEvery = 1;
        var sampledBy = -1;
        ulong sampledKey = 0;
        for (var e = first; e < first + length; e++)
        {
            var r = tally.RuleIndexOf(e);
            var rule = _rules[r];
            var n = tally.CountOf(e);
            if (n > rule.Limit)
            {
                Announce(tally, e, who, row);
                if (rule.Action == QuotaAction.Sample)
                {
                    // N grows with the overload: the k-th multiple of the limit is sampled 1 in k+1.
                    var every = (n + rule.Limit - 1) / rule.Limit;
                    if (every > sampleEvery)
                    {
                        (sampleEvery, sampledBy, sampledKey) = (every, r, tally.KeyOf(e));
                    }
                }
            }

            least = Math.Min(least, Math.Max(0, rule.Limit - n));
        }

        if (sampledBy < 0)
        {
            return new QuotaDecision(QuotaOutcome.Pass, -1, 1, 0, least, 0);
        }

        var fields = RowFields.Read(row);
        var stratum = fields.Stratum(RowFields.Mix((ulong)sampledBy, sampledKey));
        var weight = Strata.Decide(stratum, sampleEvery, row, origin, nowMs);
        if (weight == 0)
        {
            Interlocked.Increment(ref _states[sampledBy].SampledOut);
            return new QuotaDecision(QuotaOutcome.SampledOut, sampledBy, 0, 0, least, stratum);
        }

        Interlocked.Increment(ref _states[sampledBy].SampledKept);
        Interlocked.Add(ref _states[sampledBy].SampledWeight, weight);
        return new QuotaDecision(QuotaOutcome.Pass, -1, weight, 0, least, stratum);
    }

    /// <summary>Counts one event against every rule with this node's own counters and decides its fate (<see cref="Decide"/>).</summary>
    public QuotaDecision Admit(ref RowFields fields, RequestIdentity who, ReadOnlySpan<byte> row, RowOrigin origin, long nowMs)
    {
        using var tally = NewTally(nowMs, 1);
        Plan(tally, ref fields, who);
        LocalQuotaCounters.Exact.Count(tally);
        return Decide(tally, 0, who, row, origin);
    }

    /// <summary>
    /// For a shared store coming back: per counter of the windows still current at <paramref name="nowMs"/>, the
    /// events this node counted while the store was away (taken: they are owed no more unless
    /// <see cref="ReturnOwed"/> gives them back) and all the events this node counted in the window. Counters past
    /// the key budget (shared by many scope values) are left out.
    /// </summary>
    public List<OwedCount> TakeOwed(long nowMs)
    {
        var owed = new List<OwedCount>();
        for (var r = 0; r < _rules.Length; r++)
        {
            var window = Volatile.Read(ref _states[r].Window);
            if (window.Index != WindowIndex(r, nowMs))
            {
                continue; // that window is over: its counts no longer matter
            }

            foreach (var (key, counter) in window.Counters)
            {
                var mine = Volatile.Read(ref counter.Mine);
                var taken = Interlocked.Exchange(ref counter.Owed, 0);
                if (mine != 0 || taken != 0)
                {
                    owed.Add(new OwedCount(_rules[r], window.Index, key, taken, mine) { Counter = counter });
                }
            }
        }

        return owed;
    }

    /// <summary>
    /// The shared store's count for an owed counter after the node's events were added: it replaces what the node
    /// reckoned on its own while the store was away (an estimate, each event counted for every node).
    /// </summary>
    public static void SawShared(OwedCount owed, long count) => Volatile.Write(ref owed.Counter.Value, count);

    /// <summary>Owed counts that could not be given to the shared store are owed again.</summary>
    public static void ReturnOwed(IEnumerable<OwedCount> owed)
    {
        foreach (var o in owed)
        {
            Interlocked.Add(ref o.Counter.Owed, o.Owed);
        }
    }

    /// <summary>Per rule since start: events refused, let go by sampling, kept by sampling, and what those stood for.</summary>
    public IEnumerable<(QuotaRule Rule, long Rejected, long SampledOut, long SampledKept, long SampledWeight)> Stats() =>
        _rules.Select((rule, r) => (rule, Volatile.Read(ref _states[r].Rejected), Volatile.Read(ref _states[r].SampledOut), Volatile.Read(ref _states[r].SampledKept), Volatile.Read(ref _states[r].SampledWeight)));

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
        var index = WindowIndex(r, nowMs);
        var window = Volatile.Read(ref _states[r].Window);
        if (window.Index == index)
        {
            return window;
        }

        if (index < window.Index)
        {
            return window; // a clock reading taken before another thread rolled the window: count it in the new one
        }

        var fresh = new RuleWindow(index, _maxKeys);
        var seen = Interlocked.CompareExchange(ref _states[r].Window, fresh, window);
        return seen == window ? fresh : WindowFor(r, nowMs);
    }

    private long WindowIndex(int r, long nowMs) => Math.DivRem(nowMs, _rules[r].WindowMs, out var rest) - (rest < 0 ? 1 : 0);

    private void Announce(QuotaTally tally, int entry, RequestIdentity who, ReadOnlySpan<byte> row)
    {
        if (tally.CounterOf(entry).Announce() && LimitReached is { } reached)
        {
            var rule = _rules[tally.RuleIndexOf(entry)];
            reached(rule, Describe(rule, RowFields.Read(row), who));
        }
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
}

/// <summary>One rule's current window and its counts since start: shared by successive books while the rule stays the same.</summary>
internal sealed class RuleState(RuleWindow window)
{
    public RuleWindow Window = window;
    public long Rejected;
    public long SampledOut;
    public long SampledKept;
    public long SampledWeight;
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

/// <summary>
/// What a node owes a shared store for one counter of a current window: the events it counted while the store was
/// away, and all it counted in the window (given instead when the store lost its data).
/// </summary>
public readonly record struct OwedCount(QuotaRule Rule, long Window, ulong Key, long Owed, long Mine)
{
    internal QuotaCounter Counter { get; init; } = null!;
}
