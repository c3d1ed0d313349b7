using System.Text;
using Sluice.Core.Events;

namespace Sluice.Tests.Support;

/// <summary>Builds encoded rows for storage and query tests.</summary>
public static class Rows
{
    public static byte[] Batch(IEnumerable<(string Id, long Timestamp, string? Trace, string Message)> events, string service = "svc", EventLevel level = EventLevel.Info)
    {
        using var batch = new EventBatchBuilder();
        foreach (var (id, ts, trace, message) in events)
        {
            batch.BeginRow();
            batch.WriteString(FieldTag.Id, Encoding.UTF8.GetBytes(id));
            batch.WriteString(FieldTag.Message, Encoding.UTF8.GetBytes(message));
            batch.WriteString(FieldTag.Service, Encoding.UTF8.GetBytes(service));
            if (trace is not null)
            {
                batch.WriteString(FieldTag.TraceId, Encoding.UTF8.GetBytes(trace));
            }

            batch.EndRow(ts, EventKind.Log, level);
        }

        return batch.Rows.ToArray();
    }

    public static byte[] Single(string id, long timestamp = 1000, string? trace = null, string message = "hello") =>
        Batch([(id, timestamp, trace, message)]);

    public static string Id(ReadOnlySpan<byte> row) =>
        RowReader.TryGetString(row, FieldTag.Id, out var id) ? Encoding.UTF8.GetString(id) : throw new InvalidOperationException("row has no id");
}

/// <summary>A WAL consumer that remembers every event id it was given, in order.</summary>
internal sealed class RecordingConsumer : Sluice.Storage.Wal.IWalConsumer
{
    public List<(long Seq, string Id)> Events { get; } = [];

    public void Apply(Sluice.Storage.Wal.WalRecord record)
    {
        var rows = record.Rows;
        var seq = record.FirstSeq;
        while (!rows.IsEmpty)
        {
            var length = RowLayout.ReadLength(rows);
            lock (Events)
            {
                Events.Add((seq++, Rows.Id(rows[..length])));
            }

            rows = rows[length..];
        }
    }
}

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sluice-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
