using System.Globalization;
using Sluice.Admission.Quotas;
using StackExchange.Redis;

namespace Sluice.Redis.Quotas;

/// <summary>
/// One call of <c>Scripts/quota-count.lua</c> for a tally: the batch's distinct counters become the keys, its events
/// runs of equal counter lists (a batch of one service's logs is mostly a few long runs), and the answer — per run,
/// how many passed, which counter refused the rest, the counters' values before it — gives every event its counts.
/// </summary>
internal sealed class QuotaCountCall
{
    /// <summary>Counter keys live to the end of their window and this long after (clocks of nodes differ a little).</summary>
    internal const long SlackMs = 60_000;

    private readonly QuotaTally _tally;
    private readonly List<(int FirstEvent, int Events)> _runs = [];

    public QuotaCountCall(QuotaTally tally, RedisConnection redis, string epoch)
    {
        _tally = tally;
        var counters = new Dictionary<(int Rule, long Window, ulong Key), int>();
        var keys = new List<RedisKey> { redis.Key(QuotaKeys.Epoch) };
        var args = new List<RedisValue> { epoch };
        var indexes = new int[tally.EntryCount];
        for (var e = 0; e < tally.EntryCount; e++)
        {
            var id = (tally.RuleIndexOf(e), tally.WindowOf(e), tally.KeyOf(e));
            if (!counters.TryGetValue(id, out var index))
            {
                var rule = tally.RuleOf(e);
                index = counters.Count + 1; // Lua counts from 1
                counters[id] = index;
                keys.Add(redis.Key(QuotaKeys.Counter(rule, id.Item2, id.Item3)));
                args.Add(rule.Limit);
                args.Add(rule.Action == QuotaAction.Reject ? 1 : 0);
                args.Add(QuotaKeys.LifetimeMs(rule, id.Item2, tally.NowMs));
            }

            indexes[e] = index;
        }

        // Runs: consecutive events with the same counters. Events no rule applies to are not sent.
        var ev = 0;
        while (ev < tally.EventCount)
        {
            var (first, length) = tally.EntriesOf(ev);
            if (length == 0)
            {
                ev++;
                continue;
            }

            var run = 1;
            while (ev + run < tally.EventCount && Same(indexes, tally, first, length, ev + run))
            {
                run++;
            }

            args.Add(run);
            args.Add(length);
            for (var e = first; e < first + length; e++)
            {
                args.Add(indexes[e]);
            }

            _runs.Add((ev, run));
            ev += run;
        }

        Keys = [.. keys];
        Args = [.. args];
    }

    public RedisKey[] Keys { get; }

    public RedisValue[] Args { get; }

    /// <summary>Records the script's answer in the tally; false when the epoch differed and nothing was counted.</summary>
    public bool Apply(RedisResult result)
    {
        var answer = (long[])result!;
        if (answer.Length == 1 && answer[0] == -1)
        {
            return false;
        }

        var at = 0;
        foreach (var (firstEvent, events) in _runs)
        {
            var passed = answer[at];
            var refusedAt = (int)answer[at + 1];
            var (first, length) = _tally.EntriesOf(firstEvent);
            var before = at + 2;
            at = before + length;
            for (var j = 0; j < events; j++)
            {
                var ev = firstEvent + j;
                if (j >= passed)
                {
                    _tally.Refuse(ev, refusedAt - 1);
                    continue;
                }

                var (entry, _) = _tally.EntriesOf(ev);
                for (var e = 0; e < length; e++)
                {
                    _tally.CountedShared(entry + e, answer[before + e] + j + 1);
                }
            }
        }

        if (at != answer.Length)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"quota-count.lua answered {answer.Length} numbers for {_runs.Count} runs"));
        }

        return true;
    }

    private static bool Same(int[] indexes, QuotaTally tally, int first, int length, int ev)
    {
        var (other, otherLength) = tally.EntriesOf(ev);
        return otherLength == length && indexes.AsSpan(first, length).SequenceEqual(indexes.AsSpan(other, length));
    }
}
