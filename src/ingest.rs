//! Ingestion of orders from Amazon: the PII boundary.
//!
//! An [`Order`] arrives with the recipient in memory. Here it is split: the non-PII facts
//! (statuses, amounts in paise, ship-to GST state code) go to the plain tables; every identifying
//! field goes only into the encrypted vault, under the epoch of its purge deadline. Used by
//! `fetch` (pages) and `enrich` (re-reads), so both obey the same rules.
//!
//! Delivery rule: Amazon gives no delivery timestamp. The PII clock starts at the earlier of the
//! order's `lastUpdatedTime` when first seen delivered and the moment we saw it (the conservative
//! choice). Orders that end without delivery (cancelled, returned, lost, damaged, undeliverable)
//! start the clock at that end. PII deadline = that moment + 30 days, capped at purchase + 60 days
//! (the cap is waived only while a package is in transit; see `retain`).

use chrono::{DateTime, Duration, Utc};
use duckdb::Connection;

use crate::config::RetentionConfig;
use crate::gst::states::state_code;
use crate::spapi::model::orders::{FulfillmentStatus, Order, PackageState};
use crate::store::orders::{self as store_orders, ItemFacts, OrderFacts};
use crate::store::vault as store_vault;
use crate::vault::{epoch_of, purge_time, Pii, PiiField, Vault};

/// Detailed statuses that end an order without delivery.
const ENDINGS: &[&str] = &["RETURNED_TO_SELLER", "LOST", "DAMAGED", "UNDELIVERABLE", "REJECTED_BY_BUYER", "LABEL_CANCELLED"];

/// What ingestion needs.
pub struct IngestCtx<'a> {
    /// The vault.
    pub vault: &'a mut Vault,
    /// Retention periods.
    pub retention: &'a RetentionConfig,
    /// Store the recipient at all (`[enrich] collect_pii`).
    pub collect_pii: bool,
    /// Now.
    pub now: DateTime<Utc>,
}

/// What happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ingested {
    /// Stored; with how many PII fields went to the vault.
    Stored {
        /// First time this order was seen.
        new: bool,
        /// PII fields sealed.
        pii_fields: usize,
        /// Newly observed as delivered.
        delivered: bool,
    },
    /// Already stored as it is (the fetch overlap re-reads recent orders).
    Unchanged,
    /// Set aside with a PII-free reason.
    Quarantined(String),
}

fn dur(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::days(30))
}

/// The PII deadline of an order.
pub fn pii_deadline(
    purchase: DateTime<Utc>,
    delivered: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    r: &RetentionConfig,
) -> DateTime<Utc> {
    let cap = purchase + dur(r.pii_hard_cap);
    match (delivered, ended) {
        (Some(d), _) => (d + dur(r.pii_after_delivery)).min(cap),
        (None, Some(e)) => (e + dur(r.pii_after_end)).min(cap),
        (None, None) => cap,
    }
}

/// Ingest one order inside the caller's transaction.
pub fn ingest(conn: &Connection, cx: &mut IngestCtx<'_>, order: &Order) -> anyhow::Result<Ingested> {
    let mut out = ingest_page(conn, cx, std::slice::from_ref(order))?;
    out.pop().ok_or_else(|| anyhow::anyhow!("ingestion returned no outcome"))
}

