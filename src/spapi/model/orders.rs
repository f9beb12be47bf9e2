//! Orders API 2026-01-01 (`searchOrders`, `getOrder`) and Orders v0 `confirmShipment`.
//!
//! dakiya asks only for the `includedData` it needs (recipient, proceeds, fulfillment, packages);
//! never `BUYER` or `TAX` (buyer GSTIN is restricted and not needed). PII fields deserialize
//! straight into [`Pii`], which redacts itself and is wiped on drop.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{open_enum, Money};
use crate::pii::Pii;

/// `includedData` values dakiya requests.
pub const INCLUDED_DATA: &[&str] = &["RECIPIENT", "PROCEEDS", "FULFILLMENT", "PACKAGES", "CANCELLATION"];

open_enum!(
    /// `fulfillment.fulfillmentStatus`.
    FulfillmentStatus {
        /// Not yet available.
        PendingAvailability = "PENDING_AVAILABILITY",
        /// Placed, not yet authorised.
        Pending = "PENDING",
        /// Ready to ship.
        Unshipped = "UNSHIPPED",
        /// Some items shipped.
        PartiallyShipped = "PARTIALLY_SHIPPED",
        /// Shipped.
        Shipped = "SHIPPED",
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Cannot be fulfilled.
        Unfulfillable = "UNFULFILLABLE",
    }
);

open_enum!(
    /// `packages[].packageStatus.status`.
    PackageState {
        /// Not yet shipped.
        Pending = "PENDING",
        /// On its way.
        InTransit = "IN_TRANSIT",
        /// Shipped.
        Shipped = "SHIPPED",
        /// Delivered.
        Delivered = "DELIVERED",
        /// Cancelled.
        Cancelled = "CANCELLED",
        /// Cannot be delivered.
        Undeliverable = "UNDELIVERABLE",
    }
);

/// `searchOrders` 200 body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchOrdersResponse {
    /// The orders, kept raw so one odd order cannot fail the page; see [`parse_order`].
    pub orders: Vec<serde_json::Value>,
    /// Next page, if any.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// The end of the searched window (`lastUpdatedAfter` searches).
    #[serde(default)]
    pub last_updated_before: Option<DateTime<Utc>>,
}

/// Pagination.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// Token for the next page (`paginationToken`).
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `getOrder` 200 body.
#[derive(Debug, Clone, Deserialize)]
pub struct GetOrderResponse {
    /// The order, raw; see [`parse_order`].
    pub order: serde_json::Value,
}

/// An order that did not match the model, kept aside with its id (if it had one).
#[derive(Debug, Clone)]
pub struct OddOrder {
    /// The order id, when present.
    pub order_id: Option<String>,
    /// What did not match (no values, only the serde path and kind).
    pub problem: String,
}

/// Parse one raw order; an order that does not fit becomes an [`OddOrder`].
pub fn parse_order(raw: serde_json::Value) -> Result<Order, OddOrder> {
    let order_id = raw.get("orderId").and_then(|v| v.as_str()).map(str::to_owned);
    serde_json::from_value::<Order>(raw).map_err(|err| OddOrder {
        order_id,
        // serde_json's data errors name the expected type and the column, never the value.
        problem: format!("does not match the Orders 2026-01-01 model: {}", classify(&err)),
    })
}

fn classify(err: &serde_json::Error) -> String {
    // Data errors may quote the offending value (which could be PII): keep only the clause
    // naming a missing field, else just the position.
    let text = err.to_string();
    match text.strip_prefix("missing field ") {
        Some(rest) => format!("missing field {}", rest.split(" at line").next().unwrap_or(rest)),
        None => format!("a value of the wrong type or shape (column {})", err.column()),
    }
}

/// An order (only the fields dakiya uses).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Amazon order id.
    pub order_id: String,
    /// Purchase time.
    pub created_time: DateTime<Utc>,
    /// Last change by anyone.
    pub last_updated_time: DateTime<Utc>,
    /// Programs: `AMAZON_EASY_SHIP`, `AMAZON_BUSINESS`, `PRIME`, …
    #[serde(default)]
    pub programs: Vec<String>,
    /// Sales channel.
    pub sales_channel: SalesChannel,
    /// Recipient (PII), with `includedData=RECIPIENT`.
    #[serde(default)]
    pub recipient: Option<Recipient>,
    /// Proceeds, with `includedData=PROCEEDS`.
    #[serde(default)]
    pub proceeds: Option<OrderProceeds>,
    /// Fulfillment, with `includedData=FULFILLMENT`.
    #[serde(default)]
    pub fulfillment: Option<OrderFulfillment>,
    /// Items (always present).
    pub order_items: Vec<OrderItem>,
    /// Packages, with `includedData=PACKAGES`.
    #[serde(default)]
    pub packages: Vec<OrderPackage>,
}

