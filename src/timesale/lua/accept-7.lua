-- Accept path of a v3 order, in one call: a fast filter (not the decision: the consumer decides; it only
-- ever refuses), the request's ticket (so tickets follow acceptance order) and its status-index entry.
-- KEYS[1]  {t:ID}:meta       hash: total, maxPerUser (0 = no limit), ready
-- KEYS[2]  {t:ID}:sold       units taken (sum of reservations)
-- KEYS[3]  {t:ID}:users      hash: userId -> units the user took
-- KEYS[4]  {t:ID}:ticket     counter: tickets drawn
-- KEYS[5]  {t:ID}:settled    settled watermark (requests with a recorded outcome)
-- KEYS[6]  {t:ID}:abandoned  tickets whose request never reached Kafka
-- KEYS[7]  {<slot tag>}:t:req:<requestId>  the status-index entry (same slot: the request id carries it)
-- ARGV[1]  userId
-- ARGV[2]  quantity
-- ARGV[3]  the index entry (JSON object; the script adds the ticket it drew as "ticket")
-- ARGV[4]  the index entry's time to live, in seconds
-- returns  {'OK', ticket, queuePosition}, {'LIMIT_EXCEEDED'}, {'SOLD_OUT'}, or {'NOSTATE'} when the sale's
--          state is missing and must be rebuilt first
--- @include "state"
--- @include "reservations"
--- @include "request-index"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
local refusal = orderRefusal(KEYS[1], total, KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]))
if refusal then return { refusal } end
local ticket = redis.call('INCR', KEYS[4])
local position = ticket - (tonumber(redis.call('GET', KEYS[5])) or 0) - (tonumber(redis.call('GET', KEYS[6])) or 0)
if position < 1 then position = 1 end
indexRequest(KEYS[7], ARGV[3], ARGV[4], '"ticket":' .. ticket)
return { OK, ticket, position }
