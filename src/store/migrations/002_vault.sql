-- dakiya schema v2: the encrypted PII vault and the purge log.
-- vault.ciphertext is AES-256-GCM; the keys live outside the database (keystore.json).

CREATE TABLE vault (
    order_id          VARCHAR NOT NULL,
    field             VARCHAR NOT NULL,
    key_id            VARCHAR NOT NULL,
    epoch             DATE NOT NULL,
    deadline          TIMESTAMP NOT NULL,
    nonce             BLOB NOT NULL,
    ciphertext        BLOB NOT NULL,
    sealed_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (order_id, field)
);

CREATE TABLE purge_log (
    purged_at         TIMESTAMP NOT NULL,
    run_id            VARCHAR,
    rule              VARCHAR NOT NULL,   -- pii | labels | logs | run_history | api_calls | orders
    n_rows            BIGINT NOT NULL,
    epochs            VARCHAR NOT NULL,   -- destroyed key epochs, comma-separated (dates only)
    dry_run           BOOLEAN NOT NULL
);
