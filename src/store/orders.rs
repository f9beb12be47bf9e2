//! Typed reads and writes for orders, items, packages, watermarks and the quarantine. No PII
//! passes through here: the types hold ids, statuses, amounts and state codes only.

use chrono::{DateTime, Utc};
use duckdb::{params, Connection, OptionalExt as _};

use super::StoreError;

/// The non-PII facts of an order, as ingested.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    /// Order id.
    pub order_id: String,
    /// Purchase time.
    pub purchase_date: DateTime<Utc>,
    /// Amazon's last update.
    pub last_updated: DateTime<Utc>,
    /// Fulfillment status (`UNSHIPPED`, `SHIPPED`, `CANCELLED`, …).
    pub order_status: String,
    /// Detailed Easy Ship package status, if any.
    pub easy_ship_status: Option<String>,
    /// Easy Ship program.
    pub is_easy_ship: bool,
    /// Amazon Business order.
    pub is_business: bool,
    /// Cash on delivery.
    pub is_cod: bool,
    /// GST state code of the ship-to state.
    pub ship_state_code: Option<String>,
    /// A ship-to state was given but its spelling is unknown.
    pub state_unknown: bool,
    /// Grand total, paise.
    pub total_paise: Option<i64>,
    /// Currency.
    pub currency: Option<String>,
    /// First observed as delivered (see `ingest` for the rule).
    pub delivered_at: Option<DateTime<Utc>>,
    /// Ended without delivery (cancelled, returned, lost).
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// Tracking number from Amazon.
    pub tracking_id: Option<String>,
    /// Latest ship-by time.
    pub ship_by: Option<DateTime<Utc>>,
    /// A cancellation was requested or executed for an item.
    pub cancel_requested: bool,
    /// How Amazon's amounts add up (`EXCLUSIVE`, `INCLUSIVE`, `NO_TAX`, `UNRECONCILED`):
    /// [`crate::ingest::tax_basis`].
    pub tax_basis: Option<&'static str>,
    /// The invoice value: the charges, plus TAX when it is on top, paise.
    pub invoice_value_paise: Option<i64>,
}

/// One item.
#[derive(Debug, Clone)]
pub struct ItemFacts {
    /// Item id.
    pub order_item_id: String,
    /// SKU.
    pub sku: Option<String>,
    /// ASIN.
    pub asin: Option<String>,
    /// Quantity.
    pub quantity: i64,
    /// The `ITEM` amount as Amazon sends it (with or without tax: decided per order by the GST
    /// export), paise.
    pub item_price_paise: Option<i64>,
    /// Tax in it, paise.
    pub item_tax_paise: Option<i64>,
    /// Shipping charged, paise.
    pub shipping_paise: Option<i64>,
    /// Tax on shipping, paise.
    pub shipping_tax_paise: Option<i64>,
    /// Discount, paise.
    pub discount_paise: Option<i64>,
    /// Gift wrap charged, paise.
    pub gift_wrap_paise: Option<i64>,
    /// Cash-on-delivery fee charged, paise.
    pub cod_fee_paise: Option<i64>,
    /// Other charges, paise.
    pub other_paise: Option<i64>,
    /// The item's proceeds total, paise.
    pub proceeds_total_paise: Option<i64>,
}

/// What the store already knows about an order.
#[derive(Debug, Clone)]
pub struct Known {
    /// Delivery time recorded earlier.
    pub delivered_at: Option<DateTime<Utc>>,
    /// End recorded earlier.
    pub ended_at: Option<DateTime<Utc>>,
    /// When its PII was purged, if it was.
    pub pii_purged_at: Option<DateTime<Utc>>,
    /// Amazon's last update as stored.
    pub last_updated: Option<DateTime<Utc>>,
}

/// Placeholders `(?, …, ?)` for `n` values.
fn tuple(n: usize) -> String {
    format!("({})", vec!["?"; n].join(", "))
}

/// What is known about each of these orders (absent: never seen).
pub fn known_many(conn: &Connection, order_ids: &[&str]) -> Result<std::collections::HashMap<String, Known>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in order_ids.chunks(256) {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT order_id, delivered_at, ended_at, pii_purged_at, last_updated FROM orders WHERE order_id IN {}",
            tuple(chunk.len())
        ))?;
        let rows = stmt.query_map(duckdb::params_from_iter(chunk), |row| {
            Ok((
                row.get::<_, String>(0)?,
                Known { delivered_at: row.get(1)?, ended_at: row.get(2)?, pii_purged_at: row.get(3)?, last_updated: row.get(4)? },
            ))
        })?;
        for row in rows {
            let (id, known) = row?;
            out.insert(id, known);
        }
    }
    Ok(out)
}

