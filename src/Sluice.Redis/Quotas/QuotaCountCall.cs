using System.Globalization;
using Sluice.Admission.Quotas;
using StackExchange.Redis;

namespace Sluice.Redis.Quotas;

/// <summary>
/// Counting one tally on Redis. The batch's distinct counters become the keys. Far from every refusing limit — the
/// usual case — one call of <c>Scripts/quota-count.lua</c> adds to each counter the events that touch it, and each
/// event's counts follow from the values before (in the batch's order, as a walk would have found them). When a
/// refusing limit could be passed within the batch, that call changes nothing and <c>Scripts/quota-walk.lua</c> walks
/// the events one by one: the events go as runs of equal counter lists, and the answer per run — how many passed,
/// which counter refused the rest, the values before — gives every event its counts. Events refused already by a
/// counter known to be full are left out.
/// </summary>
internal sealed class QuotaCountCall
{
    /// <summary>Counter keys live to the end of their window and this long after (clocks of nodes differ a little).</summary>
    internal const long SlackMs = 60_000;

    private readonly QuotaTally _tally;
    private readonly RedisKey[] _keys;
    private readonly List<(long Limit, bool Refuses, long LifetimeMs, long Events)> _counters = [];
    private readonly int[] _counterOf;
    private readonly string _epoch;
    private List<(int FirstEvent, int Events)>? _runs;

    /// <summary>A call for the events of <paramref name="tally"/> not refused already (<see cref="QuotaTally.RefuseAtKnownLimits"/>).</summary>
    public QuotaCountCall(QuotaTally tally, RedisConnection redis, string epoch)
    {
        _tally = tally;
        _epoch = epoch;
        var ids = new Dictionary<(int Rule, long Window, ulong Key), int>();
        var keys = new List<RedisKey> { redis.Key(QuotaKeys.Epoch) };
        var events = new List<long>();
        // Each rule's last counter: the global, api-key and client rules hit the same one event after event, so
        // most entries skip the dictionary (about half the cost of building a call of the standard dataset).
        var last = new (long Window, ulong Key, int Index)[tally.RuleCount];
        Array.Fill(last, (long.MinValue, 0UL, -1));
        _counterOf = new int[tally.EntryCount];
        for (var ev = 0; ev < tally.EventCount; ev++)
        {
            var (first, length) = tally.EntriesOf(ev);
            if (tally.RefusedAt(ev) >= 0)
            {
                continue;
            }

            for (var e = first; e < first + length; e++)
            {
                var (r, window, key) = (tally.RuleIndexOf(e), tally.WindowOf(e), tally.KeyOf(e));
                var index = last[r].Index;
                if (index < 0 || last[r].Window != window || last[r].Key != key)
                {
                    if (!ids.TryGetValue((r, window, key), out index))
                    {
                        var rule = tally.RuleOf(e);
                        index = ids.Count;
                        ids[(r, window, key)] = index;
                        keys.Add(redis.Key(QuotaKeys.Counter(rule, window, key)));
                        _counters.Add((rule.Limit, rule.Action == QuotaAction.Reject, QuotaKeys.LifetimeMs(rule, window, tally.NowMs), 0));
                        events.Add(0);
                    }

                    last[r] = (window, key, index);
                }

                _counterOf[e] = index;
                events[index]++;
            }
        }

        for (var i = 0; i < _counters.Count; i++)
        {
            _counters[i] = _counters[i] with { Events = events[i] };
        }

        _keys = [.. keys];
    }

    /// <summary>Whether any counter is left to count (else no call is needed).</summary>
    public bool IsEmpty => _counters.Count == 0;

    public RedisKey[] Keys => _keys;

    /// <summary>The arguments of <c>quota-count.lua</c>.</summary>
    public RedisValue[] CountArgs()
    {
        var args = new RedisValue[1 + (4 * _counters.Count)];
        args[0] = _epoch;
        var a = 1;
        foreach (var (limit, refuses, lifetime, events) in _counters)
        {
            args[a++] = limit;
            args[a++] = refuses ? 1 : 0;
            args[a++] = lifetime;
            args[a++] = events;
        }

        return args;
    }

