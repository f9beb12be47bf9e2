//! The sandbox's state: seeded Amazon.in orders and how they move as simulated time passes.
//!
//! Every PII value the generator makes holds a unique canary (`CANARY-…`), so tests can search
//! every byte dakiya writes and prove none of it escaped the vault.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone as _, Timelike as _, Utc};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;

/// What the generator makes and how the world behaves.
#[derive(Debug, Clone)]
pub struct WorldOptions {
    /// Seed for everything random.
    pub seed: u64,
    /// Orders generated for the first day.
    pub orders: usize,
    /// Spread the orders over this long after the start.
    pub spread: Duration,
    /// Whether the app has the PII role (recipient data is returned).
    pub pii_role: bool,
}

/// A SKU the generator may sell.
#[derive(Debug, Clone)]
pub struct SkuSpec {
    /// Seller SKU.
    pub sku: &'static str,
    /// ASIN.
    pub asin: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit price incl. GST, paise.
    pub price_paise: i64,
    /// GST rate, percent (since 22 September 2025).
    pub gst_rate: i64,
    /// GST rate before 22 September 2025, percent (the 12 % and 28 % slabs were removed then).
    pub rate_before: i64,
}

/// The day the slabs changed (56th GST Council): rates of orders created before it are the old ones.
pub const RATES_CHANGED: (i32, u32, u32) = (2025, 9, 22);

/// The seller's SKUs (matching `config/catalog.csv`) plus one the catalogue does not know.
pub const SKUS: &[SkuSpec] = &[
    SkuSpec { sku: "HST-MUG-01", asin: "B0DKY1MUG1", title: "Ceramic mug 350 ml", price_paise: 49_900, gst_rate: 5, rate_before: 12 },
    SkuSpec { sku: "HST-TSHIRT-M", asin: "B0DKY2TSM1", title: "Cotton T-shirt M", price_paise: 59_900, gst_rate: 5, rate_before: 5 },
    SkuSpec { sku: "HST-TSHIRT-L", asin: "B0DKY2TSL1", title: "Cotton T-shirt L", price_paise: 64_900, gst_rate: 5, rate_before: 5 },
    SkuSpec { sku: "HST-CANDLE-S", asin: "B0DKY3CND1", title: "Scented candle small", price_paise: 34_900, gst_rate: 5, rate_before: 12 },
    SkuSpec { sku: "HST-DIARY-A5", asin: "B0DKY4DRY1", title: "Leather diary A5", price_paise: 79_900, gst_rate: 18, rate_before: 12 },
    SkuSpec { sku: "HST-BOTTLE-1L", asin: "B0DKY5BTL1", title: "Steel bottle 1 l", price_paise: 89_900, gst_rate: 5, rate_before: 12 },
];

/// A SKU missing from the catalogue (the order must be held).
pub const UNKNOWN_SKU: SkuSpec =
    SkuSpec { sku: "HST-LAMP-XL", asin: "B0DKY9LMP1", title: "Brass lamp XL", price_paise: 2_49_900, gst_rate: 18, rate_before: 18 };

/// Ship-to state spellings as Amazon passes them through (free text), weighted to Gujarat.
pub const STATES: &[&str] = &[
    "Gujarat",
    "GUJARAT",
    "gujarat",
    "Maharashtra",
    "MAHARASHTRA",
    "Karnataka",
    "Delhi",
    "NEW DELHI",
    "Tamil Nadu",
    "Tamilnadu",
    "Uttar Pradesh",
    "West Bengal",
    "Rajasthan",
    "Telangana",
    "Orissa",
    "Pondicherry",
    "Kerala",
    "Madhya Pradesh",
    "Haryana",
    "Punjab",
];

/// A spelling no table knows (the order still ships, flagged for GST).
pub const UNKNOWN_STATE: &str = "Gujrat Pradesh";

/// How an order's story ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Picked up and delivered.
    Deliver,
    /// The carrier misses the first pickup; delivered after a reschedule.
    MissPickup,
    /// Delivered, then returned to the seller.
    Return,
    /// Cancelled by the buyer before it is scheduled.
    Cancel,
}

/// One item of an order.
#[derive(Debug, Clone)]
pub struct SimItem {
    /// Item id.
    pub order_item_id: String,
    /// SKU.
    pub sku: &'static str,
    /// ASIN.
    pub asin: &'static str,
    /// Title.
    pub title: &'static str,
    /// Quantity.
    pub quantity: i64,
    /// Unit price incl. GST, paise.
    pub unit_price_paise: i64,
    /// GST rate, percent.
    pub gst_rate: i64,
}