/// Look up what is known about an order.
pub fn known(conn: &Connection, order_id: &str) -> Result<Option<Known>, StoreError> {
    Ok(known_many(conn, &[order_id])?.remove(order_id))
}

/// One order to insert or update, with its items and PII deadline.
#[derive(Debug, Clone)]
pub struct Upsert {
    /// The order's facts.
    pub facts: OrderFacts,
    /// Its items (replace the stored ones when not empty).
    pub items: Vec<ItemFacts>,
    /// Its PII deadline.
    pub pii_deadline: DateTime<Utc>,
    /// Already in the store (its items and package may need updating).
    pub known: bool,
}

/// The order columns ingestion writes, in the order of [`upsert_many`]'s values.
const ORDER_COLUMNS: [&str; 22] = [
    "order_id",
    "purchase_date",
    "last_updated",
    "order_status",
    "easy_ship_status",
    "is_easy_ship",
    "is_business",
    "is_cod",
    "ship_state_code",
    "state_unknown",
    "total_paise",
    "currency",
    "delivered_at",
    "ended_at",
    "end_reason",
    "pii_deadline",
    "first_seen",
    "updated_at",
    "ship_by",
    "cancel_requested",
    "tax_basis",
    "invoice_value_paise",
];

/// The item columns ingestion writes.
const ITEM_COLUMNS: [&str; 14] = [
    "order_id",
    "order_item_id",
    "sku",
    "asin",
    "quantity",
    "item_price_paise",
    "item_tax_paise",
    "shipping_paise",
    "shipping_tax_paise",
    "discount_paise",
    "gift_wrap_paise",
    "cod_fee_paise",
    "other_paise",
    "proceeds_total_paise",
];

/// Orders per multi-row statement (DuckDB's cost is per statement, not per row).
const ROWS_PER_STATEMENT: usize = 40;

