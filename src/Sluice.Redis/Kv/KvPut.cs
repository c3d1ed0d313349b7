using Sluice.Core.Errors;
using Sluice.Core.Options;

namespace Sluice.Redis.Kv;

/// <summary>A write as a client asks for it: times to live in ms, null where the client named none.</summary>
internal sealed record KvPut(string Key, ReadOnlyMemory<byte> Value, string ContentType)
{
    /// <summary>3650 days: the longest time to live any tier takes.</summary>
    public const long MaxTtlMs = 3650L * 86_400_000;

    /// <summary>The value's life (every tier); null: it does not expire.</summary>
    public long? TtlMs { get; init; }

    /// <summary>How long a node caches it; null: <c>Kv:CacheTtlSeconds</c> (within the other two); 0: never cached.</summary>
    public long? CacheTtlMs { get; init; }

    /// <summary>How long Redis holds a copy once put there; null: as long as the value; 0: never in Redis.</summary>
    public long? RedisTtlMs { get; init; }

    /// <summary>
    /// Null when the write is within the limits; otherwise the error and its status (400, 413). Field names get
    /// <paramref name="field"/> in front (<c>items[3].</c> in a batch).
    /// </summary>
    public (FieldError Error, int Status)? Check(KvOptions options, string field = "")
    {
        if (KvKeys.Check(Key, options.MaxKeyBytes, field + "key") is { } keyError)
        {
            return (keyError, 400);
        }

        if (Value.Length > options.MaxValueBytes)
        {
            return (new FieldError(ErrorCodes.ValueTooLarge, field + "value", $"the value is {Value.Length} bytes; at most {options.MaxValueBytes} (Kv:MaxValueBytes)"), 413);
        }

        if (ContentType.Length > KvFileFormat.MaxContentTypeBytes || ContentType.Any(c => c is < ' ' or > '~'))
        {
            return Bad(field + "content_type", $"'{field}content_type' must be printable ASCII of at most {KvFileFormat.MaxContentTypeBytes} characters");
        }

        if (TtlMs is { } ttl && ttl is <= 0 or > MaxTtlMs)
        {
            return Bad(field + "ttl", $"'{field}ttl' must be 1 ms to 3650 days (omit it for a value that does not expire)");
        }

        if (RedisTtlMs is { } redis && (redis is < 0 or > MaxTtlMs || redis > (TtlMs ?? MaxTtlMs)))
        {
            return Bad(field + "redis_ttl", $"'{field}redis_ttl' must be 0 (not in Redis) to 3650 days, and not longer than 'ttl'");
        }

        if (CacheTtlMs is { } cache && (cache is < 0 or > 86_400_000 || cache > (TtlMs ?? MaxTtlMs) || (RedisTtlMs is > 0 && cache > RedisTtlMs)))
        {
            return Bad(field + "cache_ttl", $"'{field}cache_ttl' must be 0 (not cached) to 1 day, and not longer than 'redis_ttl' or 'ttl'");
        }

        return null;
    }

    /// <summary>The cache time to live this write gets: the client's, or the default within the value's life and Redis's.</summary>
    public long ResolvedCacheTtlMs(KvOptions options)
    {
        if (CacheTtlMs is { } given)
        {
            return given;
        }

        var ttl = options.CacheTtlSeconds * 1000L;
        ttl = Math.Min(ttl, TtlMs ?? long.MaxValue);
        return RedisTtlMs is > 0 ? Math.Min(ttl, RedisTtlMs.Value) : ttl;
    }

    private static (FieldError, int) Bad(string field, string message) => (new FieldError(ErrorCodes.InvalidParameter, field, message), 400);
}
