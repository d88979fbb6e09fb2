-- v2's filter before it queues for the policy's lock: refuses what cannot succeed and changes nothing. A
-- request of the user still pending in v3 is no reason to refuse: v2 decides under its lock.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId holding the user's coupon (issued or reserved)
-- ARGV[1]  userId
-- returns  {'OK'} may succeed, {'ALREADY_ISSUED'}, {'SOLD_OUT'}, or {'NOSTATE'} when the state is missing
--- @include "state"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return { ALREADY_ISSUED } end
if redis.call('HLEN', KEYS[2]) >= total then return { SOLD_OUT } end
return { OK }
