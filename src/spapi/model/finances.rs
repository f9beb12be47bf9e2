//! Finances v0 `listFinancialEvents` (`financesV0.json`): the refund events dakiya needs for the
//! GST export's credit notes. No customer data is in these events (ids, SKUs, amounts, times).
//!
//! Every field is optional as in the model; one event that cannot be read becomes an
//! [`OddRefund`] and the rest of the page still counts. Amounts are the model's `BigDecimal` ("a
//! signed decimal number", a JSON number); a string is accepted too and more than two decimals is
//! an error, never a rounding. Charge types are the model's `ChargeComponent` list; those that
//! make up the value of a supply (CGST Act s.15: price, shipping, gift wrap, COD charges) and
//! their taxes are summed apart from the rest (goodwill, restocking fee, return shipping, TCS),
//! which is kept for the CA but never taken as a credit of tax.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{parse_paise, BadAmount};

/// `listFinancialEvents` 200 body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFinancialEventsResponse {
    /// The page.
    #[serde(default)]
    pub payload: Option<ListFinancialEventsPayload>,
}

/// One page of financial events.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListFinancialEventsPayload {
    /// Present and not empty when another page follows (pages may be empty).
    #[serde(rename = "NextToken", default)]
    pub next_token: Option<String>,
    /// The events of this page.
    #[serde(rename = "FinancialEvents", default)]
    pub financial_events: Option<FinancialEvents>,
}

/// The event lists dakiya reads; each event is kept raw and parsed on its own.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FinancialEvents {
    /// Refund events (`ShipmentEvent`s).
    #[serde(rename = "RefundEventList", default)]
    pub refund_event_list: Vec<serde_json::Value>,
}

/// The model's `Currency`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Currency {
    /// ISO 4217 code.
    #[serde(rename = "CurrencyCode", default)]
    pub currency_code: Option<String>,
    /// The signed amount.
    #[serde(rename = "CurrencyAmount", default)]
    pub currency_amount: Option<serde_json::Value>,
}

impl Currency {
    /// The amount in paise, exactly (`None` when absent).
    pub fn paise(&self) -> Result<Option<i64>, BadAmount> {
        match &self.currency_amount {
            None | Some(serde_json::Value::Null) => Ok(None),
            // serde_json prints a float in its shortest round-trip form: 28.52 → "28.52".
            Some(serde_json::Value::Number(n)) => parse_paise(&n.to_string()).map(Some),
            Some(serde_json::Value::String(s)) => parse_paise(s).map(Some),
            Some(_) => Err(BadAmount("(not a number)".into())),
        }
    }
}

/// The model's `ChargeComponent`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChargeComponent {
    /// `Principal`, `Tax`, `ShippingCharge`, …
    #[serde(rename = "ChargeType", default)]
    pub charge_type: Option<String>,
    /// The amount.
    #[serde(rename = "ChargeAmount", default)]
    pub charge_amount: Option<Currency>,
}

/// The model's `Promotion`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Promotion {
    /// The amount.
    #[serde(rename = "PromotionAmount", default)]
    pub promotion_amount: Option<Currency>,
}

/// The model's `ShipmentItem` (the fields a refund uses).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShipmentItem {
    /// Seller SKU.
    #[serde(rename = "SellerSKU", default)]
    pub seller_sku: Option<String>,
    /// Order item id.
    #[serde(rename = "OrderItemId", default)]
    pub order_item_id: Option<String>,
    /// Adjustment id (refunds, guarantee claims, chargebacks).
    #[serde(rename = "OrderAdjustmentItemId", default)]
    pub order_adjustment_item_id: Option<String>,
    /// Units.
    #[serde(rename = "QuantityShipped", default)]
    pub quantity_shipped: Option<i64>,
    /// Charge adjustments (refunds).
    #[serde(rename = "ItemChargeAdjustmentList", default)]
    pub item_charge_adjustment_list: Vec<ChargeComponent>,
    /// Promotions.
    #[serde(rename = "PromotionList", default)]
    pub promotion_list: Vec<Promotion>,
    /// Promotion adjustments (refunds).
    #[serde(rename = "PromotionAdjustmentList", default)]
    pub promotion_adjustment_list: Vec<Promotion>,
}

