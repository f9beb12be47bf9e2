-- One row per order item of the period, with the GST computation: tax basis, rate, tax heads,
-- GSTR-1 section, TCS. Over the store (`main`) and the catalogue in the scratch database
-- (`gstx.cat`). `{from}`, `{to}` (UTC timestamps of the period's India-date bounds),
-- `{seller_state}` (two digits) and `{filed}` (the anti-join on lines other periods filed, or
-- nothing) are validated values filled in by `store::gst` (the same text serves CREATE TABLE … AS
-- and the benchmark's COPY … TO baseline, which take no bound parameters). `{chunk}`: the orders
-- of one month of purchase dates, the same predicate over the three tables' purchase_date (the
-- items' and packages' are copies of their order's, schema v9), or `true` for all of them.
-- Sources of every rule: docs/gst-rules.md.
-- Period: a line belongs where its invoice date falls (time of supply follows the invoice); a
-- line without an invoice is listed where it was ordered and kept out of the sheets; a line whose
-- invoice date falls in a period already filed (`gst lock`) but that the filing did not hold comes
-- into the next export; a line a filing held is never reported again.
-- Tax basis, per order, decided on arrival (`ingest::tax_basis`, stored in orders.tax_basis): the
-- totals equal the charges plus TAX (EXCLUSIVE: Amazon's own example) or the charges alone
-- (INCLUSIVE: tax inside); with no TAX breakdown the tax is computed from the catalogue rate as
-- inside (COMPUTED); neither way is UNRECONCILED and kept out. Charges: ITEM + SHIPPING +
-- GIFT_WRAP + COD_FEE + OTHER − |DISCOUNT|.
-- Rate: Amazon's tax ÷ taxable snapped to the slabs in force on the invoice day (within one paisa
-- per unit plus one), compared with the catalogue's rate on that day; no slab fits = kept out.
-- Same state → CGST (tax ÷ 2, rounded down) + SGST (the rest), else IGST. A line that cannot be
-- proven (state, SKU, amounts, rate) is kept out on its own, so the lines need no per-order
-- aggregate and seven years at 3,000 orders a day stream within DuckDB's memory limit; the
-- invoice value is the order's, decided on arrival (orders.invoice_value_paise).
-- B2CL: inter-state invoices above ₹2,50,000 (to 31 July 2024) or ₹1,00,000 (from 1 August 2024).
-- Business orders stay B2C (dakiya holds no buyer GSTIN) and are flagged as B2B candidates.
-- TCS expectation: 1 % to 9 July 2024, 0.5 % from 10 July 2024, on the taxable value.
WITH base AS (
  SELECT o.order_id, i.order_item_id, o.purchase_date, p.invoice_number, p.invoice_date, i.sku, i.asin, i.quantity,
         coalesce(i.item_price_paise, 0) + coalesce(i.shipping_paise, 0) + coalesce(i.gift_wrap_paise, 0) + coalesce(i.cod_fee_paise, 0)
           + coalesce(i.other_paise, 0) - abs(coalesce(i.discount_paise, 0)) AS charges,
         CASE WHEN i.item_tax_paise IS NULL AND i.shipping_tax_paise IS NULL THEN NULL
              ELSE coalesce(i.item_tax_paise, 0) + coalesce(i.shipping_tax_paise, 0) END AS amazon_tax,
         CASE o.tax_basis WHEN 'NO_TAX' THEN 'COMPUTED' WHEN 'EXCLUSIVE' THEN 'EXCLUSIVE' WHEN 'INCLUSIVE' THEN 'INCLUSIVE' ELSE 'UNRECONCILED' END AS basis,
         CASE WHEN o.state_unknown THEN NULL ELSE o.ship_state_code END AS pos,
         o.is_business AS business, o.order_status = 'CANCELLED' AS cancelled, c.hsn, c.uqc,
         ist_day(p.invoice_date) AS inv_day,
         ist_day(o.purchase_date) AS order_day,
         coalesce(p.invoice_date, o.purchase_date) AS sort_at,
         CASE WHEN c.rate_from IS NULL OR ist_day(coalesce(p.invoice_date, o.purchase_date)) >= c.rate_from
              THEN c.rate_bp ELSE c.rate_before_bp END AS cat_rate_bp,
         p.invoice_date < TIMESTAMP '{from}' AS late, o.invoice_value_paise AS invoice_value
  FROM (SELECT * FROM main.orders WHERE {chunk}) o JOIN (SELECT * EXCLUDE (purchase_date) FROM main.order_items WHERE {chunk}) i USING (order_id)
       LEFT JOIN (SELECT * EXCLUDE (purchase_date) FROM main.packages WHERE {chunk}) p USING (order_id)
       LEFT JOIN gstx.cat c ON c.sku = i.sku
  WHERE coalesce(p.invoice_date, o.purchase_date) < TIMESTAMP '{to}'
    AND coalesce(p.invoice_date, o.purchase_date) >= TIMESTAMP '{late_from}'
    AND o.order_status NOT IN ('PENDING', 'PENDING_AVAILABILITY')
    AND NOT (o.order_status = 'CANCELLED' AND p.invoice_number IS NULL)
), scoped AS (
  SELECT * FROM base
  WHERE (NOT coalesce(late, false) AND sort_at >= TIMESTAMP '{from}') OR ({late_rule})
  {filed}
), taxed AS (
  SELECT *,
         CASE basis WHEN 'COMPUTED' THEN coalesce((charges * cat_rate_bp * 2 + (10000 + cat_rate_bp)) // ((10000 + cat_rate_bp) * 2), 0)
                    ELSE coalesce(amazon_tax, 0) END AS tax
  FROM scoped
), valued AS (
  SELECT *, CASE WHEN basis = 'EXCLUSIVE' THEN charges ELSE charges - tax END AS taxable,
         CASE WHEN basis = 'EXCLUSIVE' THEN charges + tax ELSE charges END AS gross,
         coalesce(pos = '{seller_state}', false) AS intra
  FROM taxed
), rated AS (
  SELECT *,
         CASE WHEN basis = 'COMPUTED' THEN cat_rate_bp
              WHEN cat_rate_bp IS NOT NULL AND list_contains(gst_slabs(coalesce(inv_day, order_day)), cat_rate_bp)
                   AND abs(taxable * cat_rate_bp - tax * 10000) <= (quantity + 1) * 10000 THEN cat_rate_bp
              WHEN taxable = 0 AND tax = 0 THEN cat_rate_bp
              WHEN taxable <= 0 THEN NULL
              ELSE list_filter(gst_slabs(coalesce(inv_day, order_day)), lambda s: abs(taxable * s - tax * 10000) <= (quantity + 1) * 10000)[1] END AS rate_bp
  FROM valued
), heads AS (
  SELECT *, CASE WHEN intra THEN 0 ELSE tax END AS igst,
         CASE WHEN intra THEN tax // 2 ELSE 0 END AS cgst,
         CASE WHEN intra THEN tax - tax // 2 ELSE 0 END AS sgst,
         rate_bp IS DISTINCT FROM cat_rate_bp AND rate_bp IS NOT NULL AND cat_rate_bp IS NOT NULL AS rate_mismatch
  FROM rated
), flagged AS (
  SELECT *, hsn IS NULL AS sku_missing, rate_bp IS NULL AND basis <> 'UNRECONCILED' AS rate_unresolved FROM heads
)
SELECT *,
       CASE WHEN cancelled THEN 'CANCELLED'
            WHEN invoice_number IS NULL THEN 'NO_INVOICE'
            WHEN pos IS NULL OR sku_missing OR basis = 'UNRECONCILED' OR rate_unresolved THEN 'QUARANTINED'
            WHEN NOT intra AND invoice_value > b2cl_limit(inv_day) THEN 'B2CL'
            ELSE 'B2CS' END AS section,
       (taxable * CASE WHEN coalesce(inv_day, order_day) < DATE '2024-07-10' THEN 100 ELSE 50 END * 2 + 10000) // 20000 AS tcs,
       'SALE' AS kind, NULL::VARCHAR AS event_key, NULL::DATE AS note_day, NULL::VARCHAR AS refund_flags,
       NULL::VARCHAR AS buyer_gstin
FROM flagged
