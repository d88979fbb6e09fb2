--- @include "status"
-- Installing a promotion's state rebuilt from PostgreSQL: the holders / reservations were loaded into
-- build keys (absent when PostgreSQL had none), which the install script moves into place.

-- What is in place for the promotion: 'none'; 'same' (this promotion's state: its `created` stamp equals
-- `created`, or it has no stamp, as state written before stamps existed); or 'stale' (an earlier promotion
-- that had the same id: PostgreSQL was reset or restored while Redis kept its data).
local function installedState(meta, created)
  if redis.call('EXISTS', meta) == 0 then return 'none' end
  local stamp = redis.call('HGET', meta, 'created')
  if stamp and stamp ~= created then return 'stale' end
  return 'same'
end

-- Whether the state in place is kept: it is this promotion's and `replace` is not '1' (state another
-- process installed meanwhile wins). Kept: the builds are dropped and the script answers {OK, 0}. Stale
-- state is deleted with its `stale` keys (a table), so that nothing of the earlier promotion survives.
local function keepInstalled(meta, replace, created, stale, ...)
  local installed = installedState(meta, created)
  if installed == 'same' and replace ~= '1' then
    redis.call('DEL', ...)
    return true
  end
  if installed == 'stale' then redis.call('DEL', meta, unpack(stale)) end
  return false
end

-- Moves `build` to `target`; an absent build means "empty", so the target is deleted.
local function adoptBuild(build, target)
  if redis.call('EXISTS', build) == 1 then
    redis.call('RENAME', build, target)
  else
    redis.call('DEL', target)
  end
end