/// The model's `ShipmentEvent` (the fields a refund uses).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShipmentEvent {
    /// Amazon order id.
    #[serde(rename = "AmazonOrderId", default)]
    pub amazon_order_id: Option<String>,
    /// When the event was posted.
    #[serde(rename = "PostedDate", default)]
    pub posted_date: Option<DateTime<Utc>>,
    /// Adjusted items.
    #[serde(rename = "ShipmentItemAdjustmentList", default)]
    pub shipment_item_adjustment_list: Vec<ShipmentItem>,
}

/// Charge types that are part of the value of a supply (CGST Act s.15(2)(c)).
const VALUE_TYPES: &[&str] =
    &["Principal", "ShippingCharge", "Giftwrap", "CODItemCharge", "CODOrderCharge", "CODShippingCharge", "Discount"];
/// The taxes on them (collected by the seller).
const TAX_TYPES: &[&str] =
    &["Tax", "ShippingTax", "GiftwrapTax", "CODItemTaxCharge", "CODOrderTaxCharge", "CODShippingTaxCharge", "TaxDiscount"];

/// One refunded item of a refund event, as dakiya stores it (signed as Amazon sent it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundItem {
    /// Identity: order, posting time, item or adjustment id, SKU, position.
    pub event_key: String,
    /// Amazon order id.
    pub order_id: String,
    /// Posted.
    pub posted_at: DateTime<Utc>,
    /// Order item id, when sent.
    pub order_item_id: Option<String>,
    /// Adjustment id, when sent.
    pub adjustment_item_id: Option<String>,
    /// SKU, when sent.
    pub sku: Option<String>,
    /// Units, when sent.
    pub quantity: Option<i64>,
    /// Value charges, paise.
    pub value: i64,
    /// Their taxes, paise (`None`: no tax charge was sent).
    pub tax: Option<i64>,
    /// Promotions, paise.
    pub promotion: i64,
    /// Other charges, paise.
    pub other: i64,
    /// Their types, comma-separated.
    pub other_types: Option<String>,
    /// Currency, when sent.
    pub currency: Option<String>,
}

/// An event that could not be read: its order id (when present) and what is wrong (no values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OddRefund {
    /// Identity: a hash of the event as sent (reading it again gives the same key).
    pub event_key: String,
    /// Amazon order id, if the event had one.
    pub order_id: Option<String>,
    /// Posted, if readable.
    pub posted_at: Option<DateTime<Utc>>,
    /// What did not match.
    pub problem: String,
}

