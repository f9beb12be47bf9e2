//! What Amazon actually sent, in a PII-free form: enum spellings, units, time formats, which
//! optional fields came, error codes, report shapes and document formats. The open questions of
//! docs/amazon-behaviour.md ("Confirm on the first run") are answered by the first real run
//! itself: every run, `run --dry-run` and `doctor` merge what they saw into
//! `<home>/amazon-observations.json`.
//!
//! Only values of enum-like fields and shapes are kept, never free text, names, addresses or ids:
//! every value passes [`clean`] (letters, digits and `_ . : + -`, at most 40 characters), times
//! are reduced to their shape (`9999-99-99T99:99:99+05:30`), and ids are never observed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use parking_lot::Mutex;
use serde_json::Value;

use super::limits::Op;

/// The file in the data directory.
pub const OBSERVATIONS_FILE: &str = "amazon-observations.json";

/// Observed values by key (`"listHandoverSlots timeSlots[].handoverMethod"` → `{"PICKUP"}`).
#[derive(Debug, Default)]
pub struct Observations {
    seen: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

/// A value as an observation: short, harmless characters only, else `(other)`.
pub fn clean(value: &str) -> String {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-'));
    if ok {
        value.to_owned()
    } else {
        "(other)".to_owned()
    }
}

/// The shape of a timestamp: digits as `9`, the UTC offset kept (`Z`, `+05:30`).
pub fn time_shape(text: &str) -> String {
    let offset_at = text.rfind(['+', 'Z']).or_else(|| text.rfind('-').filter(|i| *i > 10));
    let (body, offset) = match offset_at {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let shape: String = body.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
    clean(&format!("{shape}{offset}"))
}

fn strings<'v>(v: &'v Value, path: &[&str]) -> Vec<&'v Value> {
    let mut current = vec![v];
    for part in path {
        let mut next = Vec::new();
        for value in current {
            if let Some(key) = part.strip_suffix("[]") {
                if let Some(items) = value.get(key).and_then(Value::as_array) {
                    next.extend(items.iter());
                }
            } else if let Some(inner) = value.get(*part) {
                next.push(inner);
            }
        }
        current = next;
    }
    current
}

impl Observations {
    /// Record one value under `key`.
    pub fn note(&self, key: &str, value: &str) {
        self.seen.lock().entry(key.to_owned()).or_default().insert(clean(value));
    }

    fn enum_at(&self, op: Op, v: &Value, path: &[&str]) {
        for value in strings(v, path) {
            if let Some(text) = value.as_str() {
                self.note(&format!("{} {}", op.name(), path.join(".")), text);
            }
        }
    }

    fn time_at(&self, op: Op, v: &Value, path: &[&str]) {
        for value in strings(v, path) {
            if let Some(text) = value.as_str() {
                self.note(&format!("{} {} (shape)", op.name(), path.join(".")), &time_shape(text));
            }
        }
    }

    fn presence(&self, op: Op, v: &Value, parent: &[&str], field: &str) {
        for value in strings(v, parent) {
            let state = if value.get(field).is_some_and(|f| !f.is_null()) { "present" } else { "absent" };
            self.note(&format!("{} {}.{field}", op.name(), parent.join(".")), state);
        }
    }