impl SimItem {
    /// Line total incl. GST.
    pub fn total_paise(&self) -> i64 {
        self.unit_price_paise * self.quantity
    }

    /// GST included in the line total, rounded to the paisa (half up).
    pub fn tax_paise(&self) -> i64 {
        let total = self.total_paise();
        (total * self.gst_rate * 2 + (100 + self.gst_rate)) / ((100 + self.gst_rate) * 2)
    }
}

/// The canary PII of one order.
#[derive(Debug, Clone)]
pub struct SimPii {
    /// Name.
    pub name: String,
    /// Line 1.
    pub line1: String,
    /// Line 2.
    pub line2: String,
    /// City.
    pub city: String,
    /// PIN.
    pub postal_code: String,
    /// Phone.
    pub phone: String,
}

impl SimPii {
    /// Every canary string.
    pub fn all(&self) -> [&str; 6] {
        [&self.name, &self.line1, &self.line2, &self.city, &self.postal_code, &self.phone]
    }
}

/// Easy Ship package states the sandbox tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkgStatus {
    /// Waiting for pickup.
    ReadyForPickup,
    /// Picked up.
    PickedUp,
    /// At origin FC.
    AtOriginFc,
    /// Delivered.
    Delivered,
    /// Returned.
    ReturnedToSeller,
}

impl PkgStatus {
    /// Easy Ship spelling.
    pub fn easy_ship(self) -> &'static str {
        match self {
            PkgStatus::ReadyForPickup => "ReadyForPickup",
            PkgStatus::PickedUp => "PickedUp",
            PkgStatus::AtOriginFc => "AtOriginFC",
            PkgStatus::Delivered => "Delivered",
            PkgStatus::ReturnedToSeller => "ReturnedToSeller",
        }
    }

    /// Orders 2026-01-01 `(status, detailedStatus)`.
    pub fn orders(self) -> (&'static str, &'static str) {
        match self {
            PkgStatus::ReadyForPickup => ("PENDING", "PENDING_PICK_UP"),
            PkgStatus::PickedUp => ("IN_TRANSIT", "PICKED_UP"),
            PkgStatus::AtOriginFc => ("IN_TRANSIT", "AT_ORIGIN_FC"),
            PkgStatus::Delivered => ("DELIVERED", "DELIVERED"),
            PkgStatus::ReturnedToSeller => ("UNDELIVERABLE", "RETURNED_TO_SELLER"),
        }
    }
}

/// A handover slot offered to an order.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSlot {
    /// Opaque id.
    pub slot_id: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// `PICKUP` or `DROPOFF`.
    pub method: &'static str,
}

/// A scheduled package.
#[derive(Debug, Clone)]
pub struct SimPackage {
    /// Package id.
    pub package_id: String,
    /// Slot.
    pub slot: SimSlot,
    /// Dimensions (cm) as sent.
    pub dims: (f64, f64, f64),
    /// Weight (g) as sent.
    pub weight_g: f64,
    /// Status.
    pub status: PkgStatus,
    /// Tracking id (after pickup).
    pub tracking_id: Option<String>,
    /// Invoice number.
    pub invoice_number: String,
    /// Invoice date.
    pub invoice_date: DateTime<Utc>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Handover time.
    pub ship_time: Option<DateTime<Utc>>,
}

/// One simulated order.
#[derive(Debug, Clone)]
pub struct SimOrder {
    /// Order id.
    pub order_id: String,
    /// Purchase time.
    pub created: DateTime<Utc>,
    /// Last change.
    pub last_updated: DateTime<Utc>,
    /// Items.
    pub items: Vec<SimItem>,
    /// Ship-to state as typed.
    pub state_text: &'static str,
    /// Business order.
    pub business: bool,
    /// Cash on delivery.
    pub cod: bool,
    /// Canary PII.
    pub pii: SimPii,
    /// The story.
    pub fate: Fate,
    /// Cancelled at.
    pub cancelled: Option<DateTime<Utc>>,
    /// The buyer asked to cancel (not yet carried out): `includedData=CANCELLATION` shows it.
    pub cancel_requested: bool,
    /// Easy Ship package.
    pub package: Option<SimPackage>,
    /// Slots offered by the last `listHandoverSlots`.
    pub offered: Vec<SimSlot>,
    /// The buyer is refunded part of the first item a day after delivery (a price adjustment,
    /// nothing comes back).
    pub partial_refund: bool,
}