/// Insert or update orders and replace their items, a few statements per page instead of a
/// few per order. New orders (`known == false`) go through DuckDB's appender; known ones through
/// a multi-row upsert that keeps the first delivery and end times, the hold reason and the purge
/// mark. The order ids must be distinct.
pub fn upsert_many(conn: &Connection, orders: &[Upsert], now: DateTime<Utc>) -> Result<(), StoreError> {
    let (fresh, known): (Vec<&Upsert>, Vec<&Upsert>) = orders.iter().partition(|u| !u.known);
    if !fresh.is_empty() {
        let mut app = conn.appender_with_columns("orders", &ORDER_COLUMNS)?;
        for u in &fresh {
            let o = &u.facts;
            app.append_row(params![
                o.order_id,
                o.purchase_date,
                o.last_updated,
                o.order_status,
                o.easy_ship_status,
                o.is_easy_ship,
                o.is_business,
                o.is_cod,
                o.ship_state_code,
                o.state_unknown,
                o.total_paise,
                o.currency,
                o.delivered_at,
                o.ended_at,
                o.end_reason,
                u.pii_deadline,
                now,
                now,
                o.ship_by,
                o.cancel_requested,
                o.tax_basis,
                o.invoice_value_paise
            ])?;
        }
        app.flush()?;
        drop(app);
        append_items(conn, fresh.iter().flat_map(|u| u.items.iter().map(move |i| (u.facts.order_id.as_str(), i))))?;
    }
    let ids: Vec<&str> = orders.iter().map(|u| u.facts.order_id.as_str()).collect();
    for chunk in ids.chunks(256) {
        conn.prepare_cached(&format!("DELETE FROM quarantine WHERE order_id IN {}", tuple(chunk.len())))?
            .execute(duckdb::params_from_iter(chunk))?;
    }
    for chunk in known.chunks(ROWS_PER_STATEMENT) {
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO orders ({}) VALUES {}
             ON CONFLICT (order_id) DO UPDATE SET
                 last_updated = excluded.last_updated,
                 order_status = excluded.order_status,
                 easy_ship_status = excluded.easy_ship_status,
                 is_easy_ship = excluded.is_easy_ship,
                 is_business = excluded.is_business,
                 is_cod = excluded.is_cod,
                 ship_state_code = COALESCE(excluded.ship_state_code, orders.ship_state_code),
                 state_unknown = CASE WHEN excluded.ship_state_code IS NOT NULL OR excluded.state_unknown THEN excluded.state_unknown ELSE orders.state_unknown END,
                 total_paise = COALESCE(excluded.total_paise, orders.total_paise),
                 currency = COALESCE(excluded.currency, orders.currency),
                 delivered_at = COALESCE(orders.delivered_at, excluded.delivered_at),
                 ended_at = COALESCE(orders.ended_at, excluded.ended_at),
                 end_reason = COALESCE(orders.end_reason, excluded.end_reason),
                 pii_deadline = excluded.pii_deadline,
                 updated_at = excluded.updated_at,
                 ship_by = COALESCE(excluded.ship_by, orders.ship_by),
                 cancel_requested = orders.cancel_requested OR excluded.cancel_requested,
                 tax_basis = COALESCE(excluded.tax_basis, orders.tax_basis),
                 invoice_value_paise = COALESCE(excluded.invoice_value_paise, orders.invoice_value_paise)",
            ORDER_COLUMNS.join(", "),
            vec![tuple(ORDER_COLUMNS.len()); chunk.len()].join(", ")
        ))?;
        let mut args: Vec<&dyn duckdb::ToSql> = Vec::with_capacity(chunk.len() * ORDER_COLUMNS.len());
        for u in chunk {
            let o = &u.facts;
            args.extend([
                &o.order_id as &dyn duckdb::ToSql,
                &o.purchase_date,
                &o.last_updated,
                &o.order_status,
                &o.easy_ship_status,
                &o.is_easy_ship,
                &o.is_business,
                &o.is_cod,
                &o.ship_state_code,
                &o.state_unknown,
                &o.total_paise,
                &o.currency,
                &o.delivered_at,
                &o.ended_at,
                &o.end_reason,
                &u.pii_deadline,
                &now,
                &now,
                &o.ship_by,
                &o.cancel_requested,
                &o.tax_basis,
                &o.invoice_value_paise,
            ]);
        }
        stmt.execute(args.as_slice())?;

        let replaced: Vec<&str> = chunk.iter().filter(|u| !u.items.is_empty()).map(|u| u.facts.order_id.as_str()).collect();
        if !replaced.is_empty() {
            conn.prepare_cached(&format!("DELETE FROM order_items WHERE order_id IN {}", tuple(replaced.len())))?
                .execute(duckdb::params_from_iter(&replaced))?;
        }
        append_items(conn, chunk.iter().flat_map(|u| u.items.iter().map(move |i| (u.facts.order_id.as_str(), i))))?;
        // Only an order already stored can have a package (`size` makes them).
        for u in chunk {
            let o = &u.facts;
            if let Some(tracking) = &o.tracking_id {
                conn.prepare_cached("UPDATE packages SET tracking_id = ?, package_status = COALESCE(?, package_status), updated_at = ? WHERE order_id = ? AND (tracking_id IS DISTINCT FROM ? OR package_status IS DISTINCT FROM ?)")?.execute(params![tracking, o.easy_ship_status, now, o.order_id, tracking, o.easy_ship_status],
                )?;
            } else if o.easy_ship_status.is_some() {
                conn.prepare_cached(
                    "UPDATE packages SET package_status = ?, updated_at = ? WHERE order_id = ? AND package_status IS DISTINCT FROM ?",
                )?
                .execute(params![o.easy_ship_status, now, o.order_id, o.easy_ship_status])?;
            }
        }
    }
    let appended: Vec<&str> = orders.iter().filter(|u| !u.known || !u.items.is_empty()).map(|u| u.facts.order_id.as_str()).collect();
    stamp_purchase_dates(conn, Some(&appended))?;
    Ok(())
}

