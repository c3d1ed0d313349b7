using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Events;
using Sluice.Core.IO;
using Sluice.Core.Options;
using Sluice.Storage;
using Sluice.Storage.Partitions;
using Sluice.Tests.Support;

namespace Sluice.Tests.Storage;

/// <summary>
/// A sealed part reads back, through the engine, exactly the rows it was given — every canonical field, nulls where a
/// row had none, attributes as the same JSON object — in the column types parts have always had (the writer changed
/// from Parquet.Net to Arrow's C++ writer; old and new parts are read side by side).
/// </summary>
public sealed class PartWriterTests
{
    private const long Hour = 1_767_225_600_000; // 2026-01-01T00:00Z

    [Fact]
    public async Task Parts_read_back_every_value_of_their_rows_across_row_groups()
    {
        using var dir = new TempDirectory();
        using var store = new EventStore(new SluiceOptions { DataDir = dir.Path }, DataDirectory.Open(dir.Path), Sluice.Core.Time.SystemClock.Instance, NullLogger.Instance);
        store.Recover();
        var expected = Enumerable.Range(0, (PartFileWriter.RowGroupRows * 2) + 1234).Select(Expected).ToList();
        foreach (var chunk in expected.Chunk(5000))
        {
            using var batch = new EventBatchBuilder();
            foreach (var e in chunk)
            {
                e.WriteTo(batch);
            }

            await store.AppendAsync(batch.Rows.ToArray(), chunk.Length);
        }

        await store.Worker.FlushAsync();
        var parts = store.Catalog.Current.Parts.Select(p => p.Path).ToList();
        Assert.Equal(2, parts.Count); // one part per kind of the hour
        var files = $"read_parquet([{string.Join(", ", parts.Select(Sluice.Storage.Engine.DuckDbEngine.Literal))}])";

        using var connection = store.Engine.Rent();
        using (var describe = connection.Command($"DESCRIBE SELECT * FROM {files}"))
        using (var types = describe.ExecuteReader())
        {
            var columns = new List<(string, string)>();
            while (types.Read())
            {
                columns.Add((types.GetString(0), types.GetString(1)));
            }

            Assert.Equal(PartSchema.ColumnNames.Select(c => (c, SqlType(c))), columns);
        }

        // The rows below went through the encodings the writer picks per column, not only its defaults.
        foreach (var part in parts)
        {
            Assert.Contains(ParquetSharp.Encoding.DeltaLengthByteArray, ColumnEncodings(part, "span_id"));
            Assert.Contains(ParquetSharp.Encoding.DeltaBinaryPacked, ColumnEncodings(part, "seq"));
            Assert.Contains(ParquetSharp.Encoding.DeltaByteArray, ColumnEncodings(part, "id"));
        }

        AssertRowsAre(connection, files, expected);

        // Each row group's text index covers its run of sequence numbers, and only the run holding a word admits it.
        var log = store.Catalog.Current.Parts.Single(p => p.Kind == EventKind.Log);
        var blocks = store.PartStats.Get(log).TextBlocks;
        Assert.True(blocks.Count >= 2, $"{blocks.Count} runs");
        Assert.Equal(log.MinSeq, blocks[0].MinSeq);
        Assert.Equal(log.MaxSeq, blocks[^1].MaxSeq);
        var word = TextTrigrams.NeedleCodes("quokka-sighting")!;
        var holder = blocks.Single(b => b.MinSeq <= QuokkaSeq && QuokkaSeq <= b.MaxSeq);
        Assert.True(holder.Text!.MayContain(word));
        Assert.All(blocks.Where(b => b != holder), b => Assert.False(b.Text!.MayContain(word)));
        Assert.True(store.PartStats.Get(log).Text!.MayContain(word));
    }

