-- Operations: runtime settings with two-person approval and their audit; alert channels, rules and
-- events; per-minute metric rollups written by every instance; hourly sales buckets and the
-- precomputed top-product rankings.

-- +goose Up
-- Rows exist only for keys that were changed; an absent key means the typed default in code.
CREATE TABLE settings (
    key        text        PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),  -- e.g. orders.payment_timeout
    value      jsonb       NOT NULL,
    version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    updated_by uuid        REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- serves: instances polling for applied values: WHERE updated_at > $last_seen
CREATE INDEX settings_updated_at_idx ON settings (updated_at);

CREATE TABLE setting_changes (
    id            uuid        PRIMARY KEY,
    key           text        NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),  -- validated by the app; may have no settings row yet
    old_value     jsonb,                                         -- NULL: the key was at its default
    new_value     jsonb       NOT NULL,
    base_version  integer     CHECK (base_version IS NULL OR base_version >= 1),  -- settings.version proposed against (NULL: no row)
    status        text        NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'APPLIED')),
    reason        text        NOT NULL DEFAULT '',
    proposed_by   uuid        NOT NULL REFERENCES users (id),
    approved_by   uuid        REFERENCES users (id),
    rejected_by   uuid        REFERENCES users (id),
    decision_note text,
    proposed_at   timestamptz NOT NULL DEFAULT now(),
    decided_at    timestamptz,
    applied_at    timestamptz,
    CONSTRAINT setting_changes_no_self_approval CHECK (approved_by <> proposed_by),  -- SELF_APPROVAL_FORBIDDEN backstop
    CHECK (status NOT IN ('APPROVED', 'APPLIED') OR (approved_by IS NOT NULL AND decided_at IS NOT NULL)),
    CHECK (status <> 'REJECTED' OR (rejected_by IS NOT NULL AND decided_at IS NOT NULL)),
    CHECK (num_nonnulls(approved_by, rejected_by) <= 1),
    CHECK ((status = 'APPLIED') = (applied_at IS NOT NULL))
);
-- serves: GET /v1/admin/settings/changes?status=PENDING (approval queue, oldest first) and lists by status
CREATE INDEX setting_changes_status_proposed_idx ON setting_changes (status, proposed_at, id);
-- serves: change history of one key
CREATE INDEX setting_changes_key_proposed_idx ON setting_changes (key, proposed_at DESC, id DESC);

CREATE TABLE settings_audit (
    id         uuid        PRIMARY KEY,
    key        text        NOT NULL,
    change_id  uuid        REFERENCES setting_changes (id),
    action     text        NOT NULL CHECK (action IN ('PROPOSED', 'APPROVED', 'REJECTED', 'APPLIED')),
    actor_id   uuid        NOT NULL REFERENCES users (id),
    old_value  jsonb,
    new_value  jsonb,
    version    integer     CHECK (version IS NULL OR version >= 1),  -- settings.version after APPLIED
    trace_id   text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
-- serves: GET /v1/admin/settings/audit (keyset, newest first)
CREATE INDEX settings_audit_created_idx ON settings_audit (created_at DESC, id DESC);
-- serves: GET /v1/admin/settings/audit?key=
CREATE INDEX settings_audit_key_created_idx ON settings_audit (key, created_at DESC, id DESC);
-- serves: the audit entries of one change request
CREATE INDEX settings_audit_change_idx ON settings_audit (change_id) WHERE change_id IS NOT NULL;

CREATE TABLE alert_channels (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    type       text        NOT NULL CHECK (type IN ('SLACK', 'EMAIL')),
    config     jsonb       NOT NULL CHECK (jsonb_typeof(config) = 'object'),  -- SLACK: webhook URL; EMAIL: recipients (validated by the app; secret)
    enabled    boolean     NOT NULL DEFAULT true,
    version    integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by uuid        REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE alert_rules (
    id               uuid        PRIMARY KEY,
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    metric           text        NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]*$'),  -- e.g. orders.failure_rate, orders.latency_p95
    operator         text        NOT NULL CHECK (operator IN ('GT', 'GTE', 'LT', 'LTE', 'EQ', 'NEQ')),
    threshold        double precision NOT NULL,
    window_seconds   integer     NOT NULL CHECK (window_seconds BETWEEN 60 AND 86400),
    cooldown_seconds integer     NOT NULL DEFAULT 300 CHECK (cooldown_seconds >= 0),
    severity         text        NOT NULL DEFAULT 'WARNING' CHECK (severity IN ('INFO', 'WARNING', 'CRITICAL')),
    enabled          boolean     NOT NULL DEFAULT true,
    version          integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_by       uuid        REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- serves: the evaluator loading enabled rules
CREATE INDEX alert_rules_enabled_idx ON alert_rules (metric) WHERE enabled;

CREATE TABLE alert_rule_channels (
    rule_id    uuid NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    channel_id uuid NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, channel_id)          -- serves: channels to notify for a rule
);
-- serves: rules using a channel (channel delete, channel page)
CREATE INDEX alert_rule_channels_channel_idx ON alert_rule_channels (channel_id);

CREATE TABLE alert_events (
    id               uuid        PRIMARY KEY,
    rule_id          uuid        NOT NULL REFERENCES alert_rules (id) ON DELETE CASCADE,
    status           text        NOT NULL CHECK (status IN ('FIRING', 'RESOLVED')),
    dedup_key        text        NOT NULL,                      -- rule id (+ labels); one FIRING event per key
    value            double precision NOT NULL,                 -- the observed value that fired
    fired_at         timestamptz NOT NULL,
    resolved_at      timestamptz,
    last_notified_at timestamptz,
    notify_count     integer     NOT NULL DEFAULT 0 CHECK (notify_count >= 0),
    CHECK ((status = 'RESOLVED') = (resolved_at IS NOT NULL)),
    CHECK (resolved_at IS NULL OR resolved_at >= fired_at)
);
-- serves: deduplication: at most one FIRING event per dedup key (INSERT ... ON CONFLICT DO NOTHING); the evaluator's open-alert lookup
CREATE UNIQUE INDEX alert_events_one_firing_per_key ON alert_events (dedup_key) WHERE status = 'FIRING';
-- serves: cooldown check (latest event of a rule) and a rule's alert history
CREATE INDEX alert_events_rule_fired_idx ON alert_events (rule_id, fired_at DESC);
-- serves: the alerts list on the admin page, newest first
CREATE INDEX alert_events_fired_idx ON alert_events (fired_at DESC, id DESC);

-- One row per (metric, minute, instance); every instance upserts its own minute, readers sum across instances.
CREATE TABLE metric_rollups (
    metric          text        NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]*$'),  -- e.g. orders.create, coupons.claim, inventory.adjust
    minute          timestamptz NOT NULL CHECK (minute = date_bin('1 minute', minute, TIMESTAMPTZ '2000-01-01 00:00:00+00')),
    instance        text        NOT NULL CHECK (instance <> ''),
    count           bigint      NOT NULL CHECK (count >= 0),
    failures        bigint      NOT NULL DEFAULT 0 CHECK (failures >= 0),
    latency_sum_us  bigint      NOT NULL DEFAULT 0 CHECK (latency_sum_us >= 0),
    latency_max_us  bigint      NOT NULL DEFAULT 0 CHECK (latency_max_us >= 0),
    latency_buckets bigint[]    NOT NULL DEFAULT '{}',           -- per-bucket counts over fixed bounds defined in code
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (failures <= count),
    -- serves: GET /v1/admin/metrics/core?window= (WHERE metric = ANY($1) AND minute >= $since) and the alert evaluator
    PRIMARY KEY (metric, minute, instance)
);
-- serves: the retention sweeper's DELETE ... WHERE minute < $cutoff
CREATE INDEX metric_rollups_minute_idx ON metric_rollups (minute);