/// Copy the orders' purchase dates onto their items and packages that have none yet (rows just
/// appended): by SQL from `orders.purchase_date`, so a copy is never anything but its order's
/// (schema v9; only the GST export reads them, to read the store in month chunks). `None`: every
/// row without a copy (the benchmark's synthetic history, tests that write rows by hand).
pub fn stamp_purchase_dates(conn: &Connection, order_ids: Option<&[&str]>) -> Result<(), StoreError> {
    const STAMP: [&str; 2] = [
        "UPDATE order_items SET purchase_date = o.purchase_date FROM (SELECT order_id, purchase_date FROM orders {only}) o
         WHERE order_items.order_id = o.order_id AND order_items.purchase_date IS NULL",
        "UPDATE packages SET purchase_date = o.purchase_date FROM (SELECT order_id, purchase_date FROM orders {only}) o
         WHERE packages.order_id = o.order_id AND packages.purchase_date IS NULL",
    ];
    let Some(ids) = order_ids else {
        for sql in STAMP {
            conn.execute_batch(&sql.replace("{only}", ""))?;
        }
        return Ok(());
    };
    for chunk in ids.chunks(256) {
        let only = format!("WHERE order_id IN {}", tuple(chunk.len()));
        for sql in STAMP {
            conn.prepare_cached(&sql.replace("{only}", &only))?.execute(duckdb::params_from_iter(chunk))?;
        }
    }
    Ok(())
}

/// Append items (their orders have none stored: new orders, or items just deleted).
fn append_items<'a>(conn: &Connection, items: impl Iterator<Item = (&'a str, &'a ItemFacts)>) -> Result<(), StoreError> {
    let mut app = conn.appender_with_columns("order_items", &ITEM_COLUMNS)?;
    for (order_id, i) in items {
        app.append_row(params![
            order_id,
            i.order_item_id,
            i.sku,
            i.asin,
            i.quantity,
            i.item_price_paise,
            i.item_tax_paise,
            i.shipping_paise,
            i.shipping_tax_paise,
            i.discount_paise,
            i.gift_wrap_paise,
            i.cod_fee_paise,
            i.other_paise,
            i.proceeds_total_paise
        ])?;
    }
    app.flush()?;
    Ok(())
}

/// Put an order in quarantine with a PII-free reason.
pub fn quarantine(conn: &Connection, order_id: &str, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO quarantine (order_id, reason, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (order_id) DO UPDATE SET reason = excluded.reason, last_seen = excluded.last_seen",
    )?
    .execute(params![order_id, reason, now, now])?;
    Ok(())
}

/// Quarantined orders: `(order_id, reason)`.
pub fn quarantined(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare("SELECT order_id, reason FROM quarantine ORDER BY first_seen, order_id")?;
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Read a watermark.
pub fn watermark(conn: &Connection, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn.query_row("SELECT value FROM watermarks WHERE name = ?", [name], |row| row.get(0)).optional()?)
}

/// Write a watermark.
pub fn set_watermark(conn: &Connection, name: &str, value: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO watermarks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")?
        .execute(params![name, value])?;
    Ok(())
}

/// Remove a watermark.
pub fn clear_watermark(conn: &Connection, name: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM watermarks WHERE name = ?")?.execute([name])?;
    Ok(())
}

/// Hold an order with a reason (shown by `dakiya status`).
pub fn hold(conn: &Connection, order_id: &str, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE orders SET hold_reason = ?, held_at = CASE WHEN hold_reason IS NOT DISTINCT FROM ? THEN held_at ELSE ? END WHERE order_id = ?")?.execute(params![reason, reason, now, order_id],
    )?;
    Ok(())
}

/// Release a hold.
pub fn release(conn: &Connection, order_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE orders SET hold_reason = NULL, held_at = NULL WHERE order_id = ? AND hold_reason IS NOT NULL")?
        .execute([order_id])?;
    Ok(())
}

