-- The status endpoint's entry of an accepted v3 request (see src/shared/request-index.ts), written by the
-- accept script in the same call as the filter: its key carries a hash tag of the promotion's slot, so it
-- may be a KEYS entry of the promotion's scripts on Redis Cluster.

-- Writes `entry` (a JSON object) under `key` for `ttl` seconds; `extra` (optional) is JSON members the
-- script decided, e.g. '"ticket":7', added to the object.
local function indexRequest(key, entry, ttl, extra)
  if extra then
    local members = string.sub(entry, 2, -2)
    entry = '{' .. members .. (members == '' and '' or ',') .. extra .. '}'
  end
  redis.call('SET', key, entry, 'EX', ttl)
end
