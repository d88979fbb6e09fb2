-- Forgets a pending mark whose request never reached Kafka, so the user may try again.
-- KEYS[1]  {c:ID}:pending   hash: userId -> "requestId|acceptedAtMs"
-- ARGV[1]  userId
-- ARGV[2]  requestId
-- returns  {'OK', 1} when removed, {'OK', 0} when the entry belonged to another request
--- @include "status"
--- @include "pending"
return { OK, clearPending(KEYS[1], ARGV[1], ARGV[2]) }
