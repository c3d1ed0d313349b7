using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Storage.Partitions;

namespace Sluice.Tests.Query.Language;

/// <summary>Unsealed rows are copied with only the columns a statement reads; missing one would read NULL.</summary>
public sealed class ReferencedColumnsTests
{
    [Theory]
    [InlineData("SELECT count(*) FROM logs", "seq,timestamp,kind")]
    [InlineData("SELECT service, \"LEVEL\", min(time) FROM logs GROUP BY 1, 2", "seq,timestamp,kind,level,service")]
    [InlineData("SELECT json_extract_string(attributes, '$.region') AS r FROM traffic t WHERE t.status > 500", "seq,timestamp,kind,status,attributes")]
    [InlineData("SELECT * FROM logs", "*")]
    [InlineData("SELECT t.* FROM traffic t", "*")]
    [InlineData("SELECT l FROM logs l", "*")]
    [InlineData("SELECT to_json(x) FROM logs AS x", "*")]
    [InlineData("SELECT to_json(logs) FROM logs", "*")]
    [InlineData("SELECT to_json(x) FROM (FROM events) x", "*")]
    [InlineData("SELECT DISTINCT ON (service) * FROM events", "*")]
    [InlineData("SELECT m FROM events AS abs(a, b, c, d, m)", "*")]
    [InlineData("SELECT count(*) * 2 FROM logs", "*")]
    public void Custom_sql_marks_every_column_it_can_read(string sql, string expected) =>
        Assert.Equal(expected, Describe(ReferencedColumns.OfSql(SqlTokenizer.Read(sql))));

    [Theory]
    [InlineData("level:error | stats count() by service", "seq,timestamp,kind,level,service")]
    [InlineData("\"timeout\" region:eu | stats avg(risk) by (bin(5m))", "seq,timestamp,kind,message,risk,attributes")]
    [InlineData("| top 5 country", "seq,timestamp,kind,country")]
    public void Language_queries_mark_their_fields(string query, string expected) =>
        Assert.Equal(expected, Describe(ReferencedColumns.Of(QueryParser.Parse(query), returnsEvents: false)));

    private static string Describe(bool[] used) =>
        used.All(u => u) ? "*" : string.Join(",", PartSchema.ColumnNames.Where((_, i) => used[i]));
}