    /// <summary>Records the answer of <c>quota-count.lua</c> in the tally, if it counted the batch.</summary>
    public CountAnswer ApplyCount(RedisResult result)
    {
        var answer = (long[])result!;
        if (answer[0] != 1)
        {
            return answer[0] == -1 ? CountAnswer.OtherEpoch : CountAnswer.MayRefuse;
        }

        Expect(answer, 1 + _counters.Count, "quota-count.lua");
        var values = answer.AsSpan(1);
        for (var ev = 0; ev < _tally.EventCount; ev++)
        {
            var (first, length) = _tally.EntriesOf(ev);
            if (_tally.RefusedAt(ev) >= 0)
            {
                continue;
            }

            for (var e = first; e < first + length; e++)
            {
                _tally.CountedShared(e, ++values[_counterOf[e]]);
            }
        }

        return CountAnswer.Counted;
    }

    /// <summary>The arguments of <c>quota-walk.lua</c>: the counters, then the events as runs of equal counter lists.</summary>
    public RedisValue[] WalkArgs()
    {
        var args = new List<RedisValue>(1 + (3 * _counters.Count) + (3 * _tally.EntryCount)) { _epoch };
        foreach (var (limit, refuses, lifetime, _) in _counters)
        {
            args.Add(limit);
            args.Add(refuses ? 1 : 0);
            args.Add(lifetime);
        }

        _runs = [];
        var ev = 0;
        while (ev < _tally.EventCount)
        {
            var (first, length) = _tally.EntriesOf(ev);
            if (length == 0 || _tally.RefusedAt(ev) >= 0)
            {
                ev++; // no rule applies, or refused already: nothing to count
                continue;
            }

            var run = 1;
            while (ev + run < _tally.EventCount && _tally.RefusedAt(ev + run) < 0 && SameCounters(first, length, ev + run))
            {
                run++;
            }

            args.Add(run);
            args.Add(length);
            for (var e = first; e < first + length; e++)
            {
                args.Add(_counterOf[e] + 1); // Lua counts from 1
            }

            _runs.Add((ev, run));
            ev += run;
        }

        return [.. args];
    }

    /// <summary>Records the answer of <c>quota-walk.lua</c> in the tally.</summary>
    public CountAnswer ApplyWalk(RedisResult result)
    {
        var answer = (long[])result!;
        if (answer.Length == 1 && answer[0] == -1)
        {
            return CountAnswer.OtherEpoch;
        }

        var at = 0;
        foreach (var (firstEvent, events) in _runs!)
        {
            var passed = answer[at];
            var refusedAt = (int)answer[at + 1];
            var length = _tally.EntriesOf(firstEvent).Length;
            var before = at + 2;
            at = before + length;
            for (var j = 0; j < events; j++)
            {
                var ev = firstEvent + j;
                if (j >= passed)
                {
                    if (j == passed)
                    {
                        // The refusing counter stands at its limit for the rest of its window: remember it, so
                        // later batches refuse its events without a call (QuotaTally.RefuseAtKnownLimits).
                        var full = _tally.EntriesOf(ev).First + refusedAt - 1;
                        _tally.SawShared(full, answer[before + refusedAt - 1] + passed);
                    }

                    _tally.Refuse(ev, refusedAt - 1);
                    continue;
                }

                var first = _tally.EntriesOf(ev).First;
                for (var e = 0; e < length; e++)
                {
                    _tally.CountedShared(first + e, answer[before + e] + j + 1);
                }
            }
        }

        Expect(answer, at, "quota-walk.lua");
        return CountAnswer.Counted;
    }

    private static void Expect(long[] answer, int length, string script)
    {
        if (answer.Length != length)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{script} answered {answer.Length} numbers where {length} were due"));
        }
    }

    private bool SameCounters(int first, int length, int ev)
    {
        var (other, otherLength) = _tally.EntriesOf(ev);
        return otherLength == length && _counterOf.AsSpan(first, length).SequenceEqual(_counterOf.AsSpan(other, length));
    }
}

/// <summary>What a count call did.</summary>
internal enum CountAnswer
{
    /// <summary>Every event of the tally has its counts (or its refusal).</summary>
    Counted,

    /// <summary>A refusing limit could be passed within the batch: nothing was changed; walk the events.</summary>
    MayRefuse,

    /// <summary>The counters are of another epoch than the node counted with: nothing was changed; reconcile first.</summary>
    OtherEpoch,
}
