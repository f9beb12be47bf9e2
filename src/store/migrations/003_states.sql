-- dakiya schema v3: the state columns accept only the states dakiya knows (store/states.rs).
-- DuckDB cannot add a CHECK to an existing table, so packages and feeds are rebuilt with them.

CREATE TABLE packages_v3 (
    order_id          VARCHAR PRIMARY KEY,
    state             VARCHAR NOT NULL CHECK (state IN ('sized', 'intent', 'scheduled')),
    box               VARCHAR,
    length_cm         DOUBLE,
    width_cm          DOUBLE,
    height_cm         DOUBLE,
    weight_g          DOUBLE,
    slot_id           VARCHAR,
    slot_start        TIMESTAMP,
    slot_end          TIMESTAMP,
    handover_method   VARCHAR,
    package_id        VARCHAR,
    package_status    VARCHAR,
    tracking_id       VARCHAR,
    invoice_number    VARCHAR,
    invoice_date      TIMESTAMP,
    sized_at          TIMESTAMP NOT NULL,
    intent_at         TIMESTAMP,
    scheduled_at      TIMESTAMP,
    docs_state        VARCHAR CHECK (docs_state IS NULL OR docs_state IN ('requested', 'stored', 'printed', 'failed', 'purged')),
    feed_id           VARCHAR,
    label_printed_at  TIMESTAMP,
    confirmed_at      TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL
);
INSERT INTO packages_v3 SELECT * FROM packages;
DROP TABLE packages;
ALTER TABLE packages_v3 RENAME TO packages;

CREATE TABLE feeds_v3 (
    local_id          VARCHAR PRIMARY KEY,
    state             VARCHAR NOT NULL CHECK (state IN ('intent', 'submitted', 'done', 'failed')),
    feed_id           VARCHAR,
    document_id       VARCHAR,
    result_document_id VARCHAR,
    report_id         VARCHAR,
    n_orders          INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP
);
INSERT INTO feeds_v3 SELECT * FROM feeds;
DROP TABLE feeds;
ALTER TABLE feeds_v3 RENAME TO feeds;