/// Ingest a page of orders inside the caller's transaction: one outcome per order, in order.
/// The reads and writes are set-wise (a few statements per page, not per order: DuckDB's cost is
/// per statement). An order id seen twice in the page is ingested once (the later copy is
/// `Unchanged`).
pub fn ingest_page(conn: &Connection, cx: &mut IngestCtx<'_>, orders: &[Order]) -> anyhow::Result<Vec<Ingested>> {
    let now = cx.now;
    let ids: Vec<&str> = orders.iter().map(|o| o.order_id.as_str()).collect();
    let known_all = store_orders::known_many(conn, &ids)?;
    let mut stored_pii = if cx.collect_pii { store_vault::for_orders(conn, &ids)? } else { Default::default() };
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let mut values = Vec::new();
    let mut unreadable = Vec::new();
    let mut out = Vec::with_capacity(orders.len());
    for order in orders {
        if !seen.insert(order.order_id.as_str()) {
            out.push(Ingested::Unchanged);
            continue;
        }
        let (mut facts, items) = match facts_and_items(order) {
            Ok(parts) => parts,
            Err(reason) => {
                store_orders::quarantine(conn, &order.order_id, &reason, now)?;
                out.push(Ingested::Quarantined(reason));
                continue;
            }
        };
        let known = known_all.get(&order.order_id);
        if known.is_some_and(|k| k.last_updated == Some(order.last_updated_time)) {
            out.push(Ingested::Unchanged);
            continue;
        }
        let package = order.packages.first();
        let detailed = package.and_then(|p| p.package_status.as_ref()).and_then(|s| s.detailed_status.clone());
        let delivered_now = package
            .and_then(|p| p.package_status.as_ref())
            .is_some_and(|s| s.status == PackageState::Delivered || s.detailed_status.as_deref() == Some("DELIVERED"));
        let previously_delivered = known.and_then(|k| k.delivered_at);
        facts.delivered_at = previously_delivered.or_else(|| delivered_now.then(|| order.last_updated_time.min(now)));
        let cancelled = order.fulfillment.as_ref().is_some_and(|f| f.fulfillment_status == FulfillmentStatus::Cancelled);
        let ending = detailed.as_deref().filter(|d| ENDINGS.contains(d));
        facts.ended_at =
            known.and_then(|k| k.ended_at).or_else(|| (cancelled || ending.is_some()).then(|| order.last_updated_time.min(now)));
        facts.end_reason = if cancelled { Some("cancelled".into()) } else { ending.map(|d| d.to_ascii_lowercase()) };
        let deadline = pii_deadline(facts.purchase_date, facts.delivered_at, facts.ended_at, cx.retention);
        rows.push(store_orders::Upsert { facts, items, pii_deadline: deadline, known: known.is_some() });

        let mut sealed = 0;
        let purged = known.is_some_and(|k| k.pii_purged_at.is_some());
        let due = purge_time(epoch_of(deadline)) <= now;
        if cx.collect_pii && !purged && !due {
            let mut mine = Vec::new();
            if let Some(addr) = order.recipient.as_ref().and_then(|r| r.delivery_address.as_ref()) {
                let fields: [(PiiField, &Option<Pii>); 8] = [
                    (PiiField::RecipientName, &addr.name),
                    (PiiField::AddressLine1, &addr.address_line1),
                    (PiiField::AddressLine2, &addr.address_line2),
                    (PiiField::AddressLine3, &addr.address_line3),
                    (PiiField::City, &addr.city),
                    (PiiField::District, &addr.district_or_county),
                    (PiiField::PostalCode, &addr.postal_code),
                    (PiiField::Phone, &addr.phone),
                ];
                for (field, value) in fields {
                    if let Some(value) = value.as_ref().filter(|v| !v.expose().trim().is_empty()) {
                        mine.push(cx.vault.seal(&order.order_id, field, value, deadline, now)?);
                    }
                }
            }
            // Fields Amazon no longer sends (the phone after delivery) keep their value but follow
            // the new deadline. A stored value that cannot be decrypted any more is deleted (and
            // logged), never a reason to lose the rest of the page.
            let before = unreadable.len();
            for old in stored_pii.remove(&order.order_id).unwrap_or_default() {
                if old.deadline != deadline && !mine.iter().any(|v| v.field == old.field) {
                    match cx.vault.reseal(&old, deadline, now) {
                        Ok(sealed) => mine.push(sealed),
                        Err(err) if err.is_unreadable() => unreadable.push((old.order_id.clone(), old.field.clone())),
                        Err(err) => return Err(err.into()),
                    }
                }
            }
            if unreadable.len() > before {
                tracing::error!(order_id = %order.order_id, values = unreadable.len() - before, "Stored customer data of this order could not be decrypted and was deleted; see `dakiya audit`.");
            }
            sealed = mine.iter().filter(|v| PiiField::from_name(&v.field).is_some()).count();
            values.extend(mine);
        }
        out.push(Ingested::Stored { new: known.is_none(), pii_fields: sealed, delivered: delivered_now && previously_delivered.is_none() });
    }
    store_orders::upsert_many(conn, &rows, now)?;
    if !unreadable.is_empty() {
        crate::store::retention::delete_rows(conn, &unreadable)?;
        crate::store::retention::log(conn, now, None, "pii_unreadable", unreadable.len() as u64, "")?;
    }
    store_vault::put(conn, &values, now)?;
    Ok(out)
}

