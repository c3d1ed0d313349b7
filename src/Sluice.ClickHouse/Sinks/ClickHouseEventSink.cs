using System.Buffers;
using System.Globalization;
using Sluice.Core.Events;
using Sluice.Storage.Sinks;

namespace Sluice.ClickHouse.Sinks;

/// <summary>
/// Ships every acknowledged event into ClickHouse through its own WAL cursor, one <c>INSERT … FORMAT JSONEachRow</c>
/// per kind and batch. Each insert is one block, which a MergeTree table keeps whole or not at all, and this node
/// writes its events in sequence order; so the highest <c>seq</c> of this node in a table tells exactly which events
/// that table holds. That mark is read before the first batch and after every failure (the insert may have been
/// taken and its answer lost), and events at or below it are not sent again: a reader sees each event once.
/// </summary>
internal sealed class ClickHouseEventSink(ClickHouseStore store, int batchEvents, int lingerMs) : IEventSink
{
    private readonly ClickHouseRows _encoder = new(store.Node);
    private readonly ArrayBufferWriter<byte>[] _bodies = [new(64 * 1024), new(64 * 1024)];
    private readonly long[] _marks = [-1, -1];

    public string Name => "clickhouse";

    public int MaxBatchEvents => batchEvents;

    public int LingerMs => lingerMs;

    public async ValueTask DeliverAsync(SinkBatch batch, CancellationToken cancel)
    {
        try
        {
            await store.EnsureSchemaAsync(cancel);
            for (var k = 0; k < ClickHouseSchema.Kinds.Length; k++)
            {
                if (_marks[k] < 0)
                {
                    _marks[k] = await ReadMarkAsync(ClickHouseSchema.Kinds[k], cancel);
                }
            }

            // Nothing is awaited between the first insert starting and the last: no insert can outlive this call
            // while its body buffer is reused.
            var inserts = new List<Task>(ClickHouseSchema.Kinds.Length);
            for (var k = 0; k < ClickHouseSchema.Kinds.Length; k++)
            {
                var (rows, last) = Encode(batch, ClickHouseSchema.Kinds[k], _marks[k], _bodies[k]);
                if (rows > 0)
                {
                    inserts.Add(InsertAsync(k, last, cancel));
                }
            }

            // The kinds' tables are independent (each insert all-or-nothing, each with its own mark), so both go at
            // once: ClickHouse parses and writes them on separate threads.
            await Task.WhenAll(inserts);
        }
        catch
        {
            // The insert may have been taken and only its answer lost: ask ClickHouse again before resending.
            _marks[0] = _marks[1] = -1;
            throw;
        }
        finally
        {
            foreach (var body in _bodies)
            {
                if (body.Capacity > 16 * 1024 * 1024)
                {
                    body.Clear(); // a huge batch's buffer is not kept
                }

                body.ResetWrittenCount();
            }
        }
    }

    private async Task InsertAsync(int k, long last, CancellationToken cancel)
    {
        var kind = ClickHouseSchema.Kinds[k];
        // Once: a failed insert may still have been stored, so it is resent only after the mark is read again.
        await store.Writer.ExecuteAsync($"INSERT INTO {store.WriteTable(kind)} FORMAT JSONEachRow", _bodies[k].WrittenMemory,
            ClickHouseDialect.InsertSettings, cancel, once: true);
        _marks[k] = last;
    }

    /// <summary>The highest sequence number of this node's events in the kind's table (0 when it holds none).</summary>
    internal async ValueTask<long> ReadMarkAsync(EventKind kind, CancellationToken cancel)
    {
        var answer = await store.Writer.QueryAsync(
            $"SELECT max(seq) FROM {store.WriteTable(kind)} WHERE {ClickHouseSchema.Node} = {ClickHouseDialect.Literal(store.Node)} FORMAT TabSeparated",
            cancel: cancel);
        return long.Parse(answer.AsSpan().Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture);
    }

    /// <summary>The kind's events past <paramref name="mark"/> as JSONEachRow lines: how many, and the last one's seq.</summary>
    private (int Rows, long Last) Encode(SinkBatch batch, EventKind kind, long mark, ArrayBufferWriter<byte> body)
    {
        body.ResetWrittenCount();
        var rows = batch.Rows.Span;
        var count = 0;
        var last = mark;
        for (var seq = batch.FirstSeq; seq <= batch.LastSeq; seq++)
        {
            var length = RowLayout.ReadLength(rows);
            var row = rows[..length];
            rows = rows[length..];
            if (seq <= mark || RowLayout.ReadKind(row) != kind)
            {
                continue;
            }

            _encoder.Write(body, row, seq);
            count++;
            last = seq;
        }

        return (count, last);
    }
}