    /// <summary>
    /// Seals reuse their column buffers from part to part: a part of sparse rows written after a part of full ones
    /// must not inherit a value, a null mark or an attribute from it.
    /// </summary>
    [Fact]
    public async Task A_part_written_after_another_carries_nothing_over_from_it()
    {
        using var dir = new TempDirectory();
        using var store = new EventStore(new SluiceOptions { DataDir = dir.Path }, DataDirectory.Open(dir.Path), Sluice.Core.Time.SystemClock.Instance, NullLogger.Instance);
        store.Recover();
        var full = Enumerable.Range(0, PartFileWriter.RowGroupRows + 100).Select(Expected).ToList();
        var sparse = Enumerable.Range(0, 3000).Select(i => new ExpectedEvent(Hour + 3_600_000 + i, i % 2 == 0, EventLevel.Info,
            new Dictionary<string, string?> { ["message"] = i % 10 == 0 ? null : $"m{i}" }, [])).ToList();
        foreach (var round in new[] { full, sparse })
        {
            foreach (var chunk in round.Chunk(5000))
            {
                using var batch = new EventBatchBuilder();
                foreach (var e in chunk)
                {
                    e.WriteTo(batch);
                }

                await store.AppendAsync(batch.Rows.ToArray(), chunk.Length);
            }

            await store.Worker.FlushAsync();
        }

        var files = $"read_parquet([{string.Join(", ", store.Catalog.Current.Parts.Select(p => Sluice.Storage.Engine.DuckDbEngine.Literal(p.Path)))}])";
        using var connection = store.Engine.Rent();
        AssertRowsAre(connection, files, [.. full, .. sparse]);
    }

    /// <summary>The parts' rows, in seq order, are <paramref name="expected"/>: every field, null where absent, and the attributes.</summary>
    private static void AssertRowsAre(Sluice.Storage.Engine.DuckDbEngine.Connection connection, string files, List<ExpectedEvent> expected)
    {
        using var command = connection.Command($"SELECT * FROM {files} ORDER BY seq");
        using var reader = command.ExecuteReader();
        var index = 0;
        while (reader.Read())
        {
            var e = expected[index++];
            Assert.Equal(index, reader.GetInt64(0)); // seq: the WAL counts from 1, in append order
            Assert.Equal(e.Timestamp, reader.GetInt64(1));
            Assert.Equal(e.Traffic ? "traffic" : "log", reader.GetString(2));
            Assert.Equal(Levels.Name(e.Level), reader.GetString(3));
            for (var c = 4; c < PartSchema.ColumnNames.Length - 1; c++)
            {
                var name = PartSchema.ColumnNames[c];
                var actual = reader.IsDBNull(c) ? null : Convert.ToString(reader.GetValue(c), CultureInfo.InvariantCulture);
                Assert.True(e.Fields.GetValueOrDefault(name) == actual, $"row {index - 1}, {name}: expected '{e.Fields.GetValueOrDefault(name)}', read '{actual}'");
            }

            var attributes = reader.IsDBNull(PartSchema.ColumnNames.Length - 1) ? null : reader.GetString(PartSchema.ColumnNames.Length - 1);
            if (e.Attributes.Count == 0)
            {
                Assert.Null(attributes);
            }
            else
            {
                Assert.Equal(e.Attributes, JsonSerializer.Deserialize<Dictionary<string, string>>(attributes!));
            }
        }

        Assert.Equal(expected.Count, index);
    }

    /// <summary>The WAL sequence number of the one event whose message holds "quokka-sighting" (seq counts from 1).</summary>
    private const long QuokkaSeq = 40_001;

    /// <summary>The encodings of a column's chunk in a part's first row group, as its metadata lists them.</summary>
    private static ParquetSharp.Encoding[] ColumnEncodings(string path, string column)
    {
        using var file = new ParquetSharp.ParquetFileReader(path);
        using var metadata = file.FileMetaData;
        using var group = file.RowGroup(0);
        return group.MetaData.GetColumnChunkMetaData(Array.IndexOf(PartSchema.ColumnNames, column)).Encodings;
    }

