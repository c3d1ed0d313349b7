using System.Buffers;
using Sluice.Admission.Alerts;
using Sluice.Admission.Dedup;
using Sluice.Admission.Quotas;
using Sluice.Core.Errors;
using Sluice.Core.Events;

namespace Sluice.Admission;

/// <summary>
/// The admission decisions taken on a parsed batch before it is logged: duplicates are recognised, quotas refuse or
/// sample, and the volume monitor counts what arrived. Events let go — duplicates and sampled-out events — are
/// answered as accepted: the client must not send them again.
/// </summary>
/// <param name="counters">Where the quota counters live (this node's memory unless a shared store is configured).</param>
/// <param name="shared">The duplicate window the nodes share, after this node's own <paramref name="duplicates"/>; null for none.</param>
public sealed class BatchAdmission(QuotaBook quotas, IQuotaCounters counters, DuplicateFilter? duplicates, VolumeMonitor? volume, ISharedDuplicates? shared = null)
{
    /// <summary>Admission on this node alone: its own quota counters and duplicate window.</summary>
    public BatchAdmission(QuotaBook quotas, DuplicateFilter? duplicates, VolumeMonitor? volume)
        : this(quotas, LocalQuotaCounters.Exact, duplicates, volume)
    {
    }

    private volatile QuotaBook _quotas = quotas;

    /// <summary>The quota book new batches start with; a batch keeps the one it started with to the end.</summary>
    public QuotaBook Quotas => _quotas;

    /// <summary>Swaps in the book built for changed rules (<see cref="QuotaBook.Next"/>) between batches: batches under way finish on the old one.</summary>
    public void Use(QuotaBook next) => _quotas = next;

    public DuplicateFilter? Duplicates => duplicates;

    /// <summary>
    /// Decides every row of <paramref name="batch"/>. Returns null when a retry of the same events is still being
    /// stored by another request after <paramref name="maxWait"/> (the caller answers 503 and the client retries).
    /// </summary>
    public async ValueTask<AdmittedBatch?> AdmitAsync(EventBatchBuilder batch, RequestIdentity who, long nowMs, TimeSpan maxWait, CancellationToken cancel)
    {
        var count = batch.Count;
        var started = Environment.TickCount64;
        DedupClaim? claim = null;
        DedupKey[]? keys = null;
        if (duplicates is not null)
        {
            keys = ArrayPool<DedupKey>.Shared.Rent(count);
            FillKeys(batch, keys, duplicates.MatchContent);
            try
            {
                claim = await duplicates.ClaimAsync(keys, count, nowMs, maxWait, cancel);
            }
            catch
            {
                ArrayPool<DedupKey>.Shared.Return(keys);
                throw;
            }

            if (claim is null)
            {
                ArrayPool<DedupKey>.Shared.Return(keys);
                return null;
            }

            var left = maxWait - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (shared is not null && !await ClaimSharedAsync(claim, keys, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancel))
            {
                return null;
            }
        }

        // Read once: the whole batch is planned, counted and decided by one book even if the rules change meanwhile.
        var book = _quotas;
        var admitted = new AdmittedBatch(batch, claim, keys, book.IsEmpty ? null : book.Strata);
        try
        {
            if (book.IsEmpty || who.QuotaExempt)
            {
                Plan(book, admitted, batch, who, null, nowMs);
                return admitted;
            }

            using var tally = book.NewTally(nowMs, batch.Count);
            Plan(book, admitted, batch, who, tally, nowMs);
            await counters.CountAsync(tally, cancel);
            Decide(book, admitted, batch, who, tally, nowMs);
            return admitted;
        }
        catch
        {
            admitted.Dispose();
            throw;
        }
    }

    /// <summary>Claims the keys in the shared window too; when it answers no (or throws), gives back the local claim and the keys.</summary>
    private async ValueTask<bool> ClaimSharedAsync(DedupClaim claim, DedupKey[] keys, TimeSpan maxWait, CancellationToken cancel)
    {
        var claimed = false;
        try
        {
            claimed = await shared!.ClaimAsync(claim, maxWait, cancel);
            return claimed;
        }
        finally
        {
            if (!claimed)
            {
                claim.Dispose();
                ArrayPool<DedupKey>.Shared.Return(keys);
            }
        }
    }

