-- Records in Redis an order PostgreSQL already holds (placed by v1), so the v3 path counts its units.
-- Commutative with settle-5.lua (see there): whichever runs first, the units are counted once.
-- KEYS[1]  {t:ID}:meta          hash: total, maxPerUser, ready
-- KEYS[2]  {t:ID}:reservations  hash: requestId -> "userId|quantity"
-- KEYS[3]  {t:ID}:sold          units taken
-- KEYS[4]  {t:ID}:users         hash: userId -> units
-- ARGV[1]  requestId of the order
-- ARGV[2]  userId
-- ARGV[3]  quantity
-- returns  {'OK', 1} when recorded, {'OK', 0} when already recorded or when the sale has no state (a
--          rebuild from PostgreSQL will include the order)
--- @include "state"
--- @include "reservations"
if not hasState(KEYS[1]) then return { OK, 0 } end
if redis.call('HSETNX', KEYS[2], ARGV[1], reservationOf(ARGV[2], ARGV[3])) == 0 then return { OK, 0 } end
redis.call('INCRBY', KEYS[3], ARGV[3])
redis.call('HINCRBY', KEYS[4], ARGV[2], ARGV[3])
return { OK, 1 }
