-- Undoes accept-4.lua for a request that never reached Kafka: forgets its pending mark, so the user may
-- try again, and its status-index entry.
-- KEYS[1]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs"
-- KEYS[2]  {<slot tag>}:c:req:<requestId>  the request's status-index entry
-- ARGV[1]  userId
-- ARGV[2]  requestId
-- returns  {'OK', 1} when the mark was removed, {'OK', 0} when it belonged to another request
--- @include "status"
--- @include "pending"
redis.call('DEL', KEYS[2])
return { OK, clearPending(KEYS[1], ARGV[1], ARGV[2]) }
