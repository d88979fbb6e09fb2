-- Accept-path check for a v3 coupon request: a fast filter, not the decision (the consumer decides).
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId holding the user's coupon (issued or reserved)
-- KEYS[3]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs" of the user's request in flight
-- ARGV[1]  userId
-- ARGV[2]  requestId
-- ARGV[3]  now in ms
-- ARGV[4]  ms after which a pending entry is considered abandoned (its accept crashed before Kafka acked)
-- ARGV[5]  1 to mark the user pending when accepted, 0 only to check (v2's filter before its lock, which
--          ignores pending requests: v2 decides under its lock whatever v3 has in flight)
-- returns  {'OK'} accepted (marked pending when asked), {'ALREADY_ISSUED'}, {'ALREADY_PENDING'},
--          {'SOLD_OUT'}, or {'NOSTATE'} when the policy's state is missing
--- @include "state"
--- @include "pending"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return { ALREADY_ISSUED } end
local mark = ARGV[5] == '1'
if mark then
  local acceptedAt = pendingSince(KEYS[3], ARGV[1])
  if acceptedAt and tonumber(ARGV[3]) - acceptedAt < tonumber(ARGV[4]) then return { ALREADY_PENDING } end
end
if redis.call('HLEN', KEYS[2]) >= total then return { SOLD_OUT } end
if mark then markPending(KEYS[3], ARGV[1], ARGV[2], ARGV[3]) end
return { OK }
