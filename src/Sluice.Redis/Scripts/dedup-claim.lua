-- Claims duplicate keys in the shared window for one request (Sluice.Redis.Dedup.SharedDuplicates).
-- ARGV[1]: the request's token; ARGV[2]: how long a claim lives if its request never settles it, in ms.
-- Per key: 0 claimed by this request, 1 stored already (a duplicate), 2 being stored by another request.
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = 0
  else
    local v = redis.call('GET', key)
    if v == ARGV[1] then
      out[i] = 0
    elseif v == 's' then
      out[i] = 1
    else
      out[i] = 2
    end
  end
end
return out
