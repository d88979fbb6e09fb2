-- Called once PostgreSQL holds the outcomes of a batch: forgets the reservation records and gives back
-- the coupons PostgreSQL refused (another strategy took the last one or the user's coupon first).
-- KEYS[1]  {c:ID}:holders   hash: userId -> requestId
-- KEYS[2]  {c:ID}:outcomes  hash: requestId -> decision
-- KEYS[3]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs"
-- ARGV     n (number of settled request ids), requestId1..n, then refused pairs: requestId, userId, ...
-- returns  {'OK', the number of coupons given back}
--- @include "status"
--- @include "pending"
local n = tonumber(ARGV[1])
for i = 2, n + 1 do redis.call('HDEL', KEYS[2], ARGV[i]) end
local released = 0
for i = n + 2, #ARGV, 2 do
  local requestId, userId = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[1], userId) == requestId then
    redis.call('HDEL', KEYS[1], userId)
    released = released + 1
  end
  clearPending(KEYS[3], userId, requestId)
end
return { OK, released }
