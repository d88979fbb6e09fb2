--- @include "status"
-- Installing a promotion's state rebuilt from PostgreSQL: the holders / reservations were loaded into
-- build keys (absent when PostgreSQL had none), which the install script moves into place.

-- Unless `replace` is '1', state another process installed meanwhile wins: the builds are dropped and
-- true is returned (the script then answers {OK, 0}).
local function keepInstalled(meta, replace, ...)
  if replace ~= '1' and redis.call('EXISTS', meta) == 1 then
    redis.call('DEL', ...)
    return true
  end
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