    private static string SqlType(string column) => column switch
    {
        "seq" or "timestamp" => "BIGINT",
        "kind" or "level" or "attributes" => "VARCHAR",
        _ => PartSchema.Fields.Single(f => f.Name == column).Type switch
        {
            FieldType.Integer => "BIGINT",
            FieldType.Boolean => "BOOLEAN",
            _ => "VARCHAR",
        },
    };

    /// <summary>Event i: a log or a traffic event, with each optional field present on some rows only.</summary>
    private static ExpectedEvent Expected(int i)
    {
        var traffic = i % 3 == 0;
        var fields = new Dictionary<string, string?>
        {
            ["id"] = $"01K{i:D23}",
            ["message"] = i == QuokkaSeq - 1 ? "a quokka-sighting here" : i % 7 == 0 ? $"naïve \"quoted\" \\ line\nnext {i} ✓" : $"request {i} done",
            ["service"] = $"svc-{i % 5}",
            ["trace_id"] = i % 4 == 0 ? null : $"{i / 20:x32}",
            ["span_id"] = i % 10 == 3 ? null : $"{(ulong)i * 0x9E3779B97F4A7C15UL:x16}",
            ["request_id"] = i % 3 == 1 ? $"req-{i}" : null,
            ["session_id"] = i % 13 == 0 ? "" : i % 2 == 0 ? $"sess-{i % 700}" : null,
            ["user_id"] = i % 5 == 2 ? null : $"usér-{i % 300}-ß",
            ["url"] = i % 6 == 0 ? $"https://example.com/p?q={i}&ü=✓" : null,
        };
        if (traffic)
        {
            fields["status"] = (200 + (i % 4)).ToString(CultureInfo.InvariantCulture);
            fields["domain"] = $"shop{i % 3}.example";
            fields["ad_click"] = i % 2 == 0 ? "True" : null;
            fields["risk"] = i % 5 == 0 ? null : (i % 100).ToString(CultureInfo.InvariantCulture);
            fields["ip_hash"] = i % 7 == 0 ? null : $"{(ulong)(i % 997) * 0xBF58476D1CE4E5B9UL:x16}";
        }
        else
        {
            fields["host"] = i % 6 == 1 ? null : "host-" + (i % 9);
            fields["priority"] = i % 8 == 1 ? "-3" : null;
            fields["stack_trace"] = i % 11 == 0 ? new string('x', 5000 + i % 100) : null;
        }

        var attributes = new Dictionary<string, string>();
        if (i % 2 == 1)
        {
            attributes["region"] = i % 4 == 1 ? "eu-west" : "us-east";
            attributes["note \"q\""] = i % 9 == 1 ? "ünïcödé <tag> & 😀" : "plain";
        }

        return new ExpectedEvent(Hour + (i * 7L), traffic, (EventLevel)(i % 5), fields, attributes);
    }

    private sealed record ExpectedEvent(long Timestamp, bool Traffic, EventLevel Level, Dictionary<string, string?> Fields, Dictionary<string, string> Attributes)
    {
        public void WriteTo(EventBatchBuilder batch)
        {
            batch.BeginRow();
            foreach (var (name, value) in Fields)
            {
                if (value is null)
                {
                    continue;
                }

                var field = PartSchema.Fields.Single(f => f.Name == name);
                switch (field.Type)
                {
                    case FieldType.Integer: batch.WriteInteger(field.Tag, long.Parse(value, CultureInfo.InvariantCulture)); break;
                    case FieldType.Boolean: batch.WriteBoolean(field.Tag, value == "True"); break;
                    default: batch.WriteString(field.Tag, Encoding.UTF8.GetBytes(value)); break;
                }
            }

            foreach (var (key, value) in Attributes)
            {
                batch.WriteAttribute(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            }

            batch.EndRow(Timestamp, Traffic ? EventKind.Traffic : EventKind.Log, Level);
        }
    }
}
