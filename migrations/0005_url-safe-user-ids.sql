-- Up Migration
-- A user id of dots only ("." or "..") cannot travel in a URL path: every WHATWG URL client resolves it as
-- a dot segment before sending (src/shared/user-id.ts). The API refuses such ids from now on; the CHECK
-- follows. NOT VALID: rows stored before keep their place (PostgreSQL does not re-check them, and these
-- tables are insert-only), new rows must pass. docs/operations.md tells how to find the old rows.
ALTER TABLE coupons ADD CONSTRAINT coupons_user_id_not_dots CHECK (user_id !~ '^\.+$') NOT VALID;
ALTER TABLE coupon_requests ADD CONSTRAINT coupon_requests_user_id_not_dots CHECK (user_id !~ '^\.+$') NOT VALID;
ALTER TABLE timesale_orders ADD CONSTRAINT timesale_orders_user_id_not_dots CHECK (user_id !~ '^\.+$') NOT VALID;
ALTER TABLE timesale_requests ADD CONSTRAINT timesale_requests_user_id_not_dots CHECK (user_id !~ '^\.+$') NOT VALID;

-- Down Migration
ALTER TABLE timesale_requests DROP CONSTRAINT IF EXISTS timesale_requests_user_id_not_dots;
ALTER TABLE timesale_orders DROP CONSTRAINT IF EXISTS timesale_orders_user_id_not_dots;
ALTER TABLE coupon_requests DROP CONSTRAINT IF EXISTS coupon_requests_user_id_not_dots;
ALTER TABLE coupons DROP CONSTRAINT IF EXISTS coupons_user_id_not_dots;