/// Items of an order: `(order_item_id, sku, quantity)`.
pub fn items(conn: &Connection, order_id: &str) -> Result<Vec<(String, Option<String>, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT order_item_id, sku, quantity FROM order_items WHERE order_id = ? ORDER BY order_item_id")?;
    let rows = stmt.query_map([order_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// A package row.
#[derive(Debug, Clone)]
pub struct PackageRow {
    /// Order.
    pub order_id: String,
    /// `sized`, `intent` or `scheduled`.
    pub state: String,
    /// Box.
    pub box_name: Option<String>,
    /// Dimensions, cm.
    pub dims_cm: (f64, f64, f64),
    /// Weight, g.
    pub weight_g: f64,
    /// Slot.
    pub slot_id: Option<String>,
    /// Slot start.
    pub slot_start: Option<DateTime<Utc>>,
    /// Slot end.
    pub slot_end: Option<DateTime<Utc>>,
    /// Handover method.
    pub handover_method: Option<String>,
    /// Amazon package id.
    pub package_id: Option<String>,
    /// Amazon package status.
    pub package_status: Option<String>,
    /// Documents state.
    pub docs_state: Option<String>,
}

const PACKAGE_COLUMNS: &str = "order_id, state, box, length_cm, width_cm, height_cm, weight_g, slot_id, slot_start, slot_end, handover_method, package_id, package_status, docs_state";

fn package_row(row: &duckdb::Row<'_>) -> duckdb::Result<PackageRow> {
    Ok(PackageRow {
        order_id: row.get(0)?,
        state: row.get(1)?,
        box_name: row.get(2)?,
        dims_cm: (row.get(3)?, row.get(4)?, row.get(5)?),
        weight_g: row.get(6)?,
        slot_id: row.get(7)?,
        slot_start: row.get(8)?,
        slot_end: row.get(9)?,
        handover_method: row.get(10)?,
        package_id: row.get(11)?,
        package_status: row.get(12)?,
        docs_state: row.get(13)?,
    })
}

/// Packages in a state, oldest first.
pub fn packages_in_state(conn: &Connection, state: super::states::PackageState) -> Result<Vec<PackageRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM packages p JOIN orders o USING (order_id) WHERE p.state = ? ORDER BY o.purchase_date, p.order_id",
        PACKAGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let rows = stmt.query_map([state], package_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// One package.
pub fn package(conn: &Connection, order_id: &str) -> Result<Option<PackageRow>, StoreError> {
    Ok(conn.query_row(&format!("SELECT {PACKAGE_COLUMNS} FROM packages WHERE order_id = ?"), [order_id], package_row).optional()?)
}

/// An order `size` works on: unshipped Easy Ship, no package yet or one still only sized.
#[derive(Debug, Clone)]
pub struct ToSize {
    /// Order.
    pub order_id: String,
    /// It has a package row already (sized in an earlier run).
    pub has_package: bool,
    /// Its items: `(order_item_id, sku, quantity)`.
    pub items: Vec<(String, Option<String>, i64)>,
}

/// The orders to size, oldest first, each with its items: one query.
pub fn to_size(conn: &Connection) -> Result<Vec<ToSize>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT o.order_id, p.order_id IS NOT NULL, i.order_item_id, i.sku, i.quantity
         FROM orders o LEFT JOIN packages p USING (order_id) LEFT JOIN order_items i USING (order_id)
         WHERE o.is_easy_ship AND o.order_status = 'UNSHIPPED' AND (p.order_id IS NULL OR p.state = 'sized')
         ORDER BY o.purchase_date, o.order_id, i.order_item_id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, bool>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, Option<i64>>(4)?,
        ))
    })?;
    let mut out: Vec<ToSize> = Vec::new();
    for row in rows {
        let (order_id, has_package, item_id, sku, quantity) = row?;
        if out.last().is_none_or(|last| last.order_id != order_id) {
            out.push(ToSize { order_id, has_package, items: Vec::new() });
        }
        if let (Some(item_id), Some(last)) = (item_id, out.last_mut()) {
            last.items.push((item_id, sku, quantity.unwrap_or(0)));
        }
    }
    Ok(out)
}

/// A box choice for one order.
#[derive(Debug, Clone)]
pub struct Sized<'a> {
    /// Order.
    pub order_id: &'a str,
    /// Box name.
    pub box_name: &'a str,
    /// Dimensions, cm.
    pub dims_cm: (f64, f64, f64),
    /// Weight, g.
    pub weight_g: f64,
    /// A package row exists already (re-sized); otherwise one is appended.
    pub has_package: bool,
}

