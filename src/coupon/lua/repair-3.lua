-- Repairs a policy's Redis state towards what PostgreSQL holds, without disturbing reservations in flight.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- KEYS[3]  {c:ID}:outcomes  hash: requestId -> decision (reservations not yet settled)
-- ARGV[1]  total quantity from PostgreSQL
-- ARGV[2]  number of pairs to add, then: userId, requestId, ... (coupons PostgreSQL holds)
-- ARGV...  then pairs to remove: userId, requestId, ... (holders PostgreSQL does not know, seen settled)
-- returns  {'OK', added, removed}
--- @include "repair"
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'ready', '1')
local last = 2 + tonumber(ARGV[2]) * 2
local added = putAll(KEYS[2], 3, last)
local removed = 0
for i = last + 1, #ARGV, 2 do
  local userId, requestId = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[2], userId) == requestId and redis.call('HEXISTS', KEYS[3], requestId) == 0 then
    redis.call('HDEL', KEYS[2], userId)
    removed = removed + 1
  end
end
return { OK, added, removed }
