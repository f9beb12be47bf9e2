-- dakiya schema v6: every money part Amazon sends per item (issue #16: the taxable value includes
-- gift wrap, COD fee and other charges; whether ITEM includes tax is decided per order from the
-- item's proceeds total), and the periods the seller has filed (`dakiya gst lock`).
ALTER TABLE order_items ADD COLUMN gift_wrap_paise BIGINT;
ALTER TABLE order_items ADD COLUMN cod_fee_paise BIGINT;
ALTER TABLE order_items ADD COLUMN other_paise BIGINT;
ALTER TABLE order_items ADD COLUMN proceeds_total_paise BIGINT;
-- A period the seller filed: what was exported, with each file's SHA-256 (JSON).
CREATE TABLE gst_filed (
    period            VARCHAR PRIMARY KEY,  -- 2026-10, 2026-Q3, …
    from_day          DATE NOT NULL,        -- India dates, inclusive
    to_day            DATE NOT NULL,
    locked_at         TIMESTAMP NOT NULL,
    files             VARCHAR NOT NULL      -- [{"name":…, "sha256":…}] of the export folder
);
-- Every sale line a filed period reported, with its figures: never reported again elsewhere,
-- and the base of an amendment (`gst export --amend`).
CREATE TABLE gst_filed_lines (
    order_id          VARCHAR NOT NULL,
    order_item_id     VARCHAR NOT NULL,
    period            VARCHAR NOT NULL,
    section           VARCHAR NOT NULL,
    pos               VARCHAR,
    rate_bp           BIGINT,
    taxable_paise     BIGINT NOT NULL,
    tax_paise         BIGINT NOT NULL,
    PRIMARY KEY (order_id, order_item_id)
);
