-- The statuses every promotion script answers with, as the first element of its reply table:
-- {OK, payload...}, {NOSTATE} (the promotion's state is missing and must be rebuilt from PostgreSQL), or a
-- refusal. src/shared/script-status.ts maps them, in one function, to payloads and errors. The refusals
-- double as the decisions of the reserve scripts.
local OK = 'OK'
local NOSTATE = 'NOSTATE'
local ALREADY_ISSUED = 'ALREADY_ISSUED'
local ALREADY_PENDING = 'ALREADY_PENDING'
local SOLD_OUT = 'SOLD_OUT'
local LIMIT_EXCEEDED = 'LIMIT_EXCEEDED'
