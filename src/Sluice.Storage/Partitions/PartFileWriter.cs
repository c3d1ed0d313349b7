using System.Collections.Concurrent;
using ParquetSharp;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Storage.Hot;
using Sluice.Storage.Summaries;

namespace Sluice.Storage.Partitions;

/// <summary>
/// Writes hot rows of one (kind, hour) as a Parquet part plus its stats file, durably: the stats first, then the
/// part through a temp file that is fsynced and renamed. Rows stay in WAL order: timestamps, sequence numbers and
/// time-sortable ids then delta-encode well, which on the standard dataset beat sorting by service (31.3 against
/// 35.6 bytes per event) and saved the sort (docs/benchmarks.md).
/// The writer is Apache Arrow's C++ Parquet writer through ParquetSharp, fed column batches of UTF-8 straight from
/// the rows: the managed writer it replaced needed a .NET string per value and spent ~60 % of sealing in its own
/// page and stream copies (docs/benchmarks.md, issue 14).
/// </summary>
internal static class PartFileWriter
{
    /// <summary>
    /// Rows per row group: the layout compaction writes too (a trace or a minute reads one group of an hour), and the
    /// most rows the column buffers hold at once.
    /// </summary>
    public const int RowGroupRows = 32_768;

    public static PartInfo Write(string path, EventKind kind, long hourStart, ArraySegment<RowRef> rows)
    {
        var summary = new PartSummary();
        var detail = new SummaryDetail(hourStart);
        var traces = new Dictionary<ulong, (uint First, uint Last)>(rows.Count / 8);
        long raw = 0, minSeq = long.MaxValue, maxSeq = long.MinValue, minTs = long.MaxValue, maxTs = long.MinValue;
        AtomicFile.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + AtomicFile.TempSuffix;
        TextTrigrams? text;
        List<TextBlock> blocks;
        try
        {
            using (var schema = PartSchema.Build())
            using (var properties = PartSchema.WriterProperties())
            using (var file = new ParquetFileWriter(temp, schema, properties))
            {
                var columns = PartColumns.Rent();
                foreach (var row in rows)
                {
                    ref readonly var entry = ref row.Entry;
                    var bytes = row.Bytes;
                    columns.Add(bytes, entry.Seq, out var traceId);
                    summary.Add(bytes);
                    detail.Add(bytes);
                    raw += bytes.Length;
                    if (!traceId.IsEmpty)
                    {
                        var hash = FieldHash.Of64(traceId);
                        var offset = (uint)(entry.Timestamp - hourStart);
                        traces[hash] = traces.TryGetValue(hash, out var span) ? (Math.Min(span.First, offset), Math.Max(span.Last, offset)) : (offset, offset);
                    }

                    minSeq = Math.Min(minSeq, entry.Seq);
                    maxSeq = Math.Max(maxSeq, entry.Seq);
                    minTs = Math.Min(minTs, entry.Timestamp);
                    maxTs = Math.Max(maxTs, entry.Timestamp);
                    if (columns.IsFull)
                    {
                        columns.WriteRowGroup(file);
                    }
                }

                if (columns.Count > 0)
                {
                    columns.WriteRowGroup(file);
                }

                file.Close();
                (text, blocks) = columns.TextIndex();
                // Only a part written whole gives its buffers back: a failure may leave rows in them.
                PartColumns.Return(columns);
            }

            PartStats.Create(summary, traces, text, blocks, detail).Write(PartInfo.StatsPathOf(path));
            AtomicFile.Publish(temp, path);
        }
        catch (Exception e)
        {
            // A full disk fails here: nothing of the part may stay behind (the WAL still holds its events).
            AtomicFile.Discard(temp, PartInfo.StatsPathOf(path));
            if (e is ParquetException native)
            {
                throw NativeWriteFailure(native);
            }

            throw;
        }

        return new PartInfo
        {
            Path = path,
            Kind = kind,
            HourStart = hourStart,
            Rows = rows.Count,
            RawBytes = raw,
            Bytes = new FileInfo(path).Length + new FileInfo(PartInfo.StatsPathOf(path)).Length,
            MinSeq = minSeq,
            MaxSeq = maxSeq,
            MinTimestamp = minTs,
            MaxTimestamp = maxTs,
        };
    }

    /// <summary>
    /// Arrow reports a failed write as text ("IOError: … [errno 28] No space left on device"); it becomes the
    /// IOException with that error number that the rest of the server knows (a full disk answers 507, not 500).
    /// </summary>
    private static IOException NativeWriteFailure(ParquetException e)
    {
        var match = System.Text.RegularExpressions.Regex.Match(e.Message, @"\[errno (\d+)\]");
        var errno = match.Success && int.TryParse(match.Groups[1].ValueSpan, out var n) ? n : 5; // EIO
        return new IOException($"writing a part failed: {e.Message}", e) { HResult = errno };
    }