/// Record box choices (a package in `sized`; a package already booked is left alone) and release
/// the orders' holds: a few statements for the whole list.
pub fn set_sized_many(conn: &Connection, sized: &[Sized<'_>], now: DateTime<Utc>) -> Result<(), StoreError> {
    let (existing, fresh): (Vec<&Sized<'_>>, Vec<&Sized<'_>>) = sized.iter().partition(|p| p.has_package);
    if !fresh.is_empty() {
        let mut app = conn.appender_with_columns(
            "packages",
            &["order_id", "state", "box", "length_cm", "width_cm", "height_cm", "weight_g", "sized_at", "updated_at"],
        )?;
        for p in &fresh {
            app.append_row(params![p.order_id, "sized", p.box_name, p.dims_cm.0, p.dims_cm.1, p.dims_cm.2, p.weight_g, now, now])?;
        }
        app.flush()?;
    }
    for chunk in existing.chunks(ROWS_PER_STATEMENT) {
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO packages (order_id, state, box, length_cm, width_cm, height_cm, weight_g, sized_at, updated_at)
             VALUES {}
             ON CONFLICT (order_id) DO UPDATE SET box = excluded.box, length_cm = excluded.length_cm, width_cm = excluded.width_cm,
                 height_cm = excluded.height_cm, weight_g = excluded.weight_g, updated_at = excluded.updated_at
             WHERE packages.state = 'sized'",
            vec!["(?, 'sized', ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        ))?;
        let mut args: Vec<&dyn duckdb::ToSql> = Vec::with_capacity(chunk.len() * 8);
        for p in chunk {
            args.extend([
                &p.order_id as &dyn duckdb::ToSql,
                &p.box_name,
                &p.dims_cm.0,
                &p.dims_cm.1,
                &p.dims_cm.2,
                &p.weight_g,
                &now,
                &now,
            ]);
        }
        stmt.execute(args.as_slice())?;
    }
    let ids: Vec<&str> = sized.iter().map(|p| p.order_id).collect();
    for chunk in ids.chunks(256) {
        conn.prepare_cached(&format!(
            "UPDATE orders SET hold_reason = NULL, held_at = NULL WHERE order_id IN {} AND hold_reason IS NOT NULL",
            tuple(chunk.len())
        ))?
        .execute(duckdb::params_from_iter(chunk))?;
    }
    stamp_purchase_dates(conn, Some(&ids))?;
    Ok(())
}

/// Forget a box choice (the order is held again or no longer needs one).
pub fn clear_sized(conn: &Connection, order_id: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM packages WHERE order_id = ? AND state = 'sized'")?.execute([order_id])?;
    Ok(())
}

/// Record the intent to create a package with this slot (committed before the call).
pub fn set_intent(
    conn: &Connection,
    order_id: &str,
    slot_id: &str,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    method: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET state = 'intent', slot_id = ?, slot_start = ?, slot_end = ?, handover_method = ?, intent_at = ?, updated_at = ? WHERE order_id = ?")?.execute(params![slot_id, start, end, method, now, now, order_id],
    )?;
    Ok(())
}

/// An intent that Amazon never acted on: back to `sized`.
pub fn revert_intent(conn: &Connection, order_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET state = 'sized', intent_at = NULL, updated_at = ? WHERE order_id = ? AND state = 'intent'")?
        .execute(params![now, order_id])?;
    Ok(())
}

/// What Amazon said about a scheduled package.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// Package id.
    pub package_id: Option<String>,
    /// Status.
    pub package_status: Option<String>,
    /// Slot.
    pub slot_id: String,
    /// Slot start.
    pub slot_start: Option<DateTime<Utc>>,
    /// Slot end.
    pub slot_end: Option<DateTime<Utc>>,
    /// Method.
    pub handover_method: Option<String>,
    /// Tracking.
    pub tracking_id: Option<String>,
    /// Invoice number.
    pub invoice_number: Option<String>,
    /// Invoice date.
    pub invoice_date: Option<DateTime<Utc>>,
}

/// Record a scheduled (or adopted, or rescheduled) package.
pub fn set_scheduled(conn: &Connection, order_id: &str, s: &Scheduled, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET state = 'scheduled', package_id = ?, package_status = ?, slot_id = ?, slot_start = ?, slot_end = ?, handover_method = ?,
             tracking_id = COALESCE(?, tracking_id), invoice_number = COALESCE(?, invoice_number), invoice_date = COALESCE(?, invoice_date),
             scheduled_at = COALESCE(scheduled_at, ?), updated_at = ?
         WHERE order_id = ?")?.execute(params![s.package_id, s.package_status, s.slot_id, s.slot_start, s.slot_end, s.handover_method, s.tracking_id, s.invoice_number, s.invoice_date, now, now, order_id],
    )?;
    Ok(())
}

