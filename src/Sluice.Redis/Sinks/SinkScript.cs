namespace Sluice.Redis.Sinks;

/// <summary>
/// Applies one batch of a node's events to Redis atomically, once: the node's mark (<c>meta:sink:{node}</c>) says
/// the last event of that node already in Redis, and a batch that starts at or below it changes nothing (the sink
/// then resends only what lies past the mark). So a batch resent after a crash or a timeout is never doubled.
/// <para>
/// ARGV: first seq, last seq, then operations — <c>L key value ttl</c> (LPUSH + EXPIRE), <c>B hourPrefix ttl n
/// v1…vn</c> (a new <c>batchNNN</c> list numbered by INCR of <c>hourPrefix..batches</c>), <c>H key field n ttl</c>
/// (HINCRBY + EXPIRE), <c>P key member ttl</c> (PFADD + EXPIRE). Keys travel in ARGV because they are known only per
/// event; on a Redis Cluster they would need one hash tag per node (not supported here).
/// </para>
/// Returns -1 when applied, otherwise the mark.
/// </summary>
internal static class SinkScript
{
    /// <summary>KEYS[1] is the node's mark.</summary>
    public const string Apply = """
        local mark = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) <= mark then return mark end
        local i = 3
        while i <= #ARGV do
          local op = ARGV[i]
          if op == 'L' then
            redis.call('LPUSH', ARGV[i+1], ARGV[i+2])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+3])
            i = i + 4
          elseif op == 'B' then
            local n = tonumber(ARGV[i+3])
            local counter = ARGV[i+1] .. 'batches'
            local id = redis.call('INCR', counter)
            redis.call('EXPIRE', counter, ARGV[i+2])
            local key = ARGV[i+1] .. string.format('batch%03d', id)
            for j = 1, n do redis.call('RPUSH', key, ARGV[i+3+j]) end
            redis.call('EXPIRE', key, ARGV[i+2])
            i = i + 4 + n
          elseif op == 'H' then
            redis.call('HINCRBY', ARGV[i+1], ARGV[i+2], ARGV[i+3])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+4])
            i = i + 5
          elseif op == 'P' then
            redis.call('PFADD', ARGV[i+1], ARGV[i+2])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+3])
            i = i + 4
          else
            return redis.error_reply('unknown sink operation ' .. tostring(op))
          end
        end
        redis.call('SET', KEYS[1], ARGV[2])
        return -1
        """;
}
