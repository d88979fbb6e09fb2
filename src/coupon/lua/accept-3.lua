-- Accept-path check for a v3 coupon request: a fast filter, not the decision (the consumer decides).
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId holding the user's coupon (issued or reserved)
-- KEYS[3]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs" of the user's request in flight
-- ARGV[1]  userId
-- ARGV[2]  requestId
-- ARGV[3]  now in ms
-- ARGV[4]  ms after which a pending entry is considered abandoned (its accept crashed before Kafka acked)
-- ARGV[5]  1 to mark the user pending when accepted, 0 only to check (v2's filter before its lock)
-- returns  0 accepted (marked pending), 1 already issued, 2 already pending, 3 sold out, -1 no state
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
if not total then return -1 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 1 end
local pending = redis.call('HGET', KEYS[3], ARGV[1])
if pending then
  local acceptedAt = tonumber(string.match(pending, '|(%d+)$')) or 0
  if tonumber(ARGV[3]) - acceptedAt < tonumber(ARGV[4]) then return 2 end
end
if redis.call('HLEN', KEYS[2]) >= total then return 3 end
if ARGV[5] == '1' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2] .. '|' .. ARGV[3]) end
return 0
