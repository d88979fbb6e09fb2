-- Up Migration
CREATE TABLE IF NOT EXISTS time_sales (
  id               bigserial     PRIMARY KEY,
  product_name     text          NOT NULL CHECK (char_length(product_name) BETWEEN 1 AND 200),
  original_price   numeric(12,2) NOT NULL CHECK (original_price > 0),
  sale_price       numeric(12,2) NOT NULL CHECK (sale_price > 0 AND sale_price <= original_price),
  total_quantity   integer       NOT NULL CHECK (total_quantity >= 1),
  -- Kept by every strategy in the same transaction as the order insert; the CHECK is the last line of
  -- defence against oversell whatever path wrote the row.
  sold_quantity    integer       NOT NULL DEFAULT 0 CHECK (sold_quantity >= 0 AND sold_quantity <= total_quantity),
  start_at         timestamptz   NOT NULL,
  end_at           timestamptz   NOT NULL,
  -- Most units one user may buy in this sale; NULL = no limit.
  max_per_user     integer       CHECK (max_per_user >= 1),
  -- How many v3 requests of this sale have a recorded outcome: the settled watermark of the queue
  -- position, counted in the transaction that records the outcomes, so a crash or replay never skews it.
  settled_requests bigint        NOT NULL DEFAULT 0 CHECK (settled_requests >= 0),
  created_at       timestamptz   NOT NULL DEFAULT now(),
  CHECK (start_at < end_at)
);

CREATE TABLE IF NOT EXISTS timesale_orders (
  id           bigserial     PRIMARY KEY,
  time_sale_id bigint        NOT NULL REFERENCES time_sales (id),
  user_id      bigint        NOT NULL CHECK (user_id > 0),
  quantity     integer       NOT NULL CHECK (quantity >= 1),
  unit_price   numeric(12,2) NOT NULL CHECK (unit_price > 0),
  total_price  numeric(16,2) NOT NULL CHECK (total_price > 0),
  -- The request that placed it: the v3 requestId, or a fresh id for v1/v2. Makes a replayed write a no-op.
  request_id   uuid          NOT NULL UNIQUE,
  strategy     text          NOT NULL CHECK (strategy IN ('v1', 'v2', 'v3')),
  status       text          NOT NULL DEFAULT 'COMPLETED' CHECK (status = 'COMPLETED'),
  created_at   timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS timesale_orders_user_id_idx ON timesale_orders (user_id);
-- The per-user limit sums a user's orders of one sale under the sale's row lock.
CREATE INDEX IF NOT EXISTS timesale_orders_sale_user_idx ON timesale_orders (time_sale_id, user_id);

-- The terminal outcome of every v3 request, written in the same transaction as its order.
CREATE TABLE IF NOT EXISTS timesale_requests (
  request_id     uuid        PRIMARY KEY,
  time_sale_id   bigint      NOT NULL REFERENCES time_sales (id),
  user_id        bigint      NOT NULL,
  quantity       integer     NOT NULL CHECK (quantity >= 1),
  -- The sale's acceptance counter at accept time (1, 2, 3, … per sale): the order of the queue.
  ticket         bigint      NOT NULL,
  -- The queue position the client was told when its request was accepted.
  queue_position bigint      NOT NULL,
  status         text        NOT NULL CHECK (status IN ('COMPLETED', 'FAILED')),
  code           text        CHECK (code IN ('SOLD_OUT', 'LIMIT_EXCEEDED')),
  order_id       bigint      REFERENCES timesale_orders (id),
  accepted_at    timestamptz NOT NULL,
  settled_at     timestamptz NOT NULL DEFAULT now(),
  -- Set once the outcome message was acknowledged by Kafka; a redelivered request is not announced twice.
  published_at   timestamptz,
  CHECK ((status = 'COMPLETED') = (order_id IS NOT NULL)),
  CHECK ((status = 'FAILED') = (code IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS timesale_requests_sale_idx ON timesale_requests (time_sale_id);

-- Down Migration
DROP TABLE IF EXISTS timesale_requests;
DROP TABLE IF EXISTS timesale_orders;
DROP TABLE IF EXISTS time_sales;
