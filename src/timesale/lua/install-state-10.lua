-- Installs a sale's state rebuilt from PostgreSQL, unless another process installed it meanwhile.
-- KEYS[1]  {t:ID}:meta          hash: total, maxPerUser, ready, created
-- KEYS[2]  {t:ID}:reservations  hash: requestId -> "userId|quantity"
-- KEYS[3]  {t:ID}:users         hash: userId -> units
-- KEYS[4]  {t:ID}:sold          units taken
-- KEYS[5]  {t:ID}:ticket        tickets drawn
-- KEYS[6]  {t:ID}:settled       settled watermark
-- KEYS[7]  {t:ID}:reservations:build:<token>  the orders loaded from PostgreSQL (absent: no orders yet)
-- KEYS[8]  {t:ID}:users:build:<token>         the per-user units loaded from PostgreSQL
-- KEYS[9]  {t:ID}:abandoned     deleted with state of an earlier sale that had the same id (with
-- KEYS[10] {t:ID}:outcomes      tickets and watermark, which otherwise only move forward)
-- ARGV[1]  total quantity
-- ARGV[2]  max per user (0 = no limit)
-- ARGV[3]  units sold (the sum of the orders)
-- ARGV[4]  settled watermark (settled requests)
-- ARGV[5]  mode: 0 keep the sale's own state, 1 replace any (reconciliation), 2 just created (see install)
-- ARGV[6]  when the state may be forgotten (ms since epoch): a while after the sale's window ended
-- ARGV[7]  the sale's creation instant (ms since epoch): tells this sale's state from an earlier one's
-- returns  {'OK', 1} when installed, {'OK', 0} when state was already there
--- @include "install"
if keepInstalled(KEYS[1], ARGV[5], ARGV[7], { KEYS[5], KEYS[6], KEYS[9], KEYS[10] }, KEYS[7], KEYS[8]) then
  return { OK, 0 }
end
adoptBuild(KEYS[7], KEYS[2])
adoptBuild(KEYS[8], KEYS[3])
redis.call('SET', KEYS[4], ARGV[3])
-- Tickets and the watermark only move forward: a request accepted before the loss keeps a valid place.
local watermark = tonumber(ARGV[4])
if watermark > (tonumber(redis.call('GET', KEYS[5])) or 0) then redis.call('SET', KEYS[5], watermark) end
if watermark > (tonumber(redis.call('GET', KEYS[6])) or 0) then redis.call('SET', KEYS[6], watermark) end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'maxPerUser', ARGV[2], 'ready', '1', 'created', ARGV[7])
for i = 1, 6 do redis.call('PEXPIREAT', KEYS[i], ARGV[6]) end
return { OK, 1 }
