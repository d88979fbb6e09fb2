-- Called once PostgreSQL holds the outcomes of a batch: forgets the outcome records, gives back the units
-- of reservations PostgreSQL refused, and advances the settled watermark.
--
-- Why the counts stay exact whatever order settle and claim-4.lua run in: `sold` and `users` change only
-- in the same script as `reservations`, by the quantity of the entry added or removed, and an entry is
-- added at most once (reserve checks it, claim uses HSETNX) and removed at most once (HDEL returns 1 only
-- the first time). So at every moment `sold` = the sum of the reservations' quantities, and each request's
-- units are counted exactly once, however often and in whatever order the scripts are replayed.
-- KEYS[1]  {t:ID}:reservations  hash: requestId -> "userId|quantity"
-- KEYS[2]  {t:ID}:sold          units taken
-- KEYS[3]  {t:ID}:users         hash: userId -> units
-- KEYS[4]  {t:ID}:outcomes      hash: requestId -> decision
-- KEYS[5]  {t:ID}:settled       settled watermark
-- ARGV[1]  the settled watermark PostgreSQL reported (only ever raises the stored one; 0 = leave it)
-- ARGV[2]  n, the number of settled request ids that follow
-- ARGV     requestId1..n, then the request ids whose reservation PostgreSQL refused
-- returns  {'OK', the number of units given back}
--- @include "status"
--- @include "reservations"
local n = tonumber(ARGV[2])
for i = 3, n + 2 do redis.call('HDEL', KEYS[4], ARGV[i]) end
local released = 0
for i = n + 3, #ARGV do
  local reservation = redis.call('HGET', KEYS[1], ARGV[i])
  if reservation and redis.call('HDEL', KEYS[1], ARGV[i]) == 1 then
    local userId, quantity = parseReservation(reservation)
    redis.call('DECRBY', KEYS[2], quantity)
    if redis.call('HINCRBY', KEYS[3], userId, -quantity) <= 0 then redis.call('HDEL', KEYS[3], userId) end
    released = released + quantity
  end
end
local watermark = tonumber(ARGV[1])
if watermark > (tonumber(redis.call('GET', KEYS[5])) or 0) then redis.call('SET', KEYS[5], watermark) end
return { OK, released }
