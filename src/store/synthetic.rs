//! Synthetic order history for the GST export benchmark (`dakiya-bench`): years of PII-free
//! orders, items and booked packages filled by DuckDB itself in seconds. Never used by a run.

use super::{Store, StoreError};

/// Fill `days` × `per_day` orders from 1 April 2019 (one line each, a T-shirt at 5 % with the tax
/// on top of ITEM as in Amazon's model example, invoice numbers in order);
/// returns the order lines written.
pub fn fill_gst_history(store: &Store, days: usize, per_day: usize) -> Result<i64, StoreError> {
    let n = days * per_day;
    // Seeding is the benchmark's own work, not the export's: it may use memory the run may not.
    store.conn().execute_batch("SET memory_limit = '4GB'; SET threads = 2;")?;
    store.conn().execute_batch(&format!(
        "INSERT INTO orders (order_id, purchase_date, last_updated, order_status, is_easy_ship, is_business, is_cod, ship_state_code, state_unknown, total_paise, currency, first_seen, updated_at, tax_basis, invoice_value_paise)
         SELECT printf('40%d-%07d-%07d', i % 9 + 1, i // 10000000, i % 10000000), TIMESTAMP '2019-04-01 05:00:00' + to_minutes(CAST((i * 1440) // {per_day} AS BIGINT)),
                TIMESTAMP '2019-04-01 05:00:00' + to_minutes(CAST((i * 1440) // {per_day} AS BIGINT)), 'SHIPPED', true, i % 50 = 0, i % 4 = 0,
                ['24','27','29','07','33','19','09','36'][i % 8 + 1], false, 49900 + (i % 7) * 10000, 'INR',
                TIMESTAMP '2019-04-01 05:00:00', TIMESTAMP '2019-04-01 05:00:00', 'EXCLUSIVE', 49900 + (i % 7) * 10000
         FROM range({n}) t(i);
         INSERT INTO order_items (order_id, order_item_id, sku, asin, quantity, item_price_paise, item_tax_paise, proceeds_total_paise)
         SELECT order_id, '1', ['HST-TSHIRT-M','HST-TSHIRT-L'][CAST(substr(order_id, 13) AS BIGINT) % 2 + 1], 'B0X', 1,
                total_paise - (total_paise * 5 + 52) // 105, (total_paise * 5 + 52) // 105, total_paise FROM orders;
         INSERT INTO packages (order_id, state, sized_at, updated_at, invoice_number, invoice_date)
         SELECT order_id, 'scheduled', purchase_date, purchase_date, printf('IN-GJ-%08d', row_number() OVER (ORDER BY purchase_date, order_id)), purchase_date FROM orders;
         CHECKPOINT;",
    ))?;
    // The purchase-date copies, as the hourly run writes them (schema v9).
    super::orders::stamp_purchase_dates(store.conn(), None)?;
    store.conn().execute_batch("CHECKPOINT; SET memory_limit = '128MB'; SET threads = 1;")?;
    Ok(store.conn().query_row("SELECT count(*) FROM order_items", [], |r| r.get(0))?)
}
