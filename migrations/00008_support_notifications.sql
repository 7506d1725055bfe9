-- Customer notifications (GET /v1/users/me/notifications and the email/push dispatch), support notes
-- on customers, and the activity log of every support read and action.

-- +goose Up
CREATE TABLE notifications (
    id             uuid        PRIMARY KEY,                       -- UUIDv7: id order is time order
    user_id        uuid        NOT NULL REFERENCES users (id),
    type           text        NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),  -- e.g. refund.completed
    locale         text        NOT NULL CHECK (locale IN ('ko', 'en', 'ja')),
    title          text        NOT NULL CHECK (title <> ''),
    body           text        NOT NULL DEFAULT '',
    data           jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),  -- ids the client links to
    channels       text[]      NOT NULL DEFAULT '{}' CHECK (channels <@ ARRAY['EMAIL', 'PUSH', 'LOG']::text[]),
    dedup_key      text,                                          -- e.g. "refund:<id>:completed": a redelivered event notifies once
    delivery_status text       NOT NULL DEFAULT 'PENDING' CHECK (delivery_status IN ('PENDING', 'SENT', 'FAILED', 'SKIPPED')),
    attempts       integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error     text,
    sent_at        timestamptz,
    read_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (delivery_status <> 'SENT' OR sent_at IS NOT NULL)
);
-- serves: GET /v1/users/me/notifications (keyset on id, newest first)
CREATE INDEX notifications_user_id_idx ON notifications (user_id, id DESC);
-- serves: the dispatcher claiming PENDING notifications oldest first (FOR UPDATE SKIP LOCKED)
CREATE INDEX notifications_pending_idx ON notifications (created_at, id) WHERE delivery_status = 'PENDING';
-- serves: exactly-once notification per (user, dedup key) under event redelivery
CREATE UNIQUE INDEX notifications_user_dedup_key ON notifications (user_id, dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE support_notes (
    id          uuid        PRIMARY KEY,
    customer_id uuid        NOT NULL REFERENCES users (id),
    author_id   uuid        NOT NULL REFERENCES users (id),
    body        text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (author_id <> customer_id)
);
-- serves: notes of a customer in GET /v1/support/customers/{id}/orders, newest first
CREATE INDEX support_notes_customer_created_idx ON support_notes (customer_id, created_at DESC, id DESC);

CREATE TABLE support_activity (
    id          uuid        PRIMARY KEY,
    agent_id    uuid        NOT NULL REFERENCES users (id),
    action      text        NOT NULL CHECK (action ~ '^[A-Z][A-Z0-9_]{1,63}$'),  -- e.g. VIEW_CUSTOMER_ORDERS, ADD_NOTE, REQUEST_REFUND
    customer_id uuid        REFERENCES users (id),
    order_id    uuid        REFERENCES orders (id),
    refund_id   uuid        REFERENCES refunds (id),
    route       text        NOT NULL DEFAULT '',                 -- e.g. "GET /v1/support/customers/:id/orders"
    detail      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object'),  -- masked, never raw PII
    trace_id    text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- serves: GET /v1/support/activity?agentId=&from=&to= (Support always sees its own rows through this)
CREATE INDEX support_activity_agent_created_idx ON support_activity (agent_id, created_at DESC, id DESC);
-- serves: GET /v1/support/activity?customerId=&from=&to=
CREATE INDEX support_activity_customer_created_idx ON support_activity (customer_id, created_at DESC, id DESC) WHERE customer_id IS NOT NULL;
-- serves: GET /v1/support/activity?from=&to= for Admin without other filters
CREATE INDEX support_activity_created_idx ON support_activity (created_at DESC, id DESC);

-- +goose Down
DROP TABLE support_activity;
DROP TABLE support_notes;
DROP TABLE notifications;