-- Paid sales per (market, UTC hour, product), in the market currency; the rankings job reads the last 72 h.
CREATE TABLE sales_hourly (
    market     char(2)     NOT NULL REFERENCES markets (code),
    hour       timestamptz NOT NULL CHECK (hour = date_bin('1 hour', hour, TIMESTAMPTZ '2000-01-01 00:00:00+00')),
    product_id uuid        NOT NULL REFERENCES products (id),
    quantity   bigint      NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    revenue    bigint      NOT NULL DEFAULT 0 CHECK (revenue >= 0),   -- minor units of the market currency
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- serves: the rankings job: WHERE market = $1 AND hour >= now() - 72h GROUP BY product_id; upserts per paid order
    PRIMARY KEY (market, hour, product_id)
);
-- serves: the retention sweeper's DELETE ... WHERE hour < $cutoff
CREATE INDEX sales_hourly_hour_idx ON sales_hourly (hour);

-- The current top list per market and measure; the job replaces a (market, ranked_by) set in one transaction.
CREATE TABLE product_rankings (
    market        char(2)     NOT NULL REFERENCES markets (code),
    ranked_by     text        NOT NULL CHECK (ranked_by IN ('quantity', 'revenue')),
    rank          smallint    NOT NULL CHECK (rank BETWEEN 1 AND 100),
    product_id    uuid        NOT NULL REFERENCES products (id),
    sold_quantity bigint      NOT NULL CHECK (sold_quantity >= 0),
    revenue       bigint      NOT NULL CHECK (revenue >= 0),
    currency      char(3)     NOT NULL,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    computed_at   timestamptz NOT NULL,
    CHECK (window_end > window_start),
    -- serves: GET /v1/products/top?by= cache fill: WHERE market = $1 AND ranked_by = $2 ORDER BY rank
    PRIMARY KEY (market, ranked_by, rank),
    -- a product appears once per list
    CONSTRAINT product_rankings_product_key UNIQUE (market, ranked_by, product_id),
    CONSTRAINT product_rankings_market_currency_fkey FOREIGN KEY (market, currency) REFERENCES markets (code, currency)
);

-- +goose Down
DROP TABLE product_rankings;
DROP TABLE sales_hourly;
DROP TABLE metric_rollups;
DROP TABLE alert_events;
DROP TABLE alert_rule_channels;
DROP TABLE alert_rules;
DROP TABLE alert_channels;
DROP TABLE settings_audit;
DROP TABLE setting_changes;
DROP TABLE settings;
