--- @include "status"
-- Repair towards PostgreSQL, the record: PostgreSQL's entries are written over whatever Redis thought.

-- Sets `hash` from the (field, value) pairs of ARGV[first..last]; returns how many fields changed.
local function putAll(hash, first, last)
  local changed = 0
  for i = first, last, 2 do
    if redis.call('HGET', hash, ARGV[i]) ~= ARGV[i + 1] then
      redis.call('HSET', hash, ARGV[i], ARGV[i + 1])
      changed = changed + 1
    end
  end
  return changed
end