    /// <summary>
    /// The columns of one row group, filled row by row from the stored row format. Kept between parts (one per
    /// core that seals at once), so a seal allocates no column buffers.
    /// </summary>
    private sealed class PartColumns : IDisposable
    {
        private static readonly ConcurrentBag<PartColumns> Idle = [];
        private readonly long[] _seq, _timestamp;
        private readonly ByteArray[] _pointers;
        private readonly Utf8ColumnBuffer _kind, _level, _attributes;
        private readonly object[] _fields;
        private readonly AttributeJson _json = new();
        // The trigrams of one row group's messages; on each group's write they make that group's TextBlock and go
        // on into the part's.
        private readonly TextTrigrams.Builder _groupText = new(), _partText = new();
        private List<TextBlock> _blocks = [];
        private int _count;

        private PartColumns(int rows)
        {
            _pointers = new ByteArray[rows];
            _seq = new long[rows];
            _timestamp = new long[rows];
            _kind = new Utf8ColumnBuffer(rows, required: true);
            _level = new Utf8ColumnBuffer(rows, required: true);
            _attributes = new Utf8ColumnBuffer(rows, required: false);
            _fields = [.. PartSchema.Fields.Select(field => field.Type switch
            {
                FieldType.Integer => (object)new ValueColumnBuffer<long>(rows),
                FieldType.Boolean => new ValueColumnBuffer<bool>(rows),
                _ => new Utf8ColumnBuffer(rows, required: false),
            })];
        }

        public int Count => _count;

        public static PartColumns Rent() => Idle.TryTake(out var columns) ? columns : new PartColumns(RowGroupRows);

        /// <summary>Keeps <paramref name="columns"/> for the next part, or frees it when as many as there are cores are kept.</summary>
        public static void Return(PartColumns columns)
        {
            if (columns._count == 0 && Idle.Count < Environment.ProcessorCount)
            {
                Idle.Add(columns);
            }
            else
            {
                columns.Dispose();
            }
        }

        /// <summary>The text index of the part and of each row group written (call once, after the last group); empties both.</summary>
        public (TextTrigrams? Part, List<TextBlock> Groups) TextIndex()
        {
            var groups = _blocks;
            _blocks = [];
            return (_partText.Build(), groups);
        }

        public void Dispose()
        {
            _groupText.Dispose();
            _partText.Dispose();
        }

        public bool IsFull => _count == _seq.Length;

        public void Add(ReadOnlySpan<byte> row, long seq, out ReadOnlySpan<byte> traceId)
        {
            var i = _count++;
            traceId = default;
            _seq[i] = seq;
            var reader = new RowReader(row);
            _timestamp[i] = reader.Timestamp;
            _kind.Set(i, PartSchema.KindUtf8(reader.Kind));
            _level.Set(i, Levels.Utf8Name(reader.Level));
            while (reader.MoveNext())
            {
                if (reader.Tag == FieldTag.Attribute)
                {
                    _json.Add(reader.Key, reader.Value);
                    continue;
                }

                if (reader.Tag == FieldTag.TraceId)
                {
                    traceId = reader.Value;
                }
                else if (reader.Tag == FieldTag.Message)
                {
                    _groupText.Add(reader.Value);
                }

                switch (_fields[ColumnOfTag[(int)reader.Tag]])
                {
                    case ValueColumnBuffer<long> numbers: numbers.Set(i, reader.Integer); break;
                    case ValueColumnBuffer<bool> flags: flags.Set(i, reader.Integer != 0); break;
                    case Utf8ColumnBuffer texts: texts.Set(i, reader.Value); break;
                }
            }

            if (_json.TryFinish(out var attributes))
            {
                _attributes.Set(i, attributes);
            }
        }

        /// <summary>Writes the buffered rows as one row group, columns in schema order, and empties the buffers.</summary>
        public void WriteRowGroup(ParquetFileWriter file)
        {
            var n = _count;
            var (first, last) = (long.MaxValue, long.MinValue);
            foreach (var seq in _seq.AsSpan(0, n))
            {
                (first, last) = (Math.Min(first, seq), Math.Max(last, seq));
            }

            _blocks.Add(new TextBlock(first, last, _groupText.Build(into: _partText)));
            using var group = file.AppendRowGroup();
            using (var column = group.NextColumn())
            {
                ((ColumnWriter<long>)column).WriteBatch(_seq.AsSpan(0, n));
            }

            using (var column = group.NextColumn())
            {
                ((ColumnWriter<long>)column).WriteBatch(_timestamp.AsSpan(0, n));
            }

            using (var column = group.NextColumn())
            {
                _kind.Write(column, n, _pointers);
            }

            using (var column = group.NextColumn())
            {
                _level.Write(column, n, _pointers);
            }

            foreach (var field in _fields)
            {
                using var column = group.NextColumn();
                switch (field)
                {
                    case ValueColumnBuffer<long> numbers: numbers.Write(column, n); break;
                    case ValueColumnBuffer<bool> flags: flags.Write(column, n); break;
                    case Utf8ColumnBuffer texts: texts.Write(column, n, _pointers); break;
                }
            }

            using (var column = group.NextColumn())
            {
                _attributes.Write(column, n, _pointers);
            }

            group.Close();
            _count = 0;
        }

        private static readonly int[] ColumnOfTag = BuildColumnOfTag();

        private static int[] BuildColumnOfTag()
        {
            var map = new int[(int)FieldTag.Attribute];
            for (var i = 0; i < PartSchema.Fields.Length; i++)
            {
                map[(int)PartSchema.Fields[i].Tag] = i;
            }

            return map;
        }
    }
}
