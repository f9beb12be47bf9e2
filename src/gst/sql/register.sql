-- The sales register's columns (REGISTER_HEADER, in order), formatted for the CA, over the lines
-- of lines.sql. Money is paise inside and exactly two decimals outside (the gst_money macro).
order_id || ':' || order_item_id || ':' || (CASE WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END) AS line_key,
CASE WHEN cancelled THEN 'CANCEL' ELSE 'SALE' END AS event,
invoice_number, CAST(CAST(invoice_date + INTERVAL 330 MINUTE AS DATE) AS VARCHAR) AS invoice_date,
NULL::VARCHAR AS credit_note_number, NULL::VARCHAR AS credit_note_date, order_id AS amazon_order_id, order_item_id,
CAST(order_day AS VARCHAR) AS order_date, sku, asin, hsn, 'PCS' AS uqc, quantity,
CASE WHEN rate_bp IS NULL THEN NULL ELSE gst_money(rate_bp) END AS gst_rate_pct,
CASE WHEN pos IS NULL THEN NULL WHEN intra THEN 'INTRA' ELSE 'INTER' END AS supply_type,
pos AS pos_state_code, section AS gstr1_section,
gst_money(taxable) AS taxable_value, gst_money(igst) AS igst, gst_money(cgst) AS cgst, gst_money(sgst) AS sgst, '0.00' AS cess, gst_money(gross) AS line_value,
gst_money(CASE WHEN intra THEN 0 ELSE tcs END) AS tcs_igst, gst_money(CASE WHEN intra THEN tcs // 2 ELSE 0 END) AS tcs_cgst, gst_money(CASE WHEN intra THEN tcs - tcs // 2 ELSE 0 END) AS tcs_sgst,
business AS is_business_order, 'MFN' AS fulfillment_channel, 'ORDERS_API_2026' AS source,
NULLIF(concat_ws(';', CASE WHEN invoice_number IS NULL THEN 'no_invoice_number' END, CASE WHEN business THEN 'business_order' END,
                      CASE WHEN pos IS NULL THEN 'unknown_state_quarantined' END, CASE WHEN sku_missing THEN 'sku_not_in_catalogue' END), '') AS flags
