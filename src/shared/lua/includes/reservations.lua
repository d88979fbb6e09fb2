-- Time-sale reservations: hash requestId -> "userId|quantity" of every request holding units.

local function reservationOf(userId, quantity)
  return userId .. '|' .. quantity
end

-- The user id and quantity (a number) of a reservation entry.
local function parseReservation(reservation)
  local userId, quantity = string.match(reservation, '^([^|]+)|(%d+)$')
  return userId, tonumber(quantity)
end
