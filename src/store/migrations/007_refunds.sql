-- dakiya schema v7: refunds and other post-sale adjustments from the Finances API
-- (`listFinancialEvents`, RefundEventList), PII-free: ids, the SKU, the posting time and the
-- amounts Amazon sent, signed as sent (a refund is negative). One row per adjusted item of an
-- event; `event_key` is derived from what Amazon sends (order, posting time, adjustment or item
-- id, SKU, and the position in the event), so reading the same event again changes nothing.
CREATE TABLE refund_events (
    event_key           VARCHAR PRIMARY KEY,
    order_id            VARCHAR NOT NULL,
    posted_at           TIMESTAMP NOT NULL,
    order_item_id       VARCHAR,           -- when Amazon sends it
    adjustment_item_id  VARCHAR,           -- OrderAdjustmentItemId
    sku                 VARCHAR,
    quantity            INTEGER,           -- QuantityShipped of the adjustment, when sent
    value_paise         BIGINT,            -- Principal, ShippingCharge, Giftwrap, COD charges (signed)
    tax_paise           BIGINT,            -- Tax, ShippingTax, GiftwrapTax, COD tax charges (signed; NULL: none sent)
    promotion_paise     BIGINT,            -- PromotionList amounts (signed)
    other_paise         BIGINT,            -- charge types outside GST's value (Goodwill, RestockingFee, …)
    other_types         VARCHAR,           -- their names, for the CA
    currency            VARCHAR,
    problem             VARCHAR,           -- an event dakiya could not read: kept, listed, never in the sheets
    first_seen          TIMESTAMP NOT NULL
);
-- Every credit line a filed period reported: never reported again elsewhere.
CREATE TABLE gst_filed_refunds (
    event_key           VARCHAR PRIMARY KEY,
    period              VARCHAR NOT NULL,
    section             VARCHAR NOT NULL,
    taxable_paise       BIGINT NOT NULL,
    tax_paise           BIGINT NOT NULL
);
-- Rows of Amazon's Merchant Tax Report (`dakiya gst import-mtr`), PII-free: personal columns
-- (buyer name, bill-to and ship-to city and postal code) are never read; the buyer's GSTIN is kept
-- for B2B rows only. Re-importing a row replaces it (a corrected download).
CREATE TABLE mtr_lines (
    mtr_key             VARCHAR PRIMARY KEY,  -- report|transaction|order|shipment item|sku|invoice|credit note
    report              VARCHAR NOT NULL,     -- B2C | B2B
    transaction_type    VARCHAR NOT NULL,     -- Shipment | Refund | Cancel | FreeReplacement | …
    order_id            VARCHAR NOT NULL,
    shipment_item_id    VARCHAR,
    invoice_number      VARCHAR,
    invoice_date        DATE,
    sku                 VARCHAR,
    hsn                 VARCHAR,
    quantity            INTEGER,
    state_code          VARCHAR,
    invoice_amount_paise BIGINT,
    taxable_paise       BIGINT,
    tax_paise           BIGINT,
    igst_paise          BIGINT,
    cgst_paise          BIGINT,
    sgst_paise          BIGINT,
    credit_note_no      VARCHAR,
    credit_note_date    DATE,
    buyer_gstin         VARCHAR,              -- B2B rows only
    imported_at         TIMESTAMP NOT NULL
);
