-- External integration: per-partner delivery state of outbox events (the pull/ack/retry feed), HMAC
-- nonces, and the inbox internal consumers use to act once per event id.

-- +goose Up
-- One row per (partner, event), written by the outbox writer in the business transaction for each ACTIVE
-- client whose subscribed_types match (so no event is missed by a later id-ordered scan).
-- Leasing sets status = LEASED and visible_at = lease_until, so an expired lease is simply due again.
CREATE TABLE partner_deliveries (
    client_id   uuid        NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    event_id    uuid        NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    event_type  text        NOT NULL,                         -- copy of outbox_events.type for ?types=
    status      text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'LEASED', 'ACKED', 'DEAD')),
    attempt     integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),   -- deliveries so far; the pull response shows it
    visible_at  timestamptz NOT NULL DEFAULT now(),           -- not handed out before this (lease end, retry delay)
    lease_until timestamptz,
    leased_at   timestamptz,
    acked_at    timestamptz,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, event_id),                        -- serves: ack / retry by (client, event ids); idempotent fan-out
    CHECK (status <> 'LEASED' OR (lease_until IS NOT NULL AND leased_at IS NOT NULL AND attempt >= 1)),
    CHECK ((status = 'ACKED') = (acked_at IS NOT NULL))
);
-- serves: GET /v1/integrations/events/pull: due rows of a partner in event order, FOR UPDATE SKIP LOCKED
CREATE INDEX partner_deliveries_due_idx ON partner_deliveries (client_id, visible_at, event_id) WHERE status IN ('PENDING', 'LEASED');
-- serves: the feed dashboard: counts and lag (min visible_at) per partner and status
CREATE INDEX partner_deliveries_client_status_idx ON partner_deliveries (client_id, status, visible_at);
-- serves: FK cascade when outbox rows are pruned, and "who received event X"
CREATE INDEX partner_deliveries_event_idx ON partner_deliveries (event_id);

CREATE TABLE partner_nonces (
    client_id  uuid        NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    nonce      text        NOT NULL CHECK (length(nonce) BETWEEN 8 AND 128),
    expires_at timestamptz NOT NULL,                         -- request timestamp + replay window
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, nonce)                           -- serves: replay check: INSERT ... ON CONFLICT DO NOTHING, 0 rows = replay
);
-- serves: the sweeper's DELETE ... WHERE expires_at < now()
CREATE INDEX partner_nonces_expires_at_idx ON partner_nonces (expires_at);

-- No foreign key to outbox_events: consumers also read from Kafka, and the outbox is pruned.
CREATE TABLE inbox (
    consumer     text        NOT NULL CHECK (consumer ~ '^[a-z][a-z0-9_.-]{0,63}$'),  -- e.g. rankings.sales-hourly
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL DEFAULT '',
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)                         -- serves: "already processed?" INSERT ... ON CONFLICT DO NOTHING
);
-- serves: the retention sweeper's DELETE ... WHERE processed_at < $cutoff
CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

-- +goose Down
DROP TABLE inbox;
DROP TABLE partner_nonces;
DROP TABLE partner_deliveries;
