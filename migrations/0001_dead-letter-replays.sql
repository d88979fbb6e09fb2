-- Up Migration
-- Which dead letters were already replayed, so that "replay all" twice sends each message back once.
CREATE TABLE IF NOT EXISTS dead_letter_replays (
  dlq_topic     text        NOT NULL,
  dlq_partition integer     NOT NULL,
  dlq_offset    bigint      NOT NULL,
  request_id    text,
  target_topic  text        NOT NULL,
  replayed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset)
);

-- Down Migration
DROP TABLE IF EXISTS dead_letter_replays;
