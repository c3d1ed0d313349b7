namespace Sluice.Server.Tests.Chaos;

/// <summary>
/// How long each fault of seed 002's matrix lasts: a few seconds in CI, the seed's own durations with
/// <c>SLUICE_CHAOS_FULL=1</c> (ClickHouse down 5 min, Redis down 30 s, archive denied 1 h, a node cut off 30 min).
/// </summary>
internal static class ChaosDurations
{
    public const string Variable = "SLUICE_CHAOS_FULL";

    public static bool Full => Environment.GetEnvironmentVariable(Variable) == "1";

    public static TimeSpan ClickHouseDown => Full ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(4);

    public static TimeSpan RedisDown => Full ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(3);

    public static TimeSpan ArchiveDenied => Full ? TimeSpan.FromHours(1) : TimeSpan.FromSeconds(4);

    public static TimeSpan NodeCutOff => Full ? TimeSpan.FromMinutes(30) : TimeSpan.FromSeconds(4);

    /// <summary>Each phase of the slow-dependency and mid-batch rows (the seed names no duration for them).</summary>
    public static TimeSpan Phase => Full ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(3);
}
