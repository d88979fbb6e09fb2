-- Stores the answer of the request that owns an Idempotency-Key, or frees the key for a retry.
-- KEYS[1] the key's record (see idempotency-begin-1.lua)
-- ARGV[1] owner token of the finishing request
-- ARGV[2] the answer to keep ('' = free the key: nothing was done, a retry should do the work)
-- ARGV[3] how long the answer is kept, in ms
-- returns 1 when done, 0 when the request no longer owns the key (its claim expired and another took it)
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'answer', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
