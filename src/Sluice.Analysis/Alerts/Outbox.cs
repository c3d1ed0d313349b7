using System.Text.Json;
using Sluice.Core.IO;

namespace Sluice.Analysis.Alerts;

/// <summary>
/// Deliveries not yet acknowledged, in <c>meta/alert-outbox.json</c>, written (temp + rename) at every change: a
/// notification survives a restart until its receiver has taken it, and once acknowledged it is gone for good.
/// </summary>
internal sealed class Outbox
{
    /// <summary>
    /// Deliveries kept at most; past it the oldest is dropped and counted in <see cref="Dropped"/>. A receiver down for
    /// days must not grow the file (rewritten at every change) without end; the alerts stay in the history.
    /// </summary>
    public const int MaxPending = 2_000;

    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly List<Delivery> _pending = [];
    private long _nextSeq = 1;

    public Outbox(string path)
    {
        _path = path;
        if (File.Exists(path))
        {
            var file = JsonSerializer.Deserialize<OutboxFile>(File.ReadAllBytes(path), AnalysisJson.Options)
                ?? throw new InvalidDataException($"{path} is empty");
            _pending.AddRange(file.Deliveries.OrderBy(d => d.Seq));
            _nextSeq = file.NextSeq;
        }
    }

    /// <summary>Deliveries dropped since start because <see cref="MaxPending"/> were waiting.</summary>
    public long Dropped { get; private set; }

    /// <summary>Raised after deliveries are added, so the sender wakes up.</summary>
    public event Action? Added;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    public void Add(Notification notification, IEnumerable<ChannelSpec> channels, long nowMs)
    {
        lock (_lock)
        {
            var i = 0;
            foreach (var channel in channels)
            {
                _pending.Add(new Delivery(_nextSeq++, $"{notification.Id}-{notification.State}-{notification.AtMs}-{i++}", channel.Type, channel.Url, notification, nowMs));
            }

            if (_pending.Count > MaxPending)
            {
                Dropped += _pending.Count - MaxPending;
                _pending.RemoveRange(0, _pending.Count - MaxPending);
            }

            Save();
        }

        Added?.Invoke();
    }

    public IReadOnlyList<Delivery> Pending()
    {
        lock (_lock)
        {
            return [.. _pending];
        }
    }

    /// <summary>The receiver took it (or refused it for good): it leaves the outbox.</summary>
    public void Remove(long seq)
    {
        lock (_lock)
        {
            _pending.RemoveAll(d => d.Seq == seq);
            Save();
        }
    }

    public void Failed(Delivery delivery, string error)
    {
        lock (_lock)
        {
            delivery.Attempts++;
            delivery.LastError = error;
            Save();
        }
    }

    private void Save() => AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(new OutboxFile(1, _nextSeq, _pending), AnalysisJson.Options));

    private sealed record OutboxFile(int Version, long NextSeq, List<Delivery> Deliveries);
}
