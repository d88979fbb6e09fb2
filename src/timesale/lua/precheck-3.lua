-- v2's filter before it queues for the sale's lock: refuses what cannot succeed and changes nothing.
-- KEYS[1]  {t:ID}:meta       hash: total, maxPerUser (0 = no limit), ready
-- KEYS[2]  {t:ID}:sold       units taken (sum of reservations)
-- KEYS[3]  {t:ID}:users      hash: userId -> units the user took
-- ARGV[1]  userId
-- ARGV[2]  quantity
-- returns  {'OK'} may succeed, {'LIMIT_EXCEEDED'}, {'SOLD_OUT'}, or {'NOSTATE'} when the state is missing
--- @include "state"
--- @include "reservations"
local total = stateTotal(KEYS[1])
if not total then return { NOSTATE } end
return { orderRefusal(KEYS[1], total, KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2])) or OK }