impl Order {
    /// A buyer asked to cancel an item (or it was cancelled): never book, print or ask for its
    /// documents.
    pub fn cancel_requested(&self) -> bool {
        self.order_items
            .iter()
            .any(|i| i.cancellation.as_ref().is_some_and(|c| c.cancellation_request.is_some() || c.cancellation_execution.is_some()))
    }

    /// The latest time the order should ship by, if Amazon gave one.
    pub fn ship_by(&self) -> Option<DateTime<Utc>> {
        self.fulfillment.as_ref().and_then(|f| f.ship_by_window.as_ref()).and_then(|w| w.latest_date_time)
    }

    /// Has the Easy Ship program.
    pub fn is_easy_ship(&self) -> bool {
        self.programs.iter().any(|p| p == "AMAZON_EASY_SHIP")
    }

    /// An Amazon Business order.
    pub fn is_business(&self) -> bool {
        self.programs.iter().any(|p| p == "AMAZON_BUSINESS")
    }

    /// Cash on delivery: an item requires it, or a COD fee is charged.
    pub fn is_cod(&self) -> bool {
        self.order_items.iter().any(|item| {
            item.fulfillment
                .as_ref()
                .and_then(|f| f.shipping.as_ref())
                .and_then(|s| s.shipping_constraints.as_ref())
                .and_then(|c| c.cash_on_delivery.as_deref())
                == Some("MANDATORY")
        }) || self.proceeds.as_ref().is_some_and(|p| p.breakdowns.iter().any(|b| b.kind == "COD_FEE"))
    }
}

/// Sales channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesChannel {
    /// `AMAZON` or `NON_AMAZON`.
    pub channel_name: String,
    /// Marketplace id.
    #[serde(default)]
    pub marketplace_id: Option<String>,
}

/// The recipient.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    /// Delivery address.
    #[serde(default)]
    pub delivery_address: Option<CustomerAddress>,
}

/// A customer address. Every identifying part is [`Pii`]; only the state and country are not.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAddress {
    /// Name.
    #[serde(default)]
    pub name: Option<Pii>,
    /// Company name.
    #[serde(default)]
    pub company_name: Option<Pii>,
    /// Line 1.
    #[serde(default)]
    pub address_line1: Option<Pii>,
    /// Line 2.
    #[serde(default)]
    pub address_line2: Option<Pii>,
    /// Line 3.
    #[serde(default)]
    pub address_line3: Option<Pii>,
    /// City.
    #[serde(default)]
    pub city: Option<Pii>,
    /// District.
    #[serde(default)]
    pub district_or_county: Option<Pii>,
    /// State (free text; normalised to a GST state code, never stored raw).
    #[serde(default)]
    pub state_or_region: Option<String>,
    /// PIN code.
    #[serde(default)]
    pub postal_code: Option<Pii>,
    /// Country.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<Pii>,
}

/// Order proceeds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderProceeds {
    /// Grand total.
    #[serde(default)]
    pub grand_total: Option<Money>,
    /// Breakdown by type.
    #[serde(default)]
    pub breakdowns: Vec<ProceedsBreakdown>,
}

/// A proceeds breakdown (order or item level).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProceedsBreakdown {
    /// `ITEM`, `SHIPPING`, `GIFT_WRAP`, `COD_FEE`, `TAX`, `DISCOUNT`, `OTHER`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Subtotal.
    pub subtotal: Money,
    /// For `TAX` and `DISCOUNT`: split by what it applies to.
    #[serde(default)]
    pub detailed_breakdowns: Vec<DetailedBreakdown>,
}

/// A detailed breakdown.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailedBreakdown {
    /// `ITEM`, `SHIPPING`, …
    #[serde(default)]
    pub subtype: Option<String>,
    /// Amount.
    #[serde(default)]
    pub value: Option<Money>,
}

/// Order-level fulfillment.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfillment {
    /// Status.
    pub fulfillment_status: FulfillmentStatus,
    /// `MERCHANT` or `AMAZON`.
    #[serde(default)]
    pub fulfilled_by: Option<String>,
    /// When the order must ship to meet the promise.
    #[serde(default)]
    pub ship_by_window: Option<DateTimeRange>,
}

/// A time period (`earliestDateTime`, `latestDateTime`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeRange {
    /// Start.
    #[serde(default)]
    pub earliest_date_time: Option<DateTime<Utc>>,
    /// End.
    #[serde(default)]
    pub latest_date_time: Option<DateTime<Utc>>,
}

