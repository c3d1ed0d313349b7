using Sluice.Server.Tests.Support;

namespace Sluice.Server.Tests.Chaos;

/// <summary>A chaos row: it needs the test ClickHouse (<c>SLUICE_TEST_CLICKHOUSE</c>), and Redis as well when <see cref="Redis"/> is set; skipped, saying why, without them.</summary>
public sealed class ChaosFactAttribute : FactAttribute
{
    private bool _redis;

    public ChaosFactAttribute()
    {
        if (ClickHouseFactAttribute.Url is null)
        {
            Skip = $"{ClickHouseFactAttribute.Variable} is not set: scripts/test.sh starts Debian's clickhouse-server and sets it";
        }
    }

    /// <summary>Whether the row needs Redis (scripts/redis.sh is run for its private one, and the shared one must be set up).</summary>
    public bool Redis
    {
        get => _redis;
        set
        {
            _redis = value;
            if (value && Skip is null && RedisFactAttribute.Url is null)
            {
                Skip = $"{RedisFactAttribute.Variable} is not set: scripts/test.sh starts Debian's redis-server and sets it";
            }
        }
    }
}