/// A refund Amazon posts for an order (Finances `RefundEventList`).
#[derive(Debug, Clone)]
pub struct SimRefund {
    /// Order id.
    pub order_id: String,
    /// When Amazon posted it.
    pub posted: DateTime<Utc>,
    /// When it shows in `listFinancialEvents` (up to 48 hours later: "orders from the last 48
    /// hours might not be included in financial events", financesV0.json).
    pub visible: DateTime<Utc>,
    /// Refunded items: `(item, units, value refunded incl. GST, GST inside it)`, paise, positive.
    pub items: Vec<(SimItem, i64, i64, i64)>,
}

impl SimOrder {
    /// Orders 2026-01-01 fulfillment status at `now`.
    pub fn fulfillment_status(&self, now: DateTime<Utc>) -> &'static str {
        if self.cancelled.is_some() {
            return "CANCELLED";
        }
        if now < self.created + Duration::minutes(10) {
            return "PENDING";
        }
        match self.package.as_ref().map(|p| p.status) {
            Some(PkgStatus::ReadyForPickup) | None => "UNSHIPPED",
            Some(_) => "SHIPPED",
        }
    }

    /// The promised ship-by time: two days after the order (the model's `shipByWindow`).
    pub fn ship_by(&self) -> DateTime<Utc> {
        self.created + Duration::days(2)
    }

    /// Grand total incl. GST, paise.
    pub fn total_paise(&self) -> i64 {
        self.items.iter().map(SimItem::total_paise).sum()
    }
}

/// The whole world.
#[derive(Debug)]
pub struct World {
    /// Options.
    pub options: WorldOptions,
    /// Orders by id.
    pub orders: BTreeMap<String, SimOrder>,
    rng: ChaCha8Rng,
    next_package: u64,
    next_invoice: u64,
    next_tracking: u64,
}

/// India Standard Time offset.
pub fn ist() -> chrono::FixedOffset {
    crate::clock::ist()
}

