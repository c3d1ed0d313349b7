using System.Buffers;
using Sluice.Admission.Dedup;
using Sluice.Core.Errors;
using Sluice.Core.Events;

namespace Sluice.Admission;

/// <summary>What happens to one parsed event at admission.</summary>
public enum RowFate : byte
{
    Stored,
    Duplicate,
    SampledOut,
    Refused,
}

/// <summary>
/// The outcome of admitting one batch: the rows to log (the parsed batch itself when nothing changed), the events
/// let go and refused, and the duplicate claim to settle. <see cref="Commit"/> after the rows are durable;
/// disposing without it gives the claimed keys back so a retry is stored.
/// </summary>
public sealed class AdmittedBatch : IDisposable
{
    private readonly EventBatchBuilder _parsed;
    private readonly RowFate[] _fates;
    private readonly long[] _weights;
    private readonly DedupKey[]? _keys;
    private readonly Quotas.SampleStrata? _strata;
    private EventBatchBuilder? _compacted;
    private Quotas.SamplingJournal? _journal;
    private bool _changed;
    private bool _committed;

    internal AdmittedBatch(EventBatchBuilder parsed, DedupClaim? claim, DedupKey[]? keys, Quotas.SampleStrata? strata)
    {
        _parsed = parsed;
        _strata = strata;
        Claim = claim;
        _keys = keys;
        _fates = ArrayPool<RowFate>.Shared.Rent(Math.Max(1, parsed.Count));
        _weights = ArrayPool<long>.Shared.Rent(Math.Max(1, parsed.Count));
    }

    internal DedupClaim? Claim { get; }

    public int Duplicates { get; private set; }

    public int SampledOut { get; private set; }

    /// <summary>Whether a row to log carries a weight above 1.</summary>
    public bool HasWeights { get; private set; }

    /// <summary>Events refused by a quota, by their index in the request, with the error to report.</summary>
    public List<(int Index, FieldError Error)> Refused { get; } = [];

    /// <summary>Seconds until the longest-lasting refusing quota window ends (0 when none refused).</summary>
    public int RetryAfterSeconds { get; private set; }

    /// <summary>Events the tightest quota still allows; long.MaxValue when no quota applied.</summary>
    public long Remaining { get; internal set; } = long.MaxValue;

    /// <summary>The rows to log: every stored event, sampled ones carrying their weight.</summary>
    public EventBatchBuilder Rows => _changed ? _compacted ??= Compact() : _parsed;

    internal void Keep(int row, long weight, ulong stratum = 0)
    {
        _fates[row] = RowFate.Stored;
        _weights[row] = weight;
        _changed |= weight != 1;
        HasWeights |= weight > 1;
        if (stratum != 0)
        {
            (_journal ??= new()).Kept(stratum, weight);
        }
    }

    internal void Let(int row, RowFate fate, ulong stratum = 0)
    {
        if (stratum != 0)
        {
            (_journal ??= new()).LetGo(stratum);
        }

        _fates[row] = fate;
        _changed = true;
        if (fate == RowFate.Duplicate)
        {
            Duplicates++;
        }
        else
        {
            SampledOut++;
        }
    }

    internal void Refuse(int row, int sourceIndex, FieldError error, int retryAfterSeconds)
    {
        _fates[row] = RowFate.Refused;
        _changed = true;
        Refused.Add((sourceIndex, error));
        RetryAfterSeconds = Math.Max(RetryAfterSeconds, retryAfterSeconds);
    }

    /// <summary>The rows are durable: stored and sampled-out events are remembered as seen, refused ones are not.</summary>
    public void Commit()
    {
        _committed = true;
        Claim?.Commit(row => _fates[row] is RowFate.Stored or RowFate.SampledOut);
    }

    /// <summary>Without <see cref="Commit"/>, gives back the claimed keys and undoes the sampling counts.</summary>
    public void Dispose()
    {
        if (!_committed && _journal is not null)
        {
            _strata?.Rollback(_journal);
            _journal = null;
        }

        Claim?.Dispose();
        if (_keys is not null)
        {
            ArrayPool<DedupKey>.Shared.Return(_keys);
        }

        ArrayPool<RowFate>.Shared.Return(_fates);
        ArrayPool<long>.Shared.Return(_weights);
        _compacted?.Dispose();
    }

    private EventBatchBuilder Compact()
    {
        var compacted = new EventBatchBuilder(_parsed.RowBytes + 1024);
        var rows = _parsed.Rows.Span;
        for (var i = 0; i < _parsed.Count; i++)
        {
            var length = RowLayout.ReadLength(rows);
            if (_fates[i] == RowFate.Stored)
            {
                compacted.AppendRow(rows[..length], _parsed.OriginOf(i), _weights[i]);
            }

            rows = rows[length..];
        }

        return compacted;
    }
}
