-- Catalog: when each top list was last computed, including lists that came out empty, so
-- GET /v1/products/top can report computedAt (and derive its ETag) even when nothing sold.

-- +goose Up
CREATE TABLE product_ranking_runs (
    market       char(2)     NOT NULL REFERENCES markets (code),
    ranked_by    text        NOT NULL CHECK (ranked_by IN ('quantity', 'revenue')),
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    computed_at  timestamptz NOT NULL,
    CHECK (window_end > window_start),
    -- serves: GET /v1/products/top cache fill (the runs of a market) and the job's upsert per list
    PRIMARY KEY (market, ranked_by)
);

-- +goose Down
DROP TABLE product_ranking_runs;
