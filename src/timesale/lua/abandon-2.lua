-- Undoes what accept-7.lua left for an order that never reached Kafka: counts its ticket as abandoned, so
-- later queue positions stay right, and forgets its status-index entry.
-- KEYS[1]  {t:ID}:abandoned  tickets whose request never reached Kafka
-- KEYS[2]  {<slot tag>}:t:req:<requestId>  the request's status-index entry
-- returns  {'OK'}
--- @include "status"
redis.call('INCR', KEYS[1])
redis.call('DEL', KEYS[2])
return { OK }
