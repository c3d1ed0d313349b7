namespace Sluice.Server.Tests.Support;

/// <summary>
/// A test against the real ClickHouse that scripts/test.sh starts and names in <c>SLUICE_TEST_CLICKHOUSE</c> (its HTTP
/// interface). Without the variable (a plain <c>dotnet test</c>) the test is skipped and says why; with it, a
/// ClickHouse that does not answer fails the test. Tests keep apart by a database of their own (<see cref="NewDatabase"/>).
/// </summary>
public sealed class ClickHouseFactAttribute : FactAttribute
{
    public const string Variable = "SLUICE_TEST_CLICKHOUSE";

    public ClickHouseFactAttribute()
    {
        if (Url is null)
        {
            Skip = $"{Variable} is not set: scripts/test.sh starts Debian's clickhouse-server and sets it";
        }
    }

    public static string? Url => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url ? url : null;

    /// <summary>A database name no other test uses.</summary>
    public static string NewDatabase() => "t" + Guid.NewGuid().ToString("N")[..12];
}
