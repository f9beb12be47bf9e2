-- One row per order item of the period, with the GST computation: tax heads, GSTR-1 section, TCS.
-- Over the store (`main`) and the catalogue in the scratch database (`gstx.cat`). `{from}`, `{to}`
-- (UTC timestamps of the period's India-date bounds) and `{seller_state}` (two digits) are
-- validated values filled in by `store::gst` (the same text serves CREATE TABLE … AS and the
-- benchmark's COPY … TO baseline, which take no bound parameters).
-- Tax: Amazon's where present, else from the GST-inclusive value (value × rate ÷ (100 + rate),
-- half up). Same state → CGST (tax ÷ 2, rounded down) + SGST (the rest), else IGST.
-- B2CL: inter-state invoices above ₹2,50,000 (to 31 July 2024) or ₹1,00,000 (from 1 August 2024).
-- TCS expectation: 1 % to 9 July 2024, 0.5 % from 10 July 2024, on the taxable value.
WITH base AS (
  SELECT o.order_id, i.order_item_id, o.purchase_date, p.invoice_number, p.invoice_date, i.sku, i.asin, i.quantity,
         i.item_price_paise AS price, i.item_tax_paise AS itax, coalesce(i.shipping_paise, 0) AS ship,
         coalesce(i.shipping_tax_paise, 0) AS stax, coalesce(i.discount_paise, 0) AS disc,
         CASE WHEN o.state_unknown THEN NULL ELSE o.ship_state_code END AS pos,
         o.is_business AS business, o.order_status = 'CANCELLED' AS cancelled, c.hsn, c.rate_bp,
         coalesce(p.invoice_date, o.purchase_date) AS sort_at,
         CAST(coalesce(p.invoice_date, o.purchase_date) + INTERVAL 330 MINUTE AS DATE) AS inv_day,
         CAST(o.purchase_date + INTERVAL 330 MINUTE AS DATE) AS order_day
  FROM main.orders o JOIN main.order_items i USING (order_id) LEFT JOIN main.packages p USING (order_id)
       LEFT JOIN gstx.cat c ON c.sku = i.sku
  WHERE coalesce(p.invoice_date, o.purchase_date) >= TIMESTAMP '{from}' AND coalesce(p.invoice_date, o.purchase_date) < TIMESTAMP '{to}'
    AND o.order_status NOT IN ('PENDING', 'PENDING_AVAILABILITY')
    AND NOT (o.order_status = 'CANCELLED' AND p.invoice_number IS NULL)
), taxed AS (
  SELECT *, coalesce(price, 0) + ship - disc AS gross,
         CASE WHEN itax IS NOT NULL THEN itax + stax
              WHEN rate_bp IS NOT NULL THEN ((coalesce(price, 0) + ship - disc) * rate_bp * 2 + (10000 + rate_bp)) // ((10000 + rate_bp) * 2)
              ELSE 0 END AS tax,
         coalesce(pos = '{seller_state}', false) AS intra
  FROM base
), heads AS (
  SELECT *, gross - tax AS taxable,
         CASE WHEN intra THEN 0 ELSE tax END AS igst,
         CASE WHEN intra THEN tax // 2 ELSE 0 END AS cgst,
         CASE WHEN intra THEN tax - tax // 2 ELSE 0 END AS sgst
  FROM taxed
), per_order AS (
  SELECT order_id AS po_id, sum(gross) AS invoice_value, bool_or(rate_bp IS NULL) AS sku_missing
  FROM heads GROUP BY order_id
), ord AS (
  SELECT * EXCLUDE (po_id) FROM heads JOIN per_order ON heads.order_id = per_order.po_id
)
SELECT *,
       CASE WHEN cancelled THEN 'CANCELLED'
            WHEN pos IS NULL OR sku_missing THEN 'QUARANTINED'
            WHEN business THEN 'B2B'
            WHEN NOT intra AND invoice_value > CASE WHEN inv_day <= DATE '2024-07-31' THEN 25000000 ELSE 10000000 END THEN 'B2CL'
            ELSE 'B2CS' END AS section,
       (taxable * CASE WHEN inv_day < DATE '2024-07-10' THEN 100 ELSE 50 END * 2 + 10000) // 20000 AS tcs
FROM ord
