-- One credit line per refunded item of a refund event posted in the period (Finances v0
-- RefundEventList, stored by the `refunds` stage), with the columns of lines.sql, so the sheets
-- net them: b2cs, Table 12 and Table 14 are net of credit notes in the month the refund was
-- posted (the credit note's date); a credit note against a B2CL invoice is a CDNUR line.
-- `{from}`, `{to}`, `{late_from}`, `{late_rule}`, `{filed}`, `{seller_state}` as in lines.sql.
-- Amounts come signed as Amazon sent them (a refund is negative) and are written negative: the
-- refunded value V = −(value + promotions), its tax T = −tax. Whether V includes T is not
-- documented (as for ITEM): the order's own basis is tried first, then the other; the basis
-- whose rate (T over the taxable value, snapped to the slabs in force on the original invoice
-- day, within one paisa per unit plus one) fits is used, a refund fitting neither is
-- UNRECONCILED and kept out. The sale it refunds: by order item id when Amazon sends one, else
-- the order's first item with the same SKU. Kept out and listed (section QUARANTINED): an event
-- dakiya could not read, a refund of a sale dakiya does not hold or that has no invoice, one
-- whose sale was itself kept out (state, SKU, amounts), and one that refunds nothing (V ≤ 0).
-- Sources: docs/gst-rules.md "Credit notes".
WITH ev AS (
  SELECT r.*, ist_day(r.posted_at) AS note_day FROM main.refund_events r
  WHERE r.posted_at < TIMESTAMP '{to}' AND r.posted_at >= TIMESTAMP '{late_from}'
), scoped AS (
  SELECT *, posted_at < TIMESTAMP '{from}' AS late FROM ev
  WHERE (posted_at >= TIMESTAMP '{from}' OR ({late_rule}))
  {filed}
), matched AS (
  SELECT e.event_key, e.order_id, e.posted_at, e.note_day, e.late, e.problem, e.quantity AS units, e.other_paise, e.other_types,
         -(coalesce(e.value_paise, 0) + coalesce(e.promotion_paise, 0)) AS v, -e.tax_paise AS t,
         o.order_id IS NOT NULL AS have_order, i.order_item_id, i.sku, i.asin, i.quantity AS line_qty, o.purchase_date,
         p.invoice_number, p.invoice_date, o.tax_basis AS order_basis, o.is_business AS business, o.invoice_value_paise AS invoice_value,
         CASE WHEN o.state_unknown THEN NULL ELSE o.ship_state_code END AS pos, c.hsn, c.uqc,
         ist_day(p.invoice_date) AS inv_day, ist_day(o.purchase_date) AS order_day,
         CASE WHEN c.rate_from IS NULL OR ist_day(coalesce(p.invoice_date, o.purchase_date)) >= c.rate_from
              THEN c.rate_bp ELSE c.rate_before_bp END AS cat_rate_bp
  FROM scoped e
       LEFT JOIN main.orders o ON o.order_id = e.order_id
       LEFT JOIN main.order_items i ON i.order_id = e.order_id
            AND (i.order_item_id = e.order_item_id OR (e.order_item_id IS NULL AND i.sku = e.sku))
       LEFT JOIN main.packages p ON p.order_id = e.order_id
       LEFT JOIN gstx.cat c ON c.sku = i.sku
  QUALIFY row_number() OVER (PARTITION BY e.event_key ORDER BY i.order_item_id) = 1
), fitted AS (
  SELECT *,
         coalesce(inv_day, order_day, note_day) AS rate_day,
         order_basis = 'EXCLUSIVE' AS exclusive_first,
         -- The rate a taxable value gives: the catalogue's when it fits, else the first slab.
         CASE WHEN t IS NULL THEN NULL
              WHEN cat_rate_bp IS NOT NULL AND abs(v * cat_rate_bp - t * 10000) <= (coalesce(line_qty, 1) + 1) * 10000 THEN cat_rate_bp
              WHEN v > 0 THEN list_filter(gst_slabs(coalesce(inv_day, order_day, note_day)), lambda s: abs(v * s - t * 10000) <= (coalesce(line_qty, 1) + 1) * 10000)[1] END AS rate_ex,
         CASE WHEN t IS NULL THEN NULL
              WHEN cat_rate_bp IS NOT NULL AND abs((v - t) * cat_rate_bp - t * 10000) <= (coalesce(line_qty, 1) + 1) * 10000 THEN cat_rate_bp
              WHEN v - t > 0 THEN list_filter(gst_slabs(coalesce(inv_day, order_day, note_day)), lambda s: abs((v - t) * s - t * 10000) <= (coalesce(line_qty, 1) + 1) * 10000)[1] END AS rate_in
  FROM matched
), based AS (
  SELECT *,
         CASE WHEN t IS NULL THEN 'COMPUTED'
              WHEN exclusive_first AND rate_ex IS NOT NULL THEN 'EXCLUSIVE'
              WHEN NOT exclusive_first AND rate_in IS NOT NULL THEN 'INCLUSIVE'
              WHEN rate_ex IS NOT NULL THEN 'EXCLUSIVE'
              WHEN rate_in IS NOT NULL THEN 'INCLUSIVE'
              ELSE 'UNRECONCILED' END AS basis
  FROM fitted
), valued AS (
  SELECT *,
         CASE basis WHEN 'COMPUTED' THEN coalesce((v * cat_rate_bp * 2 + (10000 + cat_rate_bp)) // ((10000 + cat_rate_bp) * 2), 0)
                    ELSE coalesce(t, 0) END AS tax_pos,
         CASE basis WHEN 'EXCLUSIVE' THEN rate_ex WHEN 'INCLUSIVE' THEN rate_in WHEN 'COMPUTED' THEN cat_rate_bp END AS rate_bp,
         coalesce(pos = '{seller_state}', false) AS intra
  FROM based
), signed AS (
  SELECT *, CASE WHEN basis = 'EXCLUSIVE' THEN v ELSE v - tax_pos END AS taxable_pos,
         CASE WHEN basis = 'EXCLUSIVE' THEN v + tax_pos ELSE v END AS gross_pos
  FROM valued
)
SELECT order_id, order_item_id, purchase_date, invoice_number, invoice_date, sku, asin,
       -greatest(coalesce(units, 0), 0) AS quantity, -v AS charges, -t AS amazon_tax, basis, pos, coalesce(business, false) AS business,
       false AS cancelled, hsn, uqc, inv_day, order_day, posted_at AS sort_at, cat_rate_bp, late, invoice_value,
       -tax_pos AS tax, -taxable_pos AS taxable, -gross_pos AS gross, intra, rate_bp,
       CASE WHEN intra THEN 0 ELSE -tax_pos END AS igst,
       CASE WHEN intra THEN -(tax_pos // 2) ELSE 0 END AS cgst,
       CASE WHEN intra THEN -(tax_pos - tax_pos // 2) ELSE 0 END AS sgst,
       rate_bp IS DISTINCT FROM cat_rate_bp AND rate_bp IS NOT NULL AND cat_rate_bp IS NOT NULL AS rate_mismatch,
       have_order AND order_item_id IS NOT NULL AND hsn IS NULL AS sku_missing,
       rate_bp IS NULL AND basis NOT IN ('UNRECONCILED') AND problem IS NULL AS rate_unresolved,
       CASE WHEN problem IS NOT NULL OR NOT have_order OR order_item_id IS NULL OR invoice_number IS NULL OR pos IS NULL OR hsn IS NULL
                 OR order_basis = 'UNRECONCILED' OR basis = 'UNRECONCILED' OR rate_bp IS NULL OR v <= 0 THEN 'QUARANTINED'
            WHEN NOT intra AND invoice_value > b2cl_limit(inv_day) THEN 'CDNUR'
            ELSE 'B2CS' END AS section,
       -((taxable_pos * CASE WHEN coalesce(inv_day, order_day) < DATE '2024-07-10' THEN 100 ELSE 50 END * 2 + 10000) // 20000) AS tcs,
       'REFUND' AS kind, event_key, note_day,
       NULLIF(concat_ws(';', CASE WHEN problem IS NOT NULL THEN 'refund_event_unreadable' END,
                             CASE WHEN problem IS NULL AND (NOT have_order OR order_item_id IS NULL) THEN 'refund_of_a_sale_not_in_dakiya' END,
                             CASE WHEN have_order AND order_item_id IS NOT NULL AND invoice_number IS NULL THEN 'refund_of_an_uninvoiced_sale' END,
                             CASE WHEN problem IS NULL AND v <= 0 THEN 'refund_without_value' END,
                             CASE WHEN basis IN ('EXCLUSIVE', 'INCLUSIVE') AND order_basis IN ('EXCLUSIVE', 'INCLUSIVE', 'NO_TAX')
                                       AND (basis = 'EXCLUSIVE') <> (order_basis = 'EXCLUSIVE') THEN 'refund_basis_differs_from_sale' END,
                             CASE WHEN coalesce(other_paise, 0) <> 0 THEN 'other_charges_not_credited:' || other_types END,
                             CASE WHEN late THEN 'refunded_in_filed_period' END), '') AS refund_flags
FROM signed
