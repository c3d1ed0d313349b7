-- Counts one batch of events against shared quota counters event by event, atomically: the exact walk, for a batch
-- that may pass a refusing limit (quota-count.lua declined it). Sluice.Redis.Quotas.QuotaCountCall builds the call.
-- KEYS[1]: the epoch key; KEYS[2..]: the batch's distinct counters (a rule, its window, a scope value's hash).
-- ARGV[1]: the epoch the node counted with so far; then per counter: its limit, 1 if it refuses past the limit
-- (0 if it samples), and the milliseconds it lives (to its window's end and a minute more); then runs of events
-- that touch the same counters: how many events, how many counters, and the counters' 1-based indexes in order.
-- Returns {-1} when the epoch differs (the counters are not the ones the node counted with: it reconciles first),
-- else per run: the events that passed, the 1-based position of the counter that refused the rest (0: none), and
-- each counter's value before the run. An event passes when no refusing counter passes its limit; a refused event
-- leaves every counter as it was, so the rest of its run is refused by the same counter.
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then
  return {-1}
end

local n = #KEYS - 1
local value, start, limit, refuses = {}, {}, {}, {}
for i = 1, n do
  value[i] = tonumber(redis.call('GET', KEYS[i + 1]) or '0') or 0
  start[i] = value[i]
  limit[i] = tonumber(ARGV[3 * i - 1])
  refuses[i] = ARGV[3 * i] == '1'
end

local out = {}
local a = 3 * n + 2
while a <= #ARGV do
  local count, m = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local idx = {}
  for e = 1, m do
    idx[e] = tonumber(ARGV[a + 1 + e])
  end
  a = a + 2 + m

  local head = #out + 1
  out[head], out[head + 1] = 0, 0
  for e = 1, m do
    out[head + 1 + e] = value[idx[e]]
  end

  local passed, refusedAt = 0, 0
  for _ = 1, count do
    for e = 1, m do
      local k = idx[e]
      if refuses[k] and value[k] + 1 > limit[k] then
        refusedAt = e
        break
      end
      value[k] = value[k] + 1
    end
    if refusedAt > 0 then
      for e = 1, refusedAt - 1 do
        value[idx[e]] = value[idx[e]] - 1
      end
      break
    end
    passed = passed + 1
  end
  out[head], out[head + 1] = passed, refusedAt
end

for i = 1, n do
  if value[i] ~= start[i] then
    redis.call('SET', KEYS[i + 1], value[i], 'PX', ARGV[3 * i + 1])
  end
end
return out
