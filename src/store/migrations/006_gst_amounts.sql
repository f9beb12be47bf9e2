-- dakiya schema v6: every money part Amazon sends per item (issue #16: the taxable value includes
-- gift wrap, COD fee and other charges; whether ITEM includes tax is decided per order from the
-- item's proceeds total), and the periods the seller has filed (`dakiya gst lock`).
ALTER TABLE order_items ADD COLUMN gift_wrap_paise BIGINT;
ALTER TABLE order_items ADD COLUMN cod_fee_paise BIGINT;
ALTER TABLE order_items ADD COLUMN other_paise BIGINT;
ALTER TABLE order_items ADD COLUMN proceeds_total_paise BIGINT;
-- How Amazon's amounts add up for the order, decided on arrival (ingest::tax_basis): EXCLUSIVE
-- (total = charges + TAX), INCLUSIVE (total = charges), NO_TAX (no TAX breakdown),
-- UNRECONCILED. Orders stored before v6 are decided here by the same rule.
ALTER TABLE orders ADD COLUMN tax_basis VARCHAR;
-- The invoice value (what the buyer pays for the goods: charges, plus TAX when it is on top).
ALTER TABLE orders ADD COLUMN invoice_value_paise BIGINT;
UPDATE orders SET tax_basis = b.basis, invoice_value_paise = CASE WHEN b.basis = 'EXCLUSIVE' THEN b.charges + b.tax ELSE b.charges END FROM (
    SELECT o.order_id,
           CASE WHEN bool_or(i.item_tax_paise IS NOT NULL OR i.shipping_tax_paise IS NOT NULL) IS NOT TRUE
                     THEN CASE WHEN o.total_paise IS NULL OR abs(o.total_paise - sum(coalesce(i.item_price_paise, 0) + coalesce(i.shipping_paise, 0) - abs(coalesce(i.discount_paise, 0)))) <= count(*) THEN 'NO_TAX' ELSE 'UNRECONCILED' END
                WHEN o.total_paise IS NULL THEN 'UNRECONCILED'
                WHEN abs(o.total_paise - sum(coalesce(i.item_price_paise, 0) + coalesce(i.shipping_paise, 0) - abs(coalesce(i.discount_paise, 0))
                                             + coalesce(i.item_tax_paise, 0) + coalesce(i.shipping_tax_paise, 0))) <= count(*) THEN 'EXCLUSIVE'
                WHEN abs(o.total_paise - sum(coalesce(i.item_price_paise, 0) + coalesce(i.shipping_paise, 0) - abs(coalesce(i.discount_paise, 0)))) <= count(*) THEN 'INCLUSIVE'
                ELSE 'UNRECONCILED' END AS basis,
           sum(coalesce(i.item_price_paise, 0) + coalesce(i.shipping_paise, 0) - abs(coalesce(i.discount_paise, 0))) AS charges,
           sum(coalesce(i.item_tax_paise, 0) + coalesce(i.shipping_tax_paise, 0)) AS tax
    FROM orders o JOIN order_items i USING (order_id) GROUP BY o.order_id, o.total_paise
) b WHERE orders.order_id = b.order_id;
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
