--- @include "status"
-- A promotion's state is present while its meta hash (`total`, `ready`, ...) is; every script that needs
-- the state answers {NOSTATE} without it.

-- The promotion's total quantity, or nil when its state is missing.
local function stateTotal(meta)
  return tonumber(redis.call('HGET', meta, 'total'))
end

local function hasState(meta)
  return redis.call('EXISTS', meta) == 1
end
