-- Up Migration
CREATE TABLE IF NOT EXISTS coupon_policies (
  id              bigserial     PRIMARY KEY,
  title           text          NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  total_quantity  integer       NOT NULL CHECK (total_quantity >= 1),
  -- Kept by every strategy in the same transaction as the coupon insert; the CHECK is the last line of
  -- defence against oversell whatever path wrote the row.
  issued_quantity integer       NOT NULL DEFAULT 0 CHECK (issued_quantity >= 0 AND issued_quantity <= total_quantity),
  start_time      timestamptz   NOT NULL,
  end_time        timestamptz   NOT NULL,
  discount_type   text          NOT NULL CHECK (discount_type IN ('FIXED', 'PERCENTAGE')),
  discount_value  numeric(12,2) NOT NULL CHECK (discount_value > 0),
  created_at      timestamptz   NOT NULL DEFAULT now(),
  CHECK (start_time < end_time),
  CHECK (discount_type <> 'PERCENTAGE' OR discount_value <= 100)
);

CREATE TABLE IF NOT EXISTS coupons (
  id          bigserial   PRIMARY KEY,
  policy_id   bigint      NOT NULL REFERENCES coupon_policies (id),
  user_id     bigint      NOT NULL CHECK (user_id > 0),
  -- The request that issued it: the v3 requestId, or a fresh id for v1/v2. Makes a replayed write a no-op.
  request_id  uuid        NOT NULL UNIQUE,
  strategy    text        NOT NULL CHECK (strategy IN ('v1', 'v2', 'v3')),
  issued_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (policy_id, user_id)
);
CREATE INDEX IF NOT EXISTS coupons_user_id_idx ON coupons (user_id);

-- The terminal outcome of every v3 request, written in the same transaction as its coupon.
CREATE TABLE IF NOT EXISTS coupon_requests (
  request_id   uuid        PRIMARY KEY,
  policy_id    bigint      NOT NULL REFERENCES coupon_policies (id),
  user_id      bigint      NOT NULL,
  status       text        NOT NULL CHECK (status IN ('ISSUED', 'FAILED')),
  code         text,
  coupon_id    bigint      REFERENCES coupons (id),
  accepted_at  timestamptz NOT NULL,
  settled_at   timestamptz NOT NULL DEFAULT now(),
  -- Set once the outcome message was acknowledged by Kafka; a redelivered request is not announced twice.
  published_at timestamptz,
  CHECK ((status = 'ISSUED') = (coupon_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS coupon_requests_policy_idx ON coupon_requests (policy_id);

-- Down Migration
DROP TABLE IF EXISTS coupon_requests;
DROP TABLE IF EXISTS coupons;
DROP TABLE IF EXISTS coupon_policies;
