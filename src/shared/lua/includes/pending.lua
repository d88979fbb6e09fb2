-- Pending marks: hash userId -> "requestId|acceptedAtMs" of the user's request accepted and not yet
-- decided, so a second request of the user is refused while the first is in flight.

local function markPending(pending, userId, requestId, acceptedAt)
  redis.call('HSET', pending, userId, requestId .. '|' .. acceptedAt)
end

-- When the user's pending request was accepted (ms since epoch), or nil when there is none.
local function pendingSince(pending, userId)
  local mark = redis.call('HGET', pending, userId)
  if not mark then return nil end
  return tonumber(string.match(mark, '|(%d+)$')) or 0
end

-- Removes the user's mark if it is `requestId`'s (a newer request of the user keeps its own); returns 1
-- when removed, 0 otherwise.
local function clearPending(pending, userId, requestId)
  local mark = redis.call('HGET', pending, userId)
  if mark and string.sub(mark, 1, #requestId) == requestId then return redis.call('HDEL', pending, userId) end
  return 0
end
