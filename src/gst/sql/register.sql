-- The sales register's columns (REGISTER_HEADER, in order), formatted for the CA, over the lines
-- of lines.sql and the credit lines of refunds.sql (event REFUND, the refund's day as the credit
-- note date; Amazon's credit note number is not in the Finances API). Money is paise inside and exactly two decimals outside (the gst_money macro).
CASE WHEN kind = 'REFUND' THEN 'REFUND:' || event_key ELSE order_id || ':' || order_item_id || ':' || (CASE WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END) END AS line_key,
CASE WHEN kind = 'REFUND' THEN 'REFUND' WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END AS event,
invoice_number, CAST(inv_day AS VARCHAR) AS invoice_date,
NULL::VARCHAR AS credit_note_number, CAST(note_day AS VARCHAR) AS credit_note_date, order_id AS amazon_order_id, order_item_id,
CAST(order_day AS VARCHAR) AS order_date, sku, asin, hsn, uqc, quantity,
CASE WHEN rate_bp IS NULL THEN NULL ELSE gst_money(rate_bp) END AS gst_rate_pct,
CASE WHEN cat_rate_bp IS NULL THEN NULL ELSE gst_money(cat_rate_bp) END AS catalogue_rate_pct,
basis AS tax_basis,
CASE WHEN pos IS NULL THEN NULL WHEN intra THEN 'INTRA' ELSE 'INTER' END AS supply_type,
pos AS pos_state_code, section AS gstr1_section,
gst_money(taxable) AS taxable_value, gst_money(igst) AS igst, gst_money(cgst) AS cgst, gst_money(sgst) AS sgst, '0.00' AS cess, gst_money(gross) AS line_value,
gst_money(CASE WHEN intra THEN 0 ELSE tcs END) AS tcs_igst, gst_money(CASE WHEN intra THEN tcs // 2 ELSE 0 END) AS tcs_cgst, gst_money(CASE WHEN intra THEN tcs - tcs // 2 ELSE 0 END) AS tcs_sgst,
business AS is_business_order, 'MFN' AS fulfillment_channel, CASE WHEN kind = 'REFUND' THEN 'FINANCES_V0' ELSE 'ORDERS_API_2026' END AS source,
NULLIF(concat_ws(';', refund_flags, CASE WHEN invoice_number IS NULL AND kind = 'SALE' THEN 'no_invoice_not_in_sheets' END, CASE WHEN business THEN 'b2b_candidate' END,
                      CASE WHEN pos IS NULL AND order_item_id IS NOT NULL THEN 'unknown_state_quarantined' END, CASE WHEN sku_missing THEN 'sku_not_in_catalogue' END,
                      CASE WHEN basis = 'UNRECONCILED' THEN 'amounts_unreconciled' END, CASE WHEN rate_unresolved THEN 'rate_fits_no_slab' END,
                      CASE WHEN rate_mismatch THEN 'rate_differs_from_catalogue' END, CASE WHEN basis = 'COMPUTED' THEN 'tax_computed_from_catalogue' END,
                      CASE WHEN coalesce(late, false) AND kind = 'SALE' THEN 'invoiced_in_filed_period' END), '') AS flags