    /// <summary>
    /// The first pass: duplicates are let go, arrivals counted for the volume monitor, and each other event's quota
    /// counters named in <paramref name="tally"/> (every event kept when there are no quotas).
    /// </summary>
    private void Plan(QuotaBook book, AdmittedBatch admitted, EventBatchBuilder batch, RequestIdentity who, QuotaTally? tally, long nowMs)
    {
        var rows = batch.Rows.Span;
        var volumes = new VolumeRuns(volume, nowMs);
        for (var i = 0; i < batch.Count; i++)
        {
            var length = RowLayout.ReadLength(rows);
            var row = rows[..length];
            rows = rows[length..];
            if (admitted.Claim?.IsDuplicate(i) == true)
            {
                admitted.Let(i, RowFate.Duplicate);
                continue;
            }

            var fields = RowFields.Read(row);
            volumes.Add(ref fields);
            if (tally is null)
            {
                admitted.Keep(i, 1);
            }
            else
            {
                book.Plan(tally, ref fields, who);
            }
        }

        volumes.Flush();
    }

    /// <summary>The second pass, once the batch is counted: each event not let go as a duplicate gets its quota decision.</summary>
    private void Decide(QuotaBook book, AdmittedBatch admitted, EventBatchBuilder batch, RequestIdentity who, QuotaTally tally, long nowMs)
    {
        var rows = batch.Rows.Span;
        var ev = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var length = RowLayout.ReadLength(rows);
            var row = rows[..length];
            rows = rows[length..];
            if (admitted.Claim?.IsDuplicate(i) == true)
            {
                continue;
            }

            var origin = batch.OriginOf(i);
            var decision = book.Decide(tally, ev++, who, row, origin);
            admitted.Remaining = Math.Min(admitted.Remaining, decision.Remaining);
            switch (decision.Outcome)
            {
                case QuotaOutcome.Refused:
                    var rule = book.Rules[decision.Rule];
                    admitted.Refuse(i, origin.SourceIndex, QuotaError(rule, nowMs), decision.RetryAfterSeconds);
                    break;
                case QuotaOutcome.SampledOut:
                    admitted.Let(i, RowFate.SampledOut, decision.Stratum);
                    break;
                default:
                    admitted.Keep(i, decision.Weight, decision.Stratum);
                    break;
            }
        }
    }

    private static FieldError QuotaError(QuotaRule rule, long nowMs)
    {
        var field = rule.Scope switch
        {
            QuotaScope.System => "system",
            QuotaScope.Trace => "trace_id",
            QuotaScope.Domain => "domain",
            _ => null,
        };
        var until = DateTimeOffset.FromUnixTimeMilliseconds(nowMs + (QuotaBook.RetryAfterSeconds(rule, nowMs) * 1000L));
        return new FieldError(ErrorCodes.QuotaExceeded, field, $"quota {rule.Name} is used up until {until:yyyy-MM-ddTHH:mm:ssZ}");
    }

    /// <summary>Id keys for events whose client named the id; content keys for those with only their own time.</summary>
    private static void FillKeys(EventBatchBuilder batch, DedupKey[] keys, bool matchContent)
    {
        var rows = batch.Rows.Span;
        for (var i = 0; i < batch.Count; i++)
        {
            var length = RowLayout.ReadLength(rows);
            var origin = batch.OriginOf(i);
            keys[i] = default;
            if ((origin.Flags & RowFlags.ClientId) != 0 && RowReader.TryGetString(rows[..length], FieldTag.Id, out var id))
            {
                keys[i] = DedupKey.OfId(id);
            }
            else if (matchContent && origin.ContentHash != 0)
            {
                keys[i] = new DedupKey(origin.ContentHash, true);
            }

            rows = rows[length..];
        }
    }

    /// <summary>Counts arrivals per scope for the volume monitor, one call per run of equal values rather than per event.</summary>
    private ref struct VolumeRuns(VolumeMonitor? monitor, long nowMs)
    {
        private long _total;
        private ReadOnlySpan<byte> _system;
        private long _systemRun;
        private ReadOnlySpan<byte> _domain;
        private long _domainRun;

        public void Add(ref RowFields fields)
        {
            if (monitor is null)
            {
                return;
            }

            _total++;
            Run("system", fields.System, ref _system, ref _systemRun);
            Run("domain", fields.Domain, ref _domain, ref _domainRun);
        }

        public void Flush()
        {
            if (monitor is null || _total == 0)
            {
                return;
            }

            monitor.Record("global", default, _total, nowMs);
            Run("system", default, ref _system, ref _systemRun);
            Run("domain", default, ref _domain, ref _domainRun);
        }

        private readonly void Run(string kind, ReadOnlySpan<byte> value, ref ReadOnlySpan<byte> current, ref long run)
        {
            if (run > 0 && value.SequenceEqual(current))
            {
                run++;
                return;
            }

            if (run > 0)
            {
                monitor!.Record(kind, current, run, nowMs);
            }

            current = value;
            run = value.IsEmpty ? 0 : 1;
        }
    }
}