impl World {
    /// A world with a seeded day of orders starting at `start`.
    pub fn new(options: WorldOptions, start: DateTime<Utc>) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(options.seed);
        let mut world = World { options, orders: BTreeMap::new(), rng, next_package: 1, next_invoice: 1, next_tracking: 1 };
        let n = world.options.orders;
        world.generate(n, start);
        world
    }

    /// Add `n` orders created over the configured spread after `start`.
    pub fn generate(&mut self, n: usize, start: DateTime<Utc>) {
        let spread = self.options.spread.num_seconds().max(1);
        for idx in 0..n {
            let seq = self.orders.len() + 1;
            let offset = if n <= 1 { 0 } else { spread * idx as i64 / n as i64 };
            let created = start + Duration::seconds(offset);
            let order = self.make_order(seq, idx, created);
            self.orders.insert(order.order_id.clone(), order);
        }
    }

    fn make_order(&mut self, seq: usize, idx: usize, created: DateTime<Utc>) -> SimOrder {
        let rng = &mut self.rng;
        let order_id = format!("40{}-{:07}-{:07}", rng.gen_range(1..10), rng.gen_range(0..10_000_000), seq);
        // Fixed roles for the first few orders so every test sees each case; the rest random.
        let unknown_sku = idx == 3;
        let unknown_state = idx == 5;
        let multi = idx == 1 || rng.gen_bool(0.2);
        let cod = idx == 2 || rng.gen_bool(0.25);
        let business = idx == 4 || rng.gen_bool(0.05);
        let fate = match idx {
            6 => Fate::MissPickup,
            7 => Fate::Return,
            _ if rng.gen_bool(0.03) => Fate::Cancel,
            _ => Fate::Deliver,
        };
        let (y, m, d) = RATES_CHANGED;
        let rates_changed = ist().with_ymd_and_hms(y, m, d, 0, 0, 0).single().map_or(created, |t| t.with_timezone(&Utc));
        let n_items = if multi { rng.gen_range(2..=3) } else { 1 };
        let mut items = Vec::new();
        for item_idx in 0..n_items {
            let spec = if unknown_sku && item_idx == 0 { UNKNOWN_SKU } else { SKUS[rng.gen_range(0..SKUS.len())].clone() };
            items.push(SimItem {
                order_item_id: format!("{:014}", rng.gen_range(10_000_000_000_000u64..99_999_999_999_999)),
                sku: spec.sku,
                asin: spec.asin,
                title: spec.title,
                quantity: if rng.gen_bool(0.15) { 2 } else { 1 },
                unit_price_paise: spec.price_paise,
                gst_rate: if created < rates_changed { spec.rate_before } else { spec.gst_rate },
            });
        }
        let state_text = if unknown_state {
            UNKNOWN_STATE
        } else if rng.gen_bool(0.4) {
            "Gujarat"
        } else {
            STATES[rng.gen_range(0..STATES.len())]
        };
        let tag = |field: &str, rng: &mut ChaCha8Rng| format!("CANARY-{field}-{seq:04}-{:08x}", rng.gen::<u32>());
        let pii = SimPii {
            name: tag("NAME", rng),
            line1: tag("LINE1", rng),
            line2: tag("LINE2", rng),
            city: tag("CITY", rng),
            postal_code: tag("PIN", rng),
            phone: tag("PHONE", rng),
        };
        SimOrder {
            order_id,
            created,
            last_updated: created,
            items,
            state_text,
            business,
            cod,
            pii,
            fate,
            cancelled: None,
            cancel_requested: false,
            package: None,
            offered: Vec::new(),
            partial_refund: idx == 8,
        }
    }

    /// Apply everything that has happened by `now` (pickups, transit, delivery, returns,
    /// cancellations). Each change stamps the order's `last_updated` with when it happened.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        for order in self.orders.values_mut() {
            if order.created > now {
                continue;
            }
            let pending_until = order.created + Duration::minutes(10);
            if now >= pending_until && order.last_updated < pending_until && order.cancelled.is_none() {
                order.last_updated = pending_until;
            }
            if order.fate == Fate::Cancel && order.package.is_none() && order.cancelled.is_none() {
                let at = order.created + Duration::minutes(30);
                if now >= at {
                    order.cancelled = Some(at);
                    order.last_updated = order.last_updated.max(at);
                }
            }
            let fate = order.fate;
            let Some(pkg) = order.package.as_mut() else { continue };
            loop {
                let (next, at) = match pkg.status {
                    PkgStatus::ReadyForPickup => {
                        if fate == Fate::MissPickup {
                            break;
                        }
                        (PkgStatus::PickedUp, pkg.slot.start + Duration::minutes(45))
                    }
                    PkgStatus::PickedUp => (PkgStatus::AtOriginFc, pkg.ship_time.unwrap_or(pkg.slot.start) + Duration::hours(8)),
                    PkgStatus::AtOriginFc => (PkgStatus::Delivered, pkg.ship_time.unwrap_or(pkg.slot.start) + Duration::days(2)),
                    PkgStatus::Delivered if fate == Fate::Return => {
                        (PkgStatus::ReturnedToSeller, pkg.ship_time.unwrap_or(pkg.slot.start) + Duration::days(6))
                    }
                    PkgStatus::Delivered | PkgStatus::ReturnedToSeller => break,
                };
                if now < at {
                    break;
                }
                if next == PkgStatus::PickedUp {
                    pkg.ship_time = Some(at);
                    pkg.tracking_id = Some(format!("IN{:010}", self.next_tracking));
                    self.next_tracking += 1;
                }
                pkg.status = next;
                order.last_updated = order.last_updated.max(at);
            }
        }
    }

    /// Offer slots for an order: the next two working days, morning and afternoon pickup, plus
    /// one drop-off, in India time.
    pub fn offer_slots(&mut self, order_id: &str, now: DateTime<Utc>) -> Vec<SimSlot> {
        let local = now.with_timezone(&ist());
        let mut slots = Vec::new();
        let mut day = local.date_naive();
        if local.hour() >= 9 {
            day = day.succ_opt().unwrap_or(day);
        }
        let mut days = 0;
        while days < 2 {
            for (start_h, end_h, method) in [(10, 13, "PICKUP"), (14, 17, "PICKUP"), (11, 19, "DROPOFF")] {
                let make =
                    |h: u32| day.and_hms_opt(h, 0, 0).and_then(|t| t.and_local_timezone(ist()).single()).map(|t| t.with_timezone(&Utc));
                if let (Some(start), Some(end)) = (make(start_h), make(end_h)) {
                    let raw = format!("{order_id}|{}|{method}", start.timestamp());
                    use base64::Engine as _;
                    let slot_id = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
                    slots.push(SimSlot { slot_id, start, end, method });
                }
            }
            days += 1;
            day = day.succ_opt().unwrap_or(day);
        }
        if let Some(order) = self.orders.get_mut(order_id) {
            order.offered = slots.clone();
        }
        slots
    }

    /// A new package id.
    pub fn new_package_id(&mut self) -> String {
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            self.rng.gen::<u32>(),
            self.rng.gen::<u16>(),
            self.next_package % 4096,
            self.rng.gen::<u16>() % 4096,
            self.next_package
        );
        self.next_package += 1;
        id
    }

    /// A new Amazon-style invoice number for the financial year of `at` (≤ 16 characters).
    pub fn new_invoice_number(&mut self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&ist()).date_naive();
        use chrono::Datelike as _;
        let fy_start = if local.month() >= 4 { local.year() } else { local.year() - 1 };
        let number = format!("IN-GJ{:02}{:02}-{:06}", fy_start % 100, (fy_start + 1) % 100, self.next_invoice);
        self.next_invoice += 1;
        number
    }

    /// The refunds Amazon has posted by `now` (visible or not yet): a full refund of every item
    /// when a return reaches the seller, a fifth of the first item (a price adjustment) a day after
    /// delivery for `partial_refund` orders. Posting delays are 1 to 47 hours, fixed per order.
    pub fn refunds(&self, now: DateTime<Utc>) -> Vec<SimRefund> {
        let mut out = Vec::new();
        for o in self.orders.values() {
            let Some(pkg) = o.package.as_ref() else { continue };
            let Some(shipped) = pkg.ship_time else { continue };
            let delay = Duration::hours(1 + o.order_id.bytes().map(i64::from).sum::<i64>() % 47);
            let event = match pkg.status {
                PkgStatus::ReturnedToSeller => Some((
                    shipped + Duration::days(6) + Duration::hours(1),
                    o.items.iter().map(|i| (i.clone(), i.quantity, i.total_paise(), i.tax_paise())).collect::<Vec<_>>(),
                )),
                PkgStatus::Delivered if o.partial_refund => o.items.first().map(|i| {
                    let value = i.total_paise() / 5;
                    let rate = i.gst_rate;
                    (shipped + Duration::days(3), vec![(i.clone(), 0, value, (value * rate * 2 + (100 + rate)) / ((100 + rate) * 2))])
                }),
                _ => None,
            };
            if let Some((posted, items)) = event.filter(|(posted, _)| *posted <= now) {
                out.push(SimRefund { order_id: o.order_id.clone(), posted, visible: posted + delay, items });
            }
        }
        out.sort_by(|a, b| (a.posted, &a.order_id).cmp(&(b.posted, &b.order_id)));
        out
    }

    /// No random cancellations: tests and benchmarks that count schedulable orders use this.
    pub fn without_cancellations(&mut self) {
        for o in self.orders.values_mut() {
            if o.fate == Fate::Cancel {
                o.fate = Fate::Deliver;
            }
        }
    }

    /// Every canary string in the world (for byte searches).
    pub fn canaries(&self) -> Vec<String> {
        self.orders.values().flat_map(|o| o.pii.all().map(str::to_owned)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 3, 0, 0).single().expect("date")
    }

    #[test]
    fn the_same_seed_makes_the_same_world() {
        let opts = WorldOptions { seed: 7, orders: 40, spread: Duration::hours(8), pii_role: true };
        let a = World::new(opts.clone(), start());
        let b = World::new(opts, start());
        let ids_a: Vec<_> = a.orders.keys().collect();
        let ids_b: Vec<_> = b.orders.keys().collect();
        assert_eq!(ids_a, ids_b);
        assert_eq!(a.orders.len(), 40);
        assert!(a.orders.values().any(|o| o.items.iter().any(|i| i.sku == UNKNOWN_SKU.sku)));
        assert!(a.orders.values().any(|o| o.state_text == UNKNOWN_STATE));
        assert!(a.orders.values().any(|o| o.items.len() > 1));
        assert!(a.orders.values().any(|o| o.cod));
    }

    #[test]
    fn tax_included_in_a_price_rounds_to_the_paisa() {
        let item =
            SimItem { order_item_id: "1".into(), sku: "x", asin: "y", title: "t", quantity: 1, unit_price_paise: 49_900, gst_rate: 12 };
        // 499.00 incl. 12 %: tax = 499 × 12 / 112 = 53.4642… → 53.46
        assert_eq!(item.tax_paise(), 5346);
    }
}
