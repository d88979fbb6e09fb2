-- Up Migration
-- User ids become opaque text (SPEC §2 "Identity"; the rule lives in src/shared/user-id.ts): 1–64
-- characters of A–Z a–z 0–9 . _ : @ -, and an id of digits only has no leading zero, so the integers stored
-- so far keep their meaning ("1001" is the user 1001). COLLATE "C": ids compare byte by byte, as Redis and
-- the API compare them, and the indexes stay as cheap as for the bigint column. Changing the type rebuilds
-- the unique constraint (policy_id, user_id) and the indexes on user_id; it rewrites the four tables under
-- an exclusive lock, so on a large database run `npm run cli -- migrate` in a quiet moment.
ALTER TABLE coupons DROP CONSTRAINT IF EXISTS coupons_user_id_check;
ALTER TABLE coupons ALTER COLUMN user_id TYPE text COLLATE "C" USING user_id::text;
ALTER TABLE coupons ADD CONSTRAINT coupons_user_id_format
  CHECK (user_id ~ '^[A-Za-z0-9._:@-]{1,64}$' AND user_id !~ '^0[0-9]*$');

ALTER TABLE coupon_requests ALTER COLUMN user_id TYPE text COLLATE "C" USING user_id::text;
ALTER TABLE coupon_requests ADD CONSTRAINT coupon_requests_user_id_format
  CHECK (user_id ~ '^[A-Za-z0-9._:@-]{1,64}$' AND user_id !~ '^0[0-9]*$');

ALTER TABLE timesale_orders DROP CONSTRAINT IF EXISTS timesale_orders_user_id_check;
ALTER TABLE timesale_orders ALTER COLUMN user_id TYPE text COLLATE "C" USING user_id::text;
ALTER TABLE timesale_orders ADD CONSTRAINT timesale_orders_user_id_format
  CHECK (user_id ~ '^[A-Za-z0-9._:@-]{1,64}$' AND user_id !~ '^0[0-9]*$');

ALTER TABLE timesale_requests ALTER COLUMN user_id TYPE text COLLATE "C" USING user_id::text;
ALTER TABLE timesale_requests ADD CONSTRAINT timesale_requests_user_id_format
  CHECK (user_id ~ '^[A-Za-z0-9._:@-]{1,64}$' AND user_id !~ '^0[0-9]*$');

-- Down Migration
-- Only possible while every stored user id is an integer; otherwise the cast fails and nothing changes.
ALTER TABLE timesale_requests DROP CONSTRAINT IF EXISTS timesale_requests_user_id_format;
ALTER TABLE timesale_requests ALTER COLUMN user_id TYPE bigint USING user_id::bigint;
ALTER TABLE timesale_orders DROP CONSTRAINT IF EXISTS timesale_orders_user_id_format;
ALTER TABLE timesale_orders ALTER COLUMN user_id TYPE bigint USING user_id::bigint;
ALTER TABLE timesale_orders ADD CONSTRAINT timesale_orders_user_id_check CHECK (user_id > 0);
ALTER TABLE coupon_requests DROP CONSTRAINT IF EXISTS coupon_requests_user_id_format;
ALTER TABLE coupon_requests ALTER COLUMN user_id TYPE bigint USING user_id::bigint;
ALTER TABLE coupons DROP CONSTRAINT IF EXISTS coupons_user_id_format;
ALTER TABLE coupons ALTER COLUMN user_id TYPE bigint USING user_id::bigint;
ALTER TABLE coupons ADD CONSTRAINT coupons_user_id_check CHECK (user_id > 0);
