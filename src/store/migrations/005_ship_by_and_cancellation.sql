-- dakiya schema v5: the order's ship-by time, whether a cancellation was requested (never the
-- buyer's reason), whether a booked pickup is later than the ship-by time, and why an order not
-- held is still waiting.
ALTER TABLE orders ADD COLUMN ship_by TIMESTAMP;
ALTER TABLE orders ADD COLUMN cancel_requested BOOLEAN DEFAULT false;
ALTER TABLE packages ADD COLUMN late BOOLEAN DEFAULT false;
-- Why an order not held is still not booked (dakiya's words and Amazon's codes only).
ALTER TABLE orders ADD COLUMN waiting_reason VARCHAR;
