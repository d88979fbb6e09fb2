-- Decides a batch of coupon requests of one policy, in order, atomically. Idempotent per requestId: a
-- request decided before gets its recorded decision again and never takes a second coupon.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId holding the user's coupon; HLEN = coupons taken
-- KEYS[3]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs"
-- KEYS[4]  {c:ID}:outcomes  hash: requestId -> decision, kept until PostgreSQL has the outcome
-- ARGV[1]  1 to record each decision in KEYS[4] (v3: the decision must survive a crash and a replay),
--          0 not to (v2: the caller holds the policy lock and settles at once; after a crash the
--          holder it leaves is not in flight, so reconciliation removes it)
-- ARGV     then requestId1, userId1, requestId2, userId2, ...
-- returns  {'OK', decision1, decision2, ...}, one per request: ISSUED, ALREADY_ISSUED or SOLD_OUT; or
--          {'NOSTATE'} when the policy's state is missing (Redis lost it) and must be rebuilt first
--- @include "state"
--- @include "pending"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
local taken = redis.call('HLEN', KEYS[2])
local record = ARGV[1] == '1'
local decisions = { OK }
for i = 2, #ARGV, 2 do
  local requestId, userId = ARGV[i], ARGV[i + 1]
  local decision = redis.call('HGET', KEYS[4], requestId)
  if not decision then
    local holder = redis.call('HGET', KEYS[2], userId)
    if holder == requestId then
      decision = 'ISSUED'
    elseif holder then
      decision = ALREADY_ISSUED
    elseif taken >= total then
      decision = SOLD_OUT
    else
      redis.call('HSET', KEYS[2], userId, requestId)
      taken = taken + 1
      decision = 'ISSUED'
    end
    if record then redis.call('HSET', KEYS[4], requestId, decision) end
    clearPending(KEYS[3], userId, requestId)
  end
  decisions[#decisions + 1] = decision
end
return decisions
