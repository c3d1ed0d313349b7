using Sluice.Core.Options;
using Sluice.Storage.Engine;
using Sluice.Storage.Partitions;

namespace Sluice.Tests.Storage;

/// <summary>Parts written before a field existed stay readable: the missing column reads as NULL.</summary>
public sealed class PartFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sluice-partfiles-" + Guid.NewGuid().ToString("N"));
    private readonly DuckDbEngine _engine = new(new StorageOptions());

    public PartFilesTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public void A_part_without_sample_weight_reads_alone_and_beside_a_current_one()
    {
        var legacy = Write("legacy.parquet", withWeight: false, rows: 3);
        var current = Write("current.parquet", withWeight: true, rows: 2);
        Assert.Equal(["sample_weight"], PartFiles.MissingColumns(legacy));
        Assert.Empty(PartFiles.MissingColumns(current));

        Assert.Equal((3L, 3L), CountAndWeight([legacy]));
        Assert.Equal((5L, 3L + (2 * 7)), CountAndWeight([legacy, current]));
        Assert.Equal((2L, 14L), CountAndWeight([current]));
    }

    public void Dispose()
    {
        _engine.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (long Rows, long Weight) CountAndWeight(string[] paths)
    {
        using var connection = _engine.Rent();
        using var command = connection.Command($"SELECT count(*), CAST(sum(COALESCE(sample_weight, 1)) AS BIGINT) FROM {PartFiles.ReadExpression(paths)} WHERE level = 'info'");
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A part with every current column, or with every column but <c>sample_weight</c> (as older versions wrote).</summary>
    private string Write(string name, bool withWeight, int rows)
    {
        var path = Path.Combine(_dir, name);
        var columns = PartSchema.ColumnNames.Where(c => withWeight || c != "sample_weight").Select(c => c switch
        {
            "seq" => "CAST(i AS BIGINT) AS seq",
            "timestamp" => "CAST(1000 + i AS BIGINT) AS \"timestamp\"",
            "kind" => "'log' AS kind",
            "level" => "'info' AS level",
            "sample_weight" => "CAST(7 AS BIGINT) AS sample_weight",
            "status" or "priority" or "risk" => $"CAST(NULL AS BIGINT) AS {c}",
            "ad_click" => "CAST(NULL AS BOOLEAN) AS ad_click",
            _ => $"CAST(NULL AS VARCHAR) AS \"{c}\"",
        });
        using var connection = _engine.Rent();
        using var command = connection.Command($"COPY (SELECT {string.Join(", ", columns)} FROM range({rows}) t(i)) TO {DuckDbEngine.Literal(path)} (FORMAT parquet)");
        command.ExecuteNonQuery();
        return path;
    }
}
