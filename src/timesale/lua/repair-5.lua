-- Repairs a sale's Redis state towards what PostgreSQL holds, without disturbing reservations in flight,
-- then recounts `sold` and `users` from the reservations so the counters equal their sums again.
-- KEYS[1]  {t:ID}:meta          hash: total, maxPerUser, ready
-- KEYS[2]  {t:ID}:reservations  hash: requestId -> "userId|quantity"
-- KEYS[3]  {t:ID}:sold          units taken
-- KEYS[4]  {t:ID}:users         hash: userId -> units
-- KEYS[5]  {t:ID}:outcomes      hash: requestId -> decision (reservations not yet settled)
-- ARGV[1]  total quantity from PostgreSQL
-- ARGV[2]  max per user from PostgreSQL (0 = no limit)
-- ARGV[3]  number of orders to add, then: requestId, "userId|quantity", ... (orders PostgreSQL holds)
-- ARGV...  then request ids to remove (reservations PostgreSQL does not know, seen settled)
-- returns  {'OK', added, removed}
--- @include "repair"
--- @include "reservations"
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'maxPerUser', ARGV[2], 'ready', '1')
local last = 3 + tonumber(ARGV[3]) * 2
local added = putAll(KEYS[2], 4, last)
local removed = 0
for i = last + 1, #ARGV do
  if redis.call('HEXISTS', KEYS[5], ARGV[i]) == 0 then
    removed = removed + redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
local sold = 0
local users = {}
local reservations = redis.call('HVALS', KEYS[2])
for _, reservation in ipairs(reservations) do
  local userId, quantity = parseReservation(reservation)
  sold = sold + quantity
  users[userId] = (users[userId] or 0) + quantity
end
redis.call('SET', KEYS[3], sold)
redis.call('DEL', KEYS[4])
for userId, units in pairs(users) do redis.call('HSET', KEYS[4], userId, units) end
return { OK, added, removed }
