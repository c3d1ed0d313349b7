-- Counts one batch of events against shared quota counters, atomically, when no refusing counter can pass its limit
-- in it: then every event passes, and each counter simply goes up by the events of the batch that touch it
-- (Sluice.Redis.Quotas.QuotaCountCall works out each event's counts from the values before). A batch that could
-- pass a refusing limit changes nothing here and is walked event by event instead (quota-walk.lua).
-- KEYS[1]: the epoch key; KEYS[2..]: the batch's distinct counters (a rule, its window, a scope value's hash).
-- ARGV[1]: the epoch the node counted with so far; then per counter: its limit, 1 if it refuses past the limit
-- (0 if it samples), the milliseconds it lives (to its window's end and a minute more), and the batch's events on it.
-- Returns {-1} when the epoch differs (the node reconciles first), {0} when a refusing counter would pass its
-- limit, else {1, each counter's value before the batch}.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then
  return {-1}
end

local n = #KEYS - 1
local out = {1}
for i = 1, n do
  local value = tonumber(redis.call('GET', KEYS[i + 1]) or '0') or 0
  if ARGV[4 * i - 1] == '1' and value + tonumber(ARGV[4 * i + 1]) > tonumber(ARGV[4 * i - 2]) then
    return {0}
  end
  out[i + 1] = value
end

for i = 1, n do
  redis.call('SET', KEYS[i + 1], out[i + 1] + tonumber(ARGV[4 * i + 1]), 'PX', ARGV[4 * i])
end
return out
