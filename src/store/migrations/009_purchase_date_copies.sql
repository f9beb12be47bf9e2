-- dakiya schema v9: order_items and packages carry their order's purchase date, copied from
-- orders.purchase_date by SQL (`store::orders::stamp_purchase_dates`, in the same transaction as
-- the rows it stamps), never from anything else. Only the GST export reads the copies: they let
-- it read seven years in month chunks that DuckDB's zone maps prune in all three tables, so each
-- chunk's joins stay in memory and its lines come out in time order (ARCHITECTURE.md,
-- invariants). A row whose copy is NULL makes the export read the store in one piece.
ALTER TABLE order_items ADD COLUMN purchase_date TIMESTAMP;
ALTER TABLE packages ADD COLUMN purchase_date TIMESTAMP;
UPDATE order_items SET purchase_date = o.purchase_date FROM orders o WHERE o.order_id = order_items.order_id;
UPDATE packages SET purchase_date = o.purchase_date FROM orders o WHERE o.order_id = packages.order_id;
