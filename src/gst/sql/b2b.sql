-- B2B from Amazon's Merchant Tax Report (docs/gst-rules.md "Merchant Tax Report"): an order the
-- imported MTR B2B report shows with the buyer's GSTIN on its shipment is an invoice to a
-- registered buyer: its sales go to b2b (Table 4A) and its credit lines to cdnr (Table 9B),
-- with that GSTIN; the rest stays B2C. An order the MTR gives two different GSTINs for is left
-- where it was (and differs from the MTR, so it is listed). GSTINs are checked on import. The
-- column `buyer_gstin` comes from lines.sql (NULL; refunds inserted BY NAME leave it NULL): an
-- ALTER TABLE here would rewrite seven years of lines. The UPDATE must stay in place (VARCHAR
-- columns, no index on gstx.lines): the table's order is the register's (store::gst
-- create_lines), and DuckDB turns an update of an indexed or nested column into delete + insert.
UPDATE gstx.lines l
SET buyer_gstin = m.gstin, section = CASE l.kind WHEN 'SALE' THEN 'B2B' ELSE 'CDNR' END
FROM (SELECT order_id, min(buyer_gstin) AS gstin FROM main.mtr_lines
      WHERE report = 'B2B' AND transaction_type = 'Shipment' AND buyer_gstin IS NOT NULL
      GROUP BY order_id HAVING count(DISTINCT buyer_gstin) = 1) m
WHERE l.order_id = m.order_id AND l.section IN ('B2CS', 'B2CL', 'CDNUR');
