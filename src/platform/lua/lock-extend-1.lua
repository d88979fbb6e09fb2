-- Extends a lock's expiry only if the caller still holds it.
-- KEYS[1]  lock key
-- ARGV[1]  the holder's token
-- ARGV[2]  new time to live in ms
-- returns  1 when extended, 0 when the lock is no longer held by this token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