    /// Record what a successful JSON answer of `op` shows.
    pub fn answer(&self, op: Op, body: &[u8]) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else { return };
        match op {
            Op::SearchOrders | Op::GetOrder => {
                let root: &[&str] = if op == Op::SearchOrders { &["orders[]"] } else { &["order"] };
                fn at<'a>(root: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
                    root.iter().chain(rest.iter()).copied().collect()
                }
                self.enum_at(op, &v, &at(root, &["fulfillment", "fulfillmentStatus"]));
                self.enum_at(op, &v, &at(root, &["programs[]"]));
                self.enum_at(op, &v, &at(root, &["packages[]", "packageStatus", "status"]));
                self.enum_at(op, &v, &at(root, &["packages[]", "packageStatus", "detailedStatus"]));
                self.time_at(op, &v, &at(root, &["lastUpdatedTime"]));
                self.presence(op, &v, &at(root, &["fulfillment"]), "shipByWindow");
                self.presence(op, &v, root, "recipient");
                self.presence(op, &v, &at(root, &["recipient", "deliveryAddress"]), "addressLine1");
                for item in strings(&v, &at(root, &["orderItems[]", "cancellation"])) {
                    let state = if item.get("cancellationRequest").is_some() { "request" } else { "other" };
                    self.note(&format!("{} orderItems[].cancellation", op.name()), state);
                }
            }
            Op::ListHandoverSlots => {
                self.enum_at(op, &v, &["timeSlots[]", "handoverMethod"]);
                self.time_at(op, &v, &["timeSlots[]", "startTime"]);
            }
            Op::CreateScheduledPackage | Op::GetScheduledPackage => self.package(op, &v),
            Op::UpdateScheduledPackages => {
                for p in strings(&v, &["packages[]"]) {
                    self.package(op, p);
                }
            }
            Op::GetFeed | Op::GetReport => self.enum_at(op, &v, &["processingStatus"]),
            Op::GetFeedDocument | Op::GetReportDocument => self.enum_at(op, &v, &["compressionAlgorithm"]),
            _ => {}
        }
    }

    fn package(&self, op: Op, v: &Value) {
        self.enum_at(op, v, &["packageDimensions", "unit"]);
        self.enum_at(op, v, &["packageWeight", "unit"]);
        self.enum_at(op, v, &["packageStatus"]);
        self.enum_at(op, v, &["packageTimeSlot", "handoverMethod"]);
        self.time_at(op, v, &["packageTimeSlot", "startTime"]);
        self.time_at(op, v, &["invoice", "invoiceDate"]);
        for field in ["packageItems", "invoice", "packageStatus", "trackingDetails"] {
            self.presence(op, v, &[], field);
        }
    }

    /// Record an error answer's codes and whether its messages were `null`.
    pub fn errors(&self, op: Op, status: u16, body: &[u8]) {
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            self.note(&format!("{} HTTP {status} body", op.name()), "not JSON");
            return;
        };
        for e in strings(&v, &["errors[]"]) {
            if let Some(code) = e.get("code").and_then(Value::as_str) {
                self.note(&format!("{} HTTP {status} errors[].code", op.name()), code);
            }
            let message = match e.get("message") {
                None => "absent",
                Some(Value::Null) => "null",
                Some(_) => "text",
            };
            self.note(&format!("{} errors[].message", op.name()), message);
        }
    }

    /// Everything seen so far.
    pub fn snapshot(&self) -> BTreeMap<String, BTreeSet<String>> {
        self.seen.lock().clone()
    }

    /// Merge everything seen into `<home>/amazon-observations.json` (written atomically).
    pub fn save(&self, home: &Path) -> anyhow::Result<()> {
        let seen = self.snapshot();
        if seen.is_empty() {
            return Ok(());
        }
        let path = home.join(OBSERVATIONS_FILE);
        let mut all: BTreeMap<String, BTreeSet<String>> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) => BTreeMap::new(),
        };
        for (key, values) in seen {
            all.entry(key).or_default().extend(values);
        }
        crate::home::write_durably(&path, &serde_json::to_vec_pretty(&all)?, None)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_times_are_reduced_to_harmless_shapes() {
        assert_eq!(clean("PICKUP"), "PICKUP");
        assert_eq!(clean("Flat 12, MG Road"), "(other)");
        assert_eq!(time_shape("2026-12-02T10:00:00+05:30"), "9999-99-99T99:99:99+05:30");
        assert_eq!(time_shape("2026-12-02T04:30:00.000Z"), "9999-99-99T99:99:99.999Z");
        let o = Observations::default();
        o.answer(
            Op::ListHandoverSlots,
            br#"{"amazonOrderId":"402-1","timeSlots":[{"slotId":"s1","startTime":"2026-12-02T10:00:00+05:30","handoverMethod":"Pickup"}]}"#,
        );
        let seen = o.snapshot();
        assert_eq!(seen["listHandoverSlots timeSlots[].handoverMethod"], BTreeSet::from(["Pickup".to_owned()]));
        assert!(!format!("{seen:?}").contains("402-1"), "ids are never observed");
    }
}
