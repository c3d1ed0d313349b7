using Sluice.Query.Analytics;
using Sluice.Query.Language;
using Sluice.Storage.Partitions;

namespace Sluice.Tests.Query.Language;

/// <summary>Unsealed rows are copied with only the columns a statement reads; missing one would read NULL.</summary>
public sealed class ReferencedColumnsTests
{
    [Theory]
    [InlineData("level:error | stats count() by service", "seq,timestamp,kind,level,service,sample_weight")]
    [InlineData("\"timeout\" region:eu | stats avg(risk) by (bin(5m))", "seq,timestamp,kind,message,risk,sample_weight,attributes")]
    [InlineData("| top 5 country", "seq,timestamp,kind,country,sample_weight")]
    public void Language_queries_mark_their_fields(string query, string expected) =>
        Assert.Equal(expected, Describe(ReferencedColumns.Of(QueryParser.Parse(query), returnsEvents: false)));

    private static string Describe(bool[] used) =>
        used.All(u => u) ? "*" : string.Join(",", PartSchema.ColumnNames.Where((_, i) => used[i]));
}
