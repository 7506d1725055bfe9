-- Partner feed, second step: HMAC keys that rotate (two accepted during a rotation), the topic of each
-- delivery for the per-topic dashboard, and webhook endpoints for push delivery.

-- +goose Up
-- Every HMAC key of a partner client. The newest key (retires_at NULL) signs; a key replaced by a
-- rotation keeps verifying until retires_at, so a partner can switch without a failed request.
CREATE TABLE partner_hmac_keys (
    id         uuid        PRIMARY KEY,
    client_id  uuid        NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    secret     bytea       NOT NULL CHECK (octet_length(secret) BETWEEN 16 AND 256), -- used as is for X-Jupang-Signature (never logged)
    created_at timestamptz NOT NULL DEFAULT now(),
    retires_at timestamptz,                                  -- NULL: the current key
    CHECK (retires_at IS NULL OR retires_at >= created_at)
);
-- serves: the keys that verify a partner's signatures, and rotation (lock a client's keys, newest first)
CREATE INDEX partner_hmac_keys_client_idx ON partner_hmac_keys (client_id, created_at DESC);
-- at most one current key per client
CREATE UNIQUE INDEX partner_hmac_keys_one_current ON partner_hmac_keys (client_id) WHERE retires_at IS NULL;

-- The single key of oauth_clients becomes each client's first key; the column is no longer written
-- (a later contract migration drops it once no binary reads it).
INSERT INTO partner_hmac_keys (id, client_id, secret, created_at)
SELECT gen_random_uuid(), id, hmac_key, created_at FROM oauth_clients
 WHERE hmac_key IS NOT NULL AND octet_length(hmac_key) BETWEEN 16 AND 256;
ALTER TABLE oauth_clients ALTER COLUMN hmac_key DROP NOT NULL;

-- The outbox topic of each delivery (copied like event_type), so the dashboard groups by partner and
-- topic without joining the outbox.
ALTER TABLE partner_deliveries ADD COLUMN topic text NOT NULL DEFAULT '';
-- serves: the feed dashboard: pending/leased/dead counts, lag and oldest age per partner and topic
CREATE INDEX partner_deliveries_open_idx ON partner_deliveries (client_id, topic, status, created_at) WHERE status <> 'ACKED';
-- serves: acked counts over the dashboard's window, and the sweeper's DELETE of old acked rows
CREATE INDEX partner_deliveries_acked_idx ON partner_deliveries (acked_at) WHERE status = 'ACKED';
-- superseded by the two above; one index less on the feed's hot UPDATEs
DROP INDEX partner_deliveries_client_status_idx;

-- A partner's push endpoint (one per partner). Deliveries are the same partner_deliveries rows the pull
-- feed leases: a push is a lease whose ack is the endpoint's 2xx.
CREATE TABLE partner_webhooks (
    id                   uuid        PRIMARY KEY,
    client_id            uuid        NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    url                  text        NOT NULL CHECK (length(url) BETWEEN 10 AND 2048),
    secret               bytea       NOT NULL CHECK (octet_length(secret) BETWEEN 24 AND 64), -- Standard Webhooks whsec_ key
    status               text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
    consecutive_failures integer     NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    last_success_at      timestamptz,
    last_failure_at      timestamptz,
    last_error           text,
    disabled_at          timestamptz,
    created_by           uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'DISABLED') = (disabled_at IS NOT NULL)),
    CONSTRAINT partner_webhooks_client_key UNIQUE (client_id)  -- serves: one endpoint per partner; the dispatcher's lookup per partner
);

-- +goose Down
DROP TABLE partner_webhooks;
CREATE INDEX partner_deliveries_client_status_idx ON partner_deliveries (client_id, status, visible_at);
DROP INDEX partner_deliveries_acked_idx;
DROP INDEX partner_deliveries_open_idx;
ALTER TABLE partner_deliveries DROP COLUMN topic;
UPDATE oauth_clients c SET hmac_key = k.secret
  FROM partner_hmac_keys k WHERE k.client_id = c.id AND k.retires_at IS NULL AND c.hmac_key IS NULL;
ALTER TABLE oauth_clients ALTER COLUMN hmac_key SET NOT NULL;
DROP TABLE partner_hmac_keys;
