-- Repairs a policy's Redis state towards what PostgreSQL holds, without disturbing reservations in flight.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- KEYS[3]  {c:ID}:outcomes  hash: requestId -> decision (reservations not yet settled)
-- ARGV[1]  total quantity from PostgreSQL
-- ARGV[2]  number of pairs to add, then: userId, requestId, ... (coupons PostgreSQL holds)
-- ARGV...  then pairs to remove: userId, requestId, ... (holders PostgreSQL does not know, seen settled)
-- returns  {'OK', added, removed}
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'ready', '1')
local adds = tonumber(ARGV[2])
local added, removed = 0, 0
local last = 2 + adds * 2
for i = 3, last, 2 do
  -- PostgreSQL is the record: its request holds the user's coupon, whatever Redis thought.
  if redis.call('HGET', KEYS[2], ARGV[i]) ~= ARGV[i + 1] then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    added = added + 1
  end
end
for i = last + 1, #ARGV, 2 do
  local userId, requestId = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[2], userId) == requestId and redis.call('HEXISTS', KEYS[3], requestId) == 0 then
    redis.call('HDEL', KEYS[2], userId)
    removed = removed + 1
  end
end
return { 'OK', added, removed }