fn facts_and_items(order: &Order) -> Result<(OrderFacts, Vec<ItemFacts>), String> {
    let bad = |what: &str| format!("{what} is not a valid amount");
    let address = order.recipient.as_ref().and_then(|r| r.delivery_address.as_ref());
    let state_text = address.and_then(|a| a.state_or_region.as_deref()).map(str::trim).filter(|s| !s.is_empty());
    let code = state_text.and_then(state_code);
    let package = order.packages.first();
    let total = match order.proceeds.as_ref().and_then(|p| p.grand_total.as_ref()) {
        Some(m) => Some(m.paise().map_err(|_| bad("grandTotal"))?),
        None => None,
    };
    let currency = order.proceeds.as_ref().and_then(|p| p.grand_total.as_ref()).map(|m| m.currency_code.clone());
    let facts = OrderFacts {
        order_id: order.order_id.clone(),
        purchase_date: order.created_time,
        last_updated: order.last_updated_time,
        order_status: order.fulfillment.as_ref().map_or_else(|| "UNKNOWN".to_owned(), |f| f.fulfillment_status.as_str().to_owned()),
        easy_ship_status: package
            .and_then(|p| p.package_status.as_ref())
            .map(|s| s.detailed_status.clone().unwrap_or_else(|| s.status.as_str().to_owned())),
        is_easy_ship: order.is_easy_ship(),
        is_business: order.is_business(),
        is_cod: order.is_cod(),
        ship_state_code: code.map(str::to_owned),
        state_unknown: state_text.is_some() && code.is_none(),
        total_paise: total,
        currency,
        delivered_at: None,
        ended_at: None,
        end_reason: None,
        tracking_id: package.and_then(|p| p.tracking_number.clone()),
        ship_by: order.ship_by(),
        cancel_requested: order.cancel_requested(),
        tax_basis: None,
        invoice_value_paise: None,
    };
    let mut items = Vec::new();
    for item in &order.order_items {
        let proceeds = item.proceeds.clone().unwrap_or_default();
        let sum = |kind: &str| proceeds.sum(kind).map_err(|_| bad(kind));
        let line_total = match sum("ITEM")? {
            Some(v) => Some(v),
            None => match item.product.price.as_ref().and_then(|p| p.unit_price.as_ref()) {
                Some(unit) => Some(unit.paise().map_err(|_| bad("unitPrice"))? * item.quantity_ordered),
                None => None,
            },
        };
        let tax_total = sum("TAX")?;
        let shipping_tax = proceeds.shipping_tax().map_err(|_| bad("shipping tax"))?;
        items.push(ItemFacts {
            order_item_id: item.order_item_id.clone(),
            sku: item.product.seller_sku.clone(),
            asin: item.product.asin.clone(),
            quantity: item.quantity_ordered,
            item_price_paise: line_total,
            item_tax_paise: tax_total.map(|t| t - shipping_tax.unwrap_or(0)),
            shipping_paise: sum("SHIPPING")?,
            shipping_tax_paise: shipping_tax,
            discount_paise: sum("DISCOUNT")?,
            gift_wrap_paise: sum("GIFT_WRAP")?,
            cod_fee_paise: sum("COD_FEE")?,
            other_paise: sum("OTHER")?,
            proceeds_total_paise: match &proceeds.proceeds_total {
                Some(m) => Some(m.paise().map_err(|_| bad("proceedsTotal"))?),
                None => None,
            },
        });
    }
    let (basis, value) = tax_basis(&items, facts.total_paise).map_or((None, None), |(b, v)| (Some(b), Some(v)));
    let facts = OrderFacts { tax_basis: basis, invoice_value_paise: value, ..facts };
    Ok((facts, items))
}

