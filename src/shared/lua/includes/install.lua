--- @include "status"
-- Installing a promotion's state rebuilt from PostgreSQL: the holders / reservations were loaded into
-- build keys (absent when PostgreSQL had none), which the install script moves into place.

-- How an install treats state already in place (the scripts' `mode` argument): '0' keeps the
-- promotion's own state (installed meanwhile by another process), '1' replaces whatever is there
-- (reconciliation), '2' is the install of a promotion just created, which also takes unstamped state for
-- an earlier promotion's.

-- What is in place for the promotion: 'none'; 'same' (this promotion's state: its `created` stamp equals
-- `created`; or it has no stamp, as state written before stamps existed, unless `mode` is '2'); or
-- 'stale' (an earlier promotion that had the same id: PostgreSQL was reset or restored while Redis kept
-- its data).
local function installedState(meta, created, mode)
  if redis.call('EXISTS', meta) == 0 then return 'none' end
  local stamp = redis.call('HGET', meta, 'created')
  if not stamp then return mode == '2' and 'stale' or 'same' end
  if stamp ~= created then return 'stale' end
  return 'same'
end

-- Whether the state in place is kept: it is this promotion's and `mode` is not '1'. Kept: the builds are
-- dropped and the script answers {OK, 0}. Stale state is deleted with its `stale` keys (a table), so that
-- nothing of the earlier promotion survives.
local function keepInstalled(meta, mode, created, stale, ...)
  local installed = installedState(meta, created, mode)
  if installed == 'same' and mode ~= '1' then
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
