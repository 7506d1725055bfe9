-- Platform tables every area relies on: idempotency records, the transactional outbox, job leases.

-- +goose Up
CREATE TABLE idempotency_keys (
    scope         text        NOT NULL,               -- "user:<id>", "session:<sid>", "client:<id>", "ip:<addr>"
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint   text        NOT NULL,               -- sha256 of method, path and body
    state         text        NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
    status_code   integer,
    content_type  text,
    body          bytea,
    locked_until  timestamptz NOT NULL,               -- an IN_PROGRESS claim older than this may be taken over
    expires_at    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key),
    CHECK (state = 'IN_PROGRESS' OR status_code IS NOT NULL)
);
-- serves: the sweeper's DELETE ... WHERE expires_at < now()
CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);

CREATE TABLE outbox_events (
    id              uuid        PRIMARY KEY,          -- CloudEvents id (UUIDv7)
    type            text        NOT NULL,             -- e.g. order.paid
    source          text        NOT NULL,
    subject         text        NOT NULL DEFAULT '',
    aggregate_id    text        NOT NULL,             -- Kafka message key
    topic           text        NOT NULL,
    data            jsonb       NOT NULL,
    traceparent     text        NOT NULL DEFAULT '',
    occurred_at     timestamptz NOT NULL,
    status          text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PUBLISHED', 'DEAD')),
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    published_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- serves: the relay's "claim due PENDING rows oldest first ... FOR UPDATE SKIP LOCKED"
CREATE INDEX outbox_events_due_idx ON outbox_events (next_attempt_at, id) WHERE status = 'PENDING';
-- serves: GET /v1/admin/integrations/outbox?status=&type=&cursor= (keyset on id within a status)
CREATE INDEX outbox_events_status_type_id_idx ON outbox_events (status, type, id);

CREATE TABLE job_leases (
    job_name     text        PRIMARY KEY,
    holder       text        NOT NULL,
    leased_until timestamptz NOT NULL,
    last_run_at  timestamptz,
    last_error   text
);

-- +goose Down
DROP TABLE job_leases;
DROP TABLE outbox_events;
DROP TABLE idempotency_keys;
