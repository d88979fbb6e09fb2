--- @include "status"
-- Time-sale reservations: hash requestId -> "userId|quantity" of every request holding units.

local function reservationOf(userId, quantity)
  return userId .. '|' .. quantity
end

-- The user id and quantity (a number) of a reservation entry.
local function parseReservation(reservation)
  local userId, quantity = string.match(reservation, '^([^|]+)|(%d+)$')
  return userId, tonumber(quantity)
end

-- Why an order of `quantity` units by `userId` cannot succeed now — LIMIT_EXCEEDED (the user's limit in
-- `meta` would be passed) or SOLD_OUT (fewer than `quantity` of `total` units left) — or nil when it may.
local function orderRefusal(meta, total, sold, users, userId, quantity)
  local max = tonumber(redis.call('HGET', meta, 'maxPerUser')) or 0
  if max > 0 and (tonumber(redis.call('HGET', users, userId)) or 0) + quantity > max then
    return LIMIT_EXCEEDED
  end
  if (tonumber(redis.call('GET', sold)) or 0) + quantity > total then return SOLD_OUT end
  return nil
end
