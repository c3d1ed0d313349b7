-- Which data the shared quota counters hold (Sluice.Redis.Quotas.SharedQuotaCounters). The epoch key names it; a
-- Redis that restarted empty has none, so the first node back proposes a new one.
-- KEYS[1]: the epoch key. ARGV[1]: the epoch the node counted with ('' if none yet); ARGV[2]: a new epoch to set if
-- there is none. Returns {1 if the node's counts were lost (the epoch differs), the epoch now}.
local epoch = redis.call('GET', KEYS[1])
local lost = 0
if epoch ~= ARGV[1] then
  lost = 1
end
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], epoch)
end
return {lost, epoch}
