-- Settles one request's claims in the shared duplicate window: a key whose event was stored is kept for the window,
-- the others are released so a retry is stored. Keys no longer held by this request are left alone.
-- ARGV[1]: the request's token; then per key the milliseconds to keep it, or 0 to release it.
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    local keep = tonumber(ARGV[i + 1])
    if keep > 0 then
      redis.call('SET', key, 's', 'PX', keep)
    else
      redis.call('DEL', key)
    end
  end
end
return #KEYS