/// Scheduled packages whose pickup slot ended without a handover.
pub fn missed_pickups(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<PackageRow>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM packages p JOIN orders o USING (order_id)
         WHERE p.state = 'scheduled' AND p.slot_end < ? AND o.order_status = 'UNSHIPPED'
           AND (o.easy_ship_status IS NULL OR o.easy_ship_status IN ('PENDING_PICK_UP', 'PENDING_DROP_OFF', 'ReadyForPickup'))
         ORDER BY p.slot_end, p.order_id",
        PACKAGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect::<Vec<_>>().join(", ")
    ))?;
    let rows = stmt.query_map([now], package_row)?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// An order's PII deadline, if it has one.
pub fn pii_deadline(conn: &Connection, order_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    use duckdb::OptionalExt as _;
    Ok(conn.prepare_cached("SELECT pii_deadline FROM orders WHERE order_id = ?")?.query_row([order_id], |r| r.get(0)).optional()?.flatten())
}

/// Orders (with live PII) whose ship-to state spelling is unknown.
pub fn unknown_state_orders(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT order_id FROM orders WHERE state_unknown AND pii_purged_at IS NULL ORDER BY order_id")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Unshipped Easy Ship orders that arrived without their ship-to state (at most 50, oldest
/// first). Only a missing state is worth a `getOrder` (GST needs it); a missing recipient is not:
/// without the PII role Amazon never sends it, and asking again would cost a call per order per
/// run.
pub fn missing_ship_state(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.order_id FROM orders o
         WHERE o.is_easy_ship AND o.order_status = 'UNSHIPPED' AND o.pii_purged_at IS NULL
           AND o.ship_state_code IS NULL AND NOT o.state_unknown
         ORDER BY o.purchase_date, o.order_id LIMIT 50",
    )?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Booked packages with a tracking id not yet confirmed with `confirmShipment`:
/// `(order id, tracking id, ship date)`.
pub fn shipments_to_confirm(conn: &Connection) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.order_id, p.tracking_id, COALESCE(p.slot_start, p.scheduled_at) FROM packages p JOIN orders o USING (order_id)
         WHERE p.state = 'scheduled' AND p.confirmed_at IS NULL AND p.tracking_id IS NOT NULL ORDER BY p.order_id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// `confirmShipment` succeeded for an order.
pub fn set_confirmed(conn: &Connection, order_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET confirmed_at = ? WHERE order_id = ?")?.execute(params![now, order_id])?;
    Ok(())
}

/// The first `limit` booked pickups: `(order id, slot start, handover method)` (the demo).
pub fn first_pickups(conn: &Connection, limit: usize) -> Result<Vec<(String, Option<DateTime<Utc>>, Option<String>)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT order_id, slot_start, handover_method FROM packages WHERE state = 'scheduled' ORDER BY slot_start, order_id LIMIT ?",
    )?;
    let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Booked pickups from `now` on, soonest first: `(order id, slot start, handover method, label
/// state)` (`printed`, `stored` = waiting to be printed, `requested`, `failed`, or none yet).
pub fn next_pickups(
    conn: &Connection,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<(String, Option<DateTime<Utc>>, Option<String>, Option<String>)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.order_id, p.slot_start, p.handover_method, p.docs_state FROM packages p JOIN orders o USING (order_id)
         WHERE p.state = 'scheduled' AND o.order_status = 'UNSHIPPED' AND p.slot_start >= ? ORDER BY p.slot_start, p.order_id LIMIT ?",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// The next days customer data is due to be purged (orders' deadlines), with how many orders.
pub fn next_purges(conn: &Connection, limit: usize) -> Result<Vec<(chrono::NaiveDate, i64)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT CAST(pii_deadline AS DATE), count(*) FROM orders WHERE pii_deadline IS NOT NULL AND pii_purged_at IS NULL
         GROUP BY 1 ORDER BY 1 LIMIT ?",
    )?;
    let rows = stmt.query_map([limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Orders whose ship-to state spelling is unknown (all, purged or not).
pub fn count_state_unknown(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM orders WHERE state_unknown", [], |r| r.get(0))?)
}

/// Orders whose customer data is gone for good.
pub fn count_pii_purged(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM orders WHERE pii_purged_at IS NOT NULL", [], |r| r.get(0))?)
}

/// An order's latest ship-by time.
pub fn ship_by(conn: &Connection, order_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    use duckdb::OptionalExt as _;
    Ok(conn.prepare_cached("SELECT ship_by FROM orders WHERE order_id = ?")?.query_row([order_id], |r| r.get(0)).optional()?.flatten())
}

/// Hold every order not yet booked whose buyer asked to cancel (or that is cancelled): it is
/// never booked. Returns the orders newly held.
pub fn hold_cancel_requested(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    let reason = "the buyer asked to cancel: not booked (cancel the order in Seller Central)";
    let mut stmt = conn.prepare_cached(
        "SELECT o.order_id FROM orders o JOIN packages p USING (order_id)
         WHERE p.state = 'sized' AND (o.cancel_requested OR o.order_status = 'CANCELLED') AND o.hold_reason IS DISTINCT FROM ? ORDER BY o.order_id",
    )?;
    let ids = stmt.query_map([reason], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    for id in &ids {
        hold(conn, id, reason, now)?;
    }
    Ok(ids)
}

/// Mark a booked package as handed over after the order's ship-by time (there was no earlier slot).
pub fn set_late(conn: &Connection, order_id: &str, late: bool) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE packages SET late = ? WHERE order_id = ?")?.execute(params![late, order_id])?;
    Ok(())
}

/// Why an order that is not held is still not booked (a transient failure); cleared on booking.
pub fn set_waiting(conn: &Connection, order_id: &str, reason: Option<&str>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE orders SET waiting_reason = ? WHERE order_id = ?")?.execute(params![reason, order_id])?;
    Ok(())
}

/// One line of `dakiya status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusLine {
    /// Order id.
    pub order_id: String,
    /// Why (held reason, last transient problem, or where it is).
    pub reason: String,
    /// Pickup slot start, for booked orders.
    pub pickup: Option<DateTime<Utc>>,
}

/// Every Easy Ship order that is not booked yet, with its latest reason.
pub fn not_booked(conn: &Connection) -> Result<Vec<StatusLine>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT o.order_id,
                COALESCE(o.hold_reason, o.waiting_reason,
                         CASE WHEN o.cancel_requested THEN 'the buyer asked to cancel: not booked'
                              WHEN p.state = 'intent' THEN 'booking sent; its outcome is checked with Amazon next run'
                              WHEN p.state = 'sized' THEN 'box chosen; waiting for a pickup slot'
                              ELSE 'waiting to be sized' END)
         FROM orders o LEFT JOIN packages p USING (order_id)
         WHERE o.is_easy_ship AND o.order_status = 'UNSHIPPED' AND o.pii_purged_at IS NULL
           AND (p.order_id IS NULL OR p.state <> 'scheduled')
         ORDER BY o.purchase_date, o.order_id",
    )?;
    let rows = stmt.query_map([], |r| Ok(StatusLine { order_id: r.get(0)?, reason: r.get(1)?, pickup: None }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}

/// Booked orders whose pickup starts before `before` and whose label is not printed yet, and
/// every booked order handed over after its ship-by time.
pub fn needs_attention(conn: &Connection, before: DateTime<Utc>) -> Result<Vec<StatusLine>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT p.order_id,
                CASE WHEN p.late AND p.slot_start < ? AND coalesce(p.docs_state, '') NOT IN ('printed', 'purged')
                          THEN 'pickup after the ship-by time (no earlier slot); label not printed yet'
                     WHEN p.late THEN 'pickup after the ship-by time (no earlier slot)'
                     WHEN p.docs_state = 'stored' THEN 'pickup soon; label waiting to be printed (`dakiya labels print`)'
                     WHEN p.docs_state = 'failed' THEN 'pickup soon; no label: ' || coalesce(p.docs_error, 'documents failed') || ' (`dakiya labels request`)'
                     ELSE 'pickup soon; label not here yet' END,
                p.slot_start
         FROM packages p JOIN orders o USING (order_id)
         WHERE p.state = 'scheduled' AND o.order_status = 'UNSHIPPED'
           AND (p.late OR (p.slot_start < ? AND coalesce(p.docs_state, '') NOT IN ('printed', 'purged')))
         ORDER BY p.slot_start, p.order_id",
    )?;
    let rows = stmt.query_map(params![before, before], |r| Ok(StatusLine { order_id: r.get(0)?, reason: r.get(1)?, pickup: r.get(2)? }))?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
