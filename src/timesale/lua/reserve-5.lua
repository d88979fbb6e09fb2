-- Decides a batch of orders of one sale, in queue order, atomically. Idempotent per requestId: a request
-- decided before gets its recorded decision again and never takes units twice.
-- KEYS[1]  {t:ID}:meta          hash: total, maxPerUser (0 = no limit), ready
-- KEYS[2]  {t:ID}:reservations  hash: requestId -> "userId|quantity" of every request holding units
-- KEYS[3]  {t:ID}:sold          units taken = sum of the reservations' quantities
-- KEYS[4]  {t:ID}:users         hash: userId -> units the user's reservations hold
-- KEYS[5]  {t:ID}:outcomes      hash: requestId -> decision, kept until PostgreSQL has the outcome
-- ARGV     requestId1, userId1, quantity1, requestId2, userId2, quantity2, ...
-- returns  {'OK', decision1, decision2, ...}, one per request: COMPLETED, LIMIT_EXCEEDED or SOLD_OUT; or
--          {'NOSTATE'} when the sale's state is missing and must be rebuilt from PostgreSQL first
--- @include "state"
--- @include "reservations"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
local max = tonumber(redis.call('HGET', KEYS[1], 'maxPerUser')) or 0
local sold = tonumber(redis.call('GET', KEYS[3])) or 0
local taken = 0
local decisions = { OK }
for i = 1, #ARGV, 3 do
  local requestId, userId, quantity = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local decision = redis.call('HGET', KEYS[5], requestId)
  if not decision then
    if redis.call('HEXISTS', KEYS[2], requestId) == 1 then
      -- Settled before (its outcome record is gone) and still holding its units: the same answer.
      decision = 'COMPLETED'
    elseif max > 0 and (tonumber(redis.call('HGET', KEYS[4], userId)) or 0) + quantity > max then
      decision = LIMIT_EXCEEDED
    elseif sold + taken + quantity > total then
      -- Keep scanning: a later, smaller order may still fit, so the stock is used up entirely.
      decision = SOLD_OUT
    else
      redis.call('HSET', KEYS[2], requestId, reservationOf(userId, quantity))
      redis.call('HINCRBY', KEYS[4], userId, quantity)
      taken = taken + quantity
      decision = 'COMPLETED'
    end
    redis.call('HSET', KEYS[5], requestId, decision)
  end
  decisions[#decisions + 1] = decision
end
if taken > 0 then redis.call('INCRBY', KEYS[3], taken) end
return decisions
