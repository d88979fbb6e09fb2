-- Accept-path check of an order: a fast filter, not the decision (the v3 consumer or the v2 lock holder
-- decides). It only ever refuses; when asked, it draws the request's ticket, so tickets follow acceptance
-- order.
-- KEYS[1]  {t:ID}:meta       hash: total, maxPerUser (0 = no limit), ready
-- KEYS[2]  {t:ID}:sold       units taken (sum of reservations)
-- KEYS[3]  {t:ID}:users      hash: userId -> units the user took
-- KEYS[4]  {t:ID}:ticket     counter: tickets drawn
-- KEYS[5]  {t:ID}:settled    settled watermark (requests with a recorded outcome)
-- KEYS[6]  {t:ID}:abandoned  tickets whose request never reached Kafka
-- ARGV[1]  userId
-- ARGV[2]  quantity
-- ARGV[3]  1 to draw a ticket (v3), 0 to only check (v2, before taking its lock)
-- returns  {'OK', ticket, queuePosition} ({'OK'} when only checking), {'LIMIT_EXCEEDED'}, {'SOLD_OUT'},
--          or {'NOSTATE'} when the sale's state is missing and must be rebuilt first
--- @include "state"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
local max = tonumber(redis.call('HGET', KEYS[1], 'maxPerUser')) or 0
local quantity = tonumber(ARGV[2])
if max > 0 and (tonumber(redis.call('HGET', KEYS[3], ARGV[1])) or 0) + quantity > max then
  return { LIMIT_EXCEEDED }
end
if (tonumber(redis.call('GET', KEYS[2])) or 0) + quantity > total then return { SOLD_OUT } end
if ARGV[3] ~= '1' then return { OK } end
local ticket = redis.call('INCR', KEYS[4])
local position = ticket - (tonumber(redis.call('GET', KEYS[5])) or 0) - (tonumber(redis.call('GET', KEYS[6])) or 0)
if position < 1 then position = 1 end
return { OK, ticket, position }
