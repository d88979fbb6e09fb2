-- Records in Redis a coupon that PostgreSQL already holds (issued by v1, or by v2 under its lock), so the
-- v3 path sees it. Commutative with settle-3.lua: whichever runs first, the user ends up counted once.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- ARGV[1]  userId
-- ARGV[2]  requestId of the issued coupon
-- returns  1 when recorded, -1 when the policy has no state (it will be rebuilt from PostgreSQL anyway)
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
