-- dakiya schema v1. Plain tables hold no PII: see the column allow-list test.
-- Money is integer paise; times are UTC TIMESTAMPs.

CREATE TABLE orders (
    order_id          VARCHAR PRIMARY KEY,
    purchase_date     TIMESTAMP NOT NULL,
    last_updated      TIMESTAMP,
    order_status      VARCHAR NOT NULL,
    easy_ship_status  VARCHAR,
    is_easy_ship      BOOLEAN NOT NULL DEFAULT FALSE,
    is_business       BOOLEAN NOT NULL DEFAULT FALSE,
    is_cod            BOOLEAN NOT NULL DEFAULT FALSE,
    ship_state_code   VARCHAR,            -- GST state code, e.g. '24'
    state_unknown     BOOLEAN NOT NULL DEFAULT FALSE, -- spelling not recognised: flagged for GST
    total_paise       BIGINT,
    currency          VARCHAR,
    hold_reason       VARCHAR,
    held_at           TIMESTAMP,
    delivered_at      TIMESTAMP,
    ended_at          TIMESTAMP,           -- cancelled / returned / lost
    end_reason        VARCHAR,
    pii_deadline      TIMESTAMP,
    pii_purged_at     TIMESTAMP,
    first_seen        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE order_items (
    order_id          VARCHAR NOT NULL,
    order_item_id     VARCHAR NOT NULL,
    sku               VARCHAR,
    asin              VARCHAR,
    quantity          INTEGER NOT NULL,
    item_price_paise  BIGINT,
    item_tax_paise    BIGINT,
    shipping_paise    BIGINT,
    shipping_tax_paise BIGINT,
    discount_paise    BIGINT,
    PRIMARY KEY (order_id, order_item_id)
);

CREATE TABLE packages (
    order_id          VARCHAR PRIMARY KEY,
    state             VARCHAR NOT NULL,    -- sized | intent | scheduled
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
    docs_state        VARCHAR,             -- NULL | requested | stored | printed | failed
    feed_id           VARCHAR,
    label_printed_at  TIMESTAMP,
    confirmed_at      TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL
);

-- Documents feeds (POST_EASYSHIP_DOCUMENTS): intent first, then Amazon's feed id.
CREATE TABLE feeds (
    local_id          VARCHAR PRIMARY KEY,
    state             VARCHAR NOT NULL,    -- intent | submitted | done | failed
    feed_id           VARCHAR,
    document_id       VARCHAR,
    result_document_id VARCHAR,
    report_id         VARCHAR,
    n_orders          INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    finished_at       TIMESTAMP
);

-- Orders whose payload did not match Amazon's model: kept aside with a reason, never guessed.
CREATE TABLE quarantine (
    order_id          VARCHAR PRIMARY KEY,
    reason            VARCHAR NOT NULL,
    first_seen        TIMESTAMP NOT NULL,
    last_seen         TIMESTAMP NOT NULL
);

CREATE TABLE watermarks (
    name              VARCHAR PRIMARY KEY,
    value             TIMESTAMP NOT NULL
);

CREATE TABLE runs (
    run_id            VARCHAR PRIMARY KEY,
    pipeline          VARCHAR NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    ended_at          TIMESTAMP,
    outcome           VARCHAR NOT NULL,    -- running | done | partial | failed
    error_class       VARCHAR
);

CREATE TABLE run_stages (
    run_id            VARCHAR NOT NULL,
    seq               INTEGER NOT NULL,
    stage             VARCHAR NOT NULL,
    started_at        TIMESTAMP NOT NULL,
    duration_ms       BIGINT NOT NULL,
    outcome           VARCHAR NOT NULL,    -- done | partial | failed
    counts            VARCHAR NOT NULL,    -- JSON object of named counts
    held              INTEGER NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE api_calls (
    run_id            VARCHAR,
    called_at         TIMESTAMP NOT NULL,
    operation         VARCHAR NOT NULL,
    http_status       INTEGER,
    request_id        VARCHAR,
    duration_ms       BIGINT NOT NULL,
    attempt           INTEGER NOT NULL,
    error_class       VARCHAR
);
