namespace Sluice.Server.Tests.Support;

/// <summary>A theory against the real ClickHouse: skipped, as <see cref="ClickHouseFactAttribute"/> is, without <c>SLUICE_TEST_CLICKHOUSE</c>.</summary>
public sealed class ClickHouseTheoryAttribute : TheoryAttribute
{
    public ClickHouseTheoryAttribute()
    {
        if (ClickHouseFactAttribute.Url is null)
        {
            Skip = $"{ClickHouseFactAttribute.Variable} is not set: scripts/test.sh starts Debian's clickhouse-server and sets it";
        }
    }
}
