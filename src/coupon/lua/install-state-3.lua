-- Installs a policy's state rebuilt from PostgreSQL, unless another process installed it meanwhile.
-- KEYS[1]  {c:ID}:meta      hash: total, ready
-- KEYS[2]  {c:ID}:holders   hash: userId -> requestId
-- KEYS[3]  {c:ID}:holders:build:<token>  the holders loaded from PostgreSQL (may not exist: no coupons yet)
-- ARGV[1]  total quantity
-- ARGV[2]  1 to replace existing state (reconciliation), 0 to keep it
-- ARGV[3]  when the state may be forgotten (ms since epoch): a while after the policy's window ended
-- returns  {'OK', 1} when installed, {'OK', 0} when state was already there
if ARGV[2] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[3])
  return { 'OK', 0 }
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('RENAME', KEYS[3], KEYS[2])
else
  redis.call('DEL', KEYS[2])
end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'ready', '1')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
return { 'OK', 1 }
