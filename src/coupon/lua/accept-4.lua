-- Accept path of a v3 coupon request, in one call: a fast filter (not the decision: the consumer decides),
-- the user's pending mark and the request's status-index entry.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId holding the user's coupon (issued or reserved)
-- KEYS[3]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs" of the user's request in flight
-- KEYS[4]  {<slot tag>}:c:req:<requestId>  the status-index entry (same slot: the request id carries it)
-- ARGV[1]  userId
-- ARGV[2]  requestId
-- ARGV[3]  now in ms
-- ARGV[4]  ms after which a pending entry is considered abandoned (its accept crashed before Kafka acked)
-- ARGV[5]  the index entry (JSON)
-- ARGV[6]  the index entry's time to live, in seconds
-- returns  {'OK'} accepted (marked pending, indexed), {'ALREADY_ISSUED'}, {'ALREADY_PENDING'},
--          {'SOLD_OUT'}, or {'NOSTATE'} when the policy's state is missing
--- @include "state"
--- @include "pending"
--- @include "request-index"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return { ALREADY_ISSUED } end
local acceptedAt = pendingSince(KEYS[3], ARGV[1])
if acceptedAt and tonumber(ARGV[3]) - acceptedAt < tonumber(ARGV[4]) then return { ALREADY_PENDING } end
if redis.call('HLEN', KEYS[2]) >= total then return { SOLD_OUT } end
markPending(KEYS[3], ARGV[1], ARGV[2], ARGV[3])
indexRequest(KEYS[4], ARGV[5], ARGV[6])
return { OK }
