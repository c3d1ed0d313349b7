-- Adds what a node counted on its own to the shared quota counters (reconcile after an outage).
-- KEYS: counters; ARGV: per counter, the events to add and the milliseconds it lives (its window's end and a minute).
-- Returns each counter's value after the addition.
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('INCRBY', key, ARGV[2 * i - 1])
  redis.call('PEXPIRE', key, ARGV[2 * i])
end
return out
