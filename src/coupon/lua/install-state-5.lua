-- Installs a policy's state rebuilt from PostgreSQL, unless another process installed it meanwhile.
-- KEYS[1]  {c:ID}:meta      hash: total, ready, created
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- KEYS[3]  {c:ID}:holders:build:<token>  the holders loaded from PostgreSQL (may not exist: no coupons yet)
-- KEYS[4]  {c:ID}:pending   deleted with state of an earlier policy that had the same id
-- KEYS[5]  {c:ID}:outcomes  likewise
-- ARGV[1]  total quantity
-- ARGV[2]  mode: 0 keep the policy's own state, 1 replace any (reconciliation), 2 just created (see install)
-- ARGV[3]  when the state may be forgotten (ms since epoch): a while after the policy's window ended
-- ARGV[4]  the policy's creation instant (ms since epoch): tells this policy's state from an earlier one's
-- returns  {'OK', 1} when installed, {'OK', 0} when state was already there
--- @include "install"
if keepInstalled(KEYS[1], ARGV[2], ARGV[4], { KEYS[4], KEYS[5] }, KEYS[3]) then return { OK, 0 } end
adoptBuild(KEYS[3], KEYS[2])
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'ready', '1', 'created', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return { OK, 1 }
