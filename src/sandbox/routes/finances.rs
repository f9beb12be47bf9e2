//! Finances v0 `listFinancialEvents` (financesV0.json): the refunds of the world as
//! `RefundEventList` shipment events, written from the model and the public material in
//! docs/amazon-behaviour.md, not from the client. Amounts are JSON numbers, signed: a refund's
//! charges are negative. Refunded items carry `OrderAdjustmentItemId` and `SellerSKU` but no
//! `OrderItemId` (a public fixture; dialect `refund_order_item_ids` adds it). Events show only
//! some hours after they are posted (up to 48). `PostedBefore` must be two minutes in the past
//! and after `PostedAfter`; more than 180 days apart answers empty; dialect `one_day_windows`
//! refuses a window longer than a day as India accounts have seen. Dialect
//! `empty_finance_pages` sends an empty page with a `NextToken` first ("this operation can
//! return empty pages").

#[allow(unused_imports)]
use super::*;

use crate::sandbox::world::SimRefund;

fn amount(paise: i64) -> Value {
    let n = serde_json::Number::from_f64(paise as f64 / 100.0).map_or(Value::Null, Value::Number);
    json!({ "CurrencyCode": "INR", "CurrencyAmount": n })
}

fn event_json(r: &SimRefund, tax_inside: bool, with_item_ids: bool, offset_times: bool) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .enumerate()
        .map(|(idx, (item, units, value, tax))| {
            let principal = if tax_inside { *value } else { value - tax };
            let mut v = json!({
                "SellerSKU": item.sku,
                "OrderAdjustmentItemId": format!("{}{idx:02}", &item.order_item_id[..12]),
                "QuantityShipped": units,
                "ItemChargeAdjustmentList": [
                    { "ChargeType": "Principal", "ChargeAmount": amount(-principal) },
                    { "ChargeType": "Tax", "ChargeAmount": amount(-tax) },
                ],
                "ItemFeeAdjustmentList": [
                    { "FeeType": "Commission", "FeeAmount": amount(value / 10) },
                    { "FeeType": "RefundCommission", "FeeAmount": amount(-(value / 50)) },
                ],
            });
            if with_item_ids {
                v["OrderItemId"] = json!(item.order_item_id);
            }
            v
        })
        .collect();
    let posted = if offset_times {
        r.posted.with_timezone(&crate::clock::ist()).to_rfc3339_opts(SecondsFormat::Secs, false)
    } else {
        r.posted.to_rfc3339_opts(SecondsFormat::Millis, true)
    };
    json!({
        "AmazonOrderId": r.order_id, "MarketplaceName": "Amazon.in", "PostedDate": posted,
        "ShipmentItemAdjustmentList": items,
    })
}

pub(super) async fn list_financial_events(State(shared): S, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let op = Op::ListFinancialEvents;
    let fault = match gate(&shared, op, &headers, None, None) {
        Ok(f) => f,
        Err(resp) => return resp,
    };
    let q = parse_query(raw);
    let now = shared.clock.now();
    let page_size: usize = match q.get("MaxResultsPerPage").map(|v| v.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => return invalid(&shared, op, None, "MaxResultsPerPage must be between 1 and 100"),
    };
    let (after, before) = match (parse_time(&q, "PostedAfter"), parse_time(&q, "PostedBefore")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(m), _) | (_, Err(m)) => return invalid(&shared, op, None, &m),
    };
    let latest = now - Duration::minutes(2);
    if after.is_some_and(|a| a > latest) {
        return invalid(&shared, op, None, "PostedAfter must be more than two minutes before the time of the request");
    }
    if before.is_some() && after.is_none() {
        return invalid(&shared, op, None, "PostedBefore requires PostedAfter");
    }
    if before.is_some_and(|b| b > latest) {
        return invalid(&shared, op, None, "PostedBefore must be more than two minutes before the time of the request");
    }
    let before = before.unwrap_or(latest);
    let after = after.unwrap_or(before - Duration::days(180));
    if before <= after {
        return invalid(&shared, op, None, "PostedBefore must be later than PostedAfter");
    }
    let dialect = &shared.options.dialect;
    if dialect.one_day_windows && before - after > Duration::days(1) {
        // amzn/selling-partner-api-models#2981: `{'code': 'InvalidInput', 'message': 'Invalid Input'}`.
        return invalid(&shared, op, None, "Invalid Input");
    }
    // A token is bound to the parameters as sent (the default end moves with the clock).
    let bound = format!("{}|{}", q.get("PostedAfter").map_or("", String::as_str), q.get("PostedBefore").map_or("", String::as_str));
    let offset = match q.get("NextToken") {
        None => 0,
        Some(token) => match token.strip_prefix("sbx-fin|").and_then(|t| t.split_once('|')) {
            Some((n, b)) if b == bound => match n.parse::<usize>() {
                Ok(n) => n,
                Err(_) => return invalid(&shared, op, None, "Invalid NextToken"),
            },
            _ => return invalid(&shared, op, None, "NextToken does not belong to these parameters"),
        },
    };
    let all: Vec<SimRefund> = {
        let mut world = shared.world.lock();
        world.advance(now);
        world.refunds(now)
    };
    let in_window: Vec<&SimRefund> = if before - after > Duration::days(180) {
        Vec::new()
    } else {
        all.iter().filter(|r| r.posted >= after && r.posted < before && r.visible <= now).collect()
    };
    // The empty page: the first answer of a window holds nothing but a token.
    let (events, next) = if dialect.empty_finance_pages && offset == 0 && !q.contains_key("NextToken") {
        (Vec::new(), Some(format!("sbx-fin|0|{bound}")))
    } else {
        let page: Vec<Value> = in_window
            .iter()
            .skip(offset)
            .take(page_size)
            .map(|r| event_json(r, dialect.tax_inside_item, dialect.refund_order_item_ids, dialect.offset_times))
            .collect();
        let next = (offset + page_size < in_window.len()).then(|| format!("sbx-fin|{}|{bound}", offset + page_size));
        (page, next)
    };
    shared.log(op.name(), None, 200, format!("{} refund events from offset {offset}{}", events.len(), fault_note(fault)));
    let mut payload = json!({ "FinancialEvents": { "RefundEventList": events } });
    if let Some(next) = next {
        payload["NextToken"] = json!(next);
    }
    finish(&shared, op, fault, StatusCode::OK, json!({ "payload": payload })).await
}