/// Parse one raw refund event into its items.
pub fn parse_refund(raw: serde_json::Value) -> Result<Vec<RefundItem>, OddRefund> {
    let order_id = raw.get("AmazonOrderId").and_then(|v| v.as_str()).map(str::to_owned);
    let digest = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(raw.to_string().as_bytes()))
    };
    let odd = |posted_at, problem: String| OddRefund {
        event_key: format!("odd|{}", &digest[..32]),
        order_id: order_id.clone(),
        posted_at,
        problem,
    };
    let event: ShipmentEvent =
        serde_json::from_value(raw).map_err(|e| odd(None, format!("does not match the Finances v0 model (column {})", e.column())))?;
    let posted_at = event.posted_date;
    let (Some(order), Some(posted)) = (event.amazon_order_id.clone(), posted_at) else {
        return Err(odd(posted_at, "a refund event without AmazonOrderId or PostedDate".into()));
    };
    if event.shipment_item_adjustment_list.is_empty() {
        return Err(odd(posted_at, "a refund event without ShipmentItemAdjustmentList".into()));
    }
    let mut out = Vec::new();
    for (pos, item) in event.shipment_item_adjustment_list.iter().enumerate() {
        let (mut value, mut tax, mut promotion, mut other) = (0i64, None::<i64>, 0i64, 0i64);
        let mut other_types = Vec::new();
        let mut currency = None;
        for charge in &item.item_charge_adjustment_list {
            let Some(amount) = charge.charge_amount.as_ref() else { continue };
            let paise = amount.paise().map_err(|e| odd(posted_at, format!("charge amount: {e}")))?.unwrap_or(0);
            if currency.is_none() {
                currency = amount.currency_code.clone();
            }
            let kind = charge.charge_type.as_deref().unwrap_or("");
            if VALUE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
                value += paise;
            } else if TAX_TYPES.iter().any(|t| t.eq_ignore_ascii_case(kind)) {
                tax = Some(tax.unwrap_or(0) + paise);
            } else {
                other += paise;
                if !other_types.iter().any(|t: &String| t == kind) {
                    other_types.push(kind.to_owned());
                }
            }
        }
        for p in item.promotion_list.iter().chain(&item.promotion_adjustment_list) {
            if let Some(amount) = p.promotion_amount.as_ref() {
                promotion += amount.paise().map_err(|e| odd(posted_at, format!("promotion amount: {e}")))?.unwrap_or(0);
            }
        }
        let id = item.order_item_id.as_deref().or(item.order_adjustment_item_id.as_deref()).unwrap_or("");
        out.push(RefundItem {
            event_key: format!(
                "{order}|{}|{id}|{}|{pos}",
                posted.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                item.seller_sku.as_deref().unwrap_or("")
            ),
            order_id: order.clone(),
            posted_at: posted,
            order_item_id: item.order_item_id.clone(),
            adjustment_item_id: item.order_adjustment_item_id.clone(),
            sku: item.seller_sku.clone(),
            quantity: item.quantity_shipped,
            value,
            tax,
            promotion,
            other,
            other_types: (!other_types.is_empty()).then(|| other_types.join(",")),
            currency,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_refund_splits_value_tax_promotions_and_other_charges() {
        let raw = json!({
            "AmazonOrderId": "402-1234567-1234567", "PostedDate": "2026-10-20T10:00:00Z",
            "ShipmentItemAdjustmentList": [{
                "SellerSKU": "HST-MUG-01", "OrderAdjustmentItemId": "A1", "QuantityShipped": 1,
                "ItemChargeAdjustmentList": [
                    { "ChargeType": "Principal", "ChargeAmount": { "CurrencyCode": "INR", "CurrencyAmount": -475.24 } },
                    { "ChargeType": "Tax", "ChargeAmount": { "CurrencyCode": "INR", "CurrencyAmount": -23.76 } },
                    { "ChargeType": "ShippingCharge", "ChargeAmount": { "CurrencyCode": "INR", "CurrencyAmount": "-40.00" } },
                    { "ChargeType": "RestockingFee", "ChargeAmount": { "CurrencyCode": "INR", "CurrencyAmount": 10 } }
                ],
                "PromotionAdjustmentList": [{ "PromotionAmount": { "CurrencyCode": "INR", "CurrencyAmount": 15.0 } }]
            }]
        });
        let items = parse_refund(raw).expect("parses");
        assert_eq!(items.len(), 1);
        let i = &items[0];
        assert_eq!((i.value, i.tax, i.promotion, i.other), (-51_524, Some(-2_376), 1_500, 1_000));
        assert_eq!(i.other_types.as_deref(), Some("RestockingFee"));
        assert_eq!(i.order_item_id, None);
        assert_eq!(i.event_key, "402-1234567-1234567|2026-10-20T10:00:00.000Z|A1|HST-MUG-01|0");
    }

    #[test]
    fn an_event_that_cannot_be_read_names_its_order_and_what_is_wrong() {
        let bad = parse_refund(json!({ "AmazonOrderId": "402-1", "PostedDate": "2026-10-20T10:00:00Z",
            "ShipmentItemAdjustmentList": [{ "ItemChargeAdjustmentList": [{ "ChargeType": "Principal", "ChargeAmount": { "CurrencyAmount": 1.234 } }] }] }))
        .expect_err("three decimals");
        assert_eq!(bad.order_id.as_deref(), Some("402-1"));
        assert!(bad.problem.starts_with("charge amount"), "{}", bad.problem);
        assert!(parse_refund(json!({ "PostedDate": "2026-10-20T10:00:00Z" })).is_err());
    }
}
