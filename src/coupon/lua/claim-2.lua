-- Records in Redis a coupon that PostgreSQL already holds (issued by v1, or by v2 under its lock), so the
-- v3 path sees it. Commutative with settle-3.lua: whichever runs first, the user ends up counted once.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- ARGV[1]  userId
-- ARGV[2]  requestId of the issued coupon
-- returns  {'OK', 1} when recorded, {'OK', 0} when the policy has no state (a rebuild from PostgreSQL
--          will include the coupon)
--- @include "state"
if not hasState(KEYS[1]) then return { OK, 0 } end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return { OK, 1 }
