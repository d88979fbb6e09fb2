-- Claims an Idempotency-Key for a request, or tells what an earlier request with the key left.
-- KEYS[1] the key's record (hash: fp = request fingerprint, owner = token of the request doing the work,
--         answer = the stored answer once there is one)
-- ARGV[1] fingerprint of this request
-- ARGV[2] owner token of this request
-- ARGV[3] how long an unanswered claim lives, in ms (the owner died → the key frees itself)
-- returns {'NEW'} this request owns the key and does the work
--       | {'DONE', answer} the same request was answered: replay the answer
--       | {'BUSY'} the same request is still in flight
--       | {'MISMATCH'} the key was used for a different request
local fp = redis.call('HGET', KEYS[1], 'fp')
if not fp then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'owner', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { 'NEW' }
end
if fp ~= ARGV[1] then
  return { 'MISMATCH' }
end
local answer = redis.call('HGET', KEYS[1], 'answer')
if answer then
  return { 'DONE', answer }
end
return { 'BUSY' }