/// How an order's amounts add up (GST: whether Amazon's `ITEM` includes the tax, which no Amazon
/// document says; docs/gst-rules.md). Charges per item are ITEM + SHIPPING + GIFT_WRAP + COD_FEE +
/// OTHER − |DISCOUNT|; the total is the items' `proceedsTotal` when every item has one, else the
/// order's `grandTotal`. Within one paisa per item: `EXCLUSIVE` when the total is the charges
/// plus TAX (the model's own example), `INCLUSIVE` when it is the charges alone, `NO_TAX` when no
/// item has a TAX breakdown (and the total, if any, is the charges), else `UNRECONCILED`; with
/// the invoice value (the charges, plus TAX when on top). `None` when the order came without
/// amounts at all (a later answer decides).
pub fn tax_basis(items: &[ItemFacts], grand_total: Option<i64>) -> Option<(&'static str, i64)> {
    if items.is_empty() || items.iter().all(|i| i.item_price_paise.is_none() && i.proceeds_total_paise.is_none()) {
        return None;
    }
    let part = |v: Option<i64>| v.unwrap_or(0);
    let charges: i64 = items
        .iter()
        .map(|i| {
            part(i.item_price_paise) + part(i.shipping_paise) + part(i.gift_wrap_paise) + part(i.cod_fee_paise) + part(i.other_paise)
                - part(i.discount_paise).abs()
        })
        .sum();
    let has_tax = items.iter().any(|i| i.item_tax_paise.is_some() || i.shipping_tax_paise.is_some());
    let tax: i64 = items.iter().map(|i| part(i.item_tax_paise) + part(i.shipping_tax_paise)).sum();
    let total = if items.iter().all(|i| i.proceeds_total_paise.is_some()) {
        Some(items.iter().map(|i| part(i.proceeds_total_paise)).sum())
    } else {
        grand_total
    };
    let tolerance = items.len() as i64;
    let near = |a: i64, b: i64| (a - b).abs() <= tolerance;
    let basis = match total {
        None if has_tax => "UNRECONCILED",
        None => "NO_TAX",
        Some(t) if !has_tax => {
            if near(t, charges) {
                "NO_TAX"
            } else {
                "UNRECONCILED"
            }
        }
        Some(t) if near(t, charges + tax) => "EXCLUSIVE",
        Some(t) if near(t, charges) => "INCLUSIVE",
        Some(_) => "UNRECONCILED",
    };
    Some((basis, if basis == "EXCLUSIVE" { charges + tax } else { charges }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(price: i64, tax: Option<i64>, total: Option<i64>) -> ItemFacts {
        ItemFacts {
            order_item_id: "1".into(),
            sku: None,
            asin: None,
            quantity: 1,
            item_price_paise: Some(price),
            item_tax_paise: tax,
            shipping_paise: None,
            shipping_tax_paise: None,
            discount_paise: None,
            gift_wrap_paise: None,
            cod_fee_paise: None,
            other_paise: None,
            proceeds_total_paise: total,
        }
    }

    /// Worked by hand: 950.00 + 47.50 = 997.50 is tax on top; 899.00 holding 42.81 is tax
    /// inside; 500.00 + 25.00 against 510.00 is neither; a discount subtracts whatever its sign.
    #[test]
    fn the_tax_basis_is_proven_from_the_totals() {
        assert_eq!(tax_basis(&[item(95_000, Some(4_750), Some(99_750))], None).map(|b| b.0), Some("EXCLUSIVE"));
        assert_eq!(tax_basis(&[item(89_900, Some(4_281), Some(89_900))], None), Some(("INCLUSIVE", 89_900)));
        assert_eq!(tax_basis(&[item(50_000, Some(2_500), Some(51_000))], None).map(|b| b.0), Some("UNRECONCILED"));
        assert_eq!(tax_basis(&[item(50_000, None, Some(50_000))], None).map(|b| b.0), Some("NO_TAX"));
        assert_eq!(
            tax_basis(&[item(95_000, Some(4_750), None)], Some(99_750)).map(|b| b.0),
            Some("EXCLUSIVE"),
            "grandTotal when items lack totals"
        );
        assert_eq!(tax_basis(&[item(95_000, Some(4_750), None)], None).map(|b| b.0), Some("UNRECONCILED"));
        for disc in [-1_500, 1_500] {
            let i = ItemFacts { discount_paise: Some(disc), shipping_paise: Some(4_000), ..item(47_500, Some(2_500), Some(52_500)) };
            assert_eq!(tax_basis(&[i], None), Some(("EXCLUSIVE", 52_500)), "discount {disc}: 475.00 + 40.00 − 15.00 + 25.00");
        }
        assert_eq!(tax_basis(&[], Some(100)), None);
    }

    #[test]
    fn deadlines_follow_delivery_end_and_the_cap() {
        let r = RetentionConfig::default();
        let buy = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).single().expect("date");
        assert_eq!(pii_deadline(buy, None, None, &r), buy + Duration::days(60));
        let d = buy + Duration::days(4);
        assert_eq!(pii_deadline(buy, Some(d), None, &r), d + Duration::days(30));
        let late = buy + Duration::days(45);
        assert_eq!(pii_deadline(buy, Some(late), None, &r), buy + Duration::days(60));
        let cancelled = buy + Duration::hours(2);
        assert_eq!(pii_deadline(buy, None, Some(cancelled), &r), cancelled + Duration::days(30));
    }
}