/// An item's cancellation, with `includedData=CANCELLATION`. The reasons are the buyer's words
/// and are never kept; only that a request exists.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemCancellation {
    /// A cancellation request (e.g. by the buyer).
    #[serde(default)]
    pub cancellation_request: Option<serde::de::IgnoredAny>,
    /// A cancellation carried out.
    #[serde(default)]
    pub cancellation_execution: Option<serde::de::IgnoredAny>,
}

/// An order item.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    /// Item id.
    pub order_item_id: String,
    /// Quantity.
    pub quantity_ordered: i64,
    /// Product.
    pub product: ItemProduct,
    /// Proceeds (price, tax, shipping).
    #[serde(default)]
    pub proceeds: Option<ItemProceeds>,
    /// Fulfillment details.
    #[serde(default)]
    pub fulfillment: Option<ItemFulfillment>,
    /// Cancellation request or execution, with `includedData=CANCELLATION`.
    #[serde(default)]
    pub cancellation: Option<ItemCancellation>,
}

/// The product of an item.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProduct {
    /// ASIN.
    #[serde(default)]
    pub asin: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Seller SKU.
    #[serde(default)]
    pub seller_sku: Option<String>,
    /// Price.
    #[serde(default)]
    pub price: Option<ItemPrice>,
}

/// Item price.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPrice {
    /// Unit price.
    #[serde(default)]
    pub unit_price: Option<Money>,
}

/// Item proceeds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemProceeds {
    /// Total.
    #[serde(default)]
    pub proceeds_total: Option<Money>,
    /// Breakdown by type.
    #[serde(default)]
    pub breakdowns: Vec<ProceedsBreakdown>,
}

impl ItemProceeds {
    /// Sum of the breakdowns of `kind` in paise (`None` if there is none).
    pub fn sum(&self, kind: &str) -> Result<Option<i64>, super::BadAmount> {
        let mut total = None;
        for b in self.breakdowns.iter().filter(|b| b.kind == kind) {
            total = Some(total.unwrap_or(0) + b.subtotal.paise()?);
        }
        Ok(total)
    }

    /// Tax on shipping, from the TAX breakdown's detailed `SHIPPING` part.
    pub fn shipping_tax(&self) -> Result<Option<i64>, super::BadAmount> {
        let mut total = None;
        for b in self.breakdowns.iter().filter(|b| b.kind == "TAX") {
            for d in b.detailed_breakdowns.iter().filter(|d| d.subtype.as_deref() == Some("SHIPPING")) {
                if let Some(v) = &d.value {
                    total = Some(total.unwrap_or(0) + v.paise()?);
                }
            }
        }
        Ok(total)
    }
}

/// Item fulfillment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemFulfillment {
    /// Shipping details.
    #[serde(default)]
    pub shipping: Option<ItemShipping>,
}

/// Item shipping.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemShipping {
    /// Constraints.
    #[serde(default)]
    pub shipping_constraints: Option<ShippingConstraints>,
}

/// Shipping constraints.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingConstraints {
    /// `MANDATORY` for cash on delivery.
    #[serde(default)]
    pub cash_on_delivery: Option<String>,
}

/// A package of a merchant-fulfilled order.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPackage {
    /// Package reference.
    pub package_reference_id: String,
    /// Status.
    #[serde(default)]
    pub package_status: Option<PackageStatus>,
    /// Handover to the carrier.
    #[serde(default)]
    pub ship_time: Option<DateTime<Utc>>,
    /// Tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
}

/// Package status.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageStatus {
    /// Coarse status.
    pub status: PackageState,
    /// Detailed status (`PICKED_UP`, `DELIVERED`, `RETURNED_TO_SELLER`, `LOST`, …).
    #[serde(default)]
    pub detailed_status: Option<String>,
}

/// Orders v0 `confirmShipment` body.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmShipmentRequest {
    /// Marketplace.
    pub marketplace_id: String,
    /// The package.
    pub package_detail: PackageDetail,
}

/// A confirmed package.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetail {
    /// Seller-chosen positive numeric id.
    pub package_reference_id: String,
    /// Carrier code.
    pub carrier_code: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Ship date, ISO 8601.
    pub ship_date: DateTime<Utc>,
    /// Items and quantities.
    pub order_items: Vec<ConfirmShipmentOrderItem>,
}

/// An item in a confirmation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmShipmentOrderItem {
    /// Item id.
    pub order_item_id: String,
    /// Quantity.
    pub quantity: i64,
}
