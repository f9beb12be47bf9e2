//! The seller's SKU catalogue (`config/catalog.csv`) and box list (`config/boxes.toml`), and the
//! choice of box and weight for an order.
//!
//! Packing rule (documented for the seller): units are laid flat and stacked on their thinnest
//! side; the stack needs the largest length and width among the units plus padding on each side,
//! and the sum of their thicknesses plus padding. The smallest box by volume that holds that
//! (in any orientation) wins; a SKU's `box` column forces a box. Weight is the units' weight plus
//! the box's tare, never below Amazon's 11 g minimum.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context as _;
use serde::Deserialize;

/// Unit quantity codes of the GST returns, `(code, the tool's label)`: Table 12 writes
/// `PCS-PIECES` (docs/gst-rules.md gives the source of the list).
pub const UQC: &[(&str, &str)] = &[
    ("BAG", "BAGS"),
    ("BAL", "BALE"),
    ("BDL", "BUNDLES"),
    ("BKL", "BUCKLES"),
    ("BOU", "BILLION OF UNITS"),
    ("BOX", "BOX"),
    ("BTL", "BOTTLES"),
    ("BUN", "BUNCHES"),
    ("CAN", "CANS"),
    ("CBM", "CUBIC METERS"),
    ("CCM", "CUBIC CENTIMETERS"),
    ("CMS", "CENTIMETERS"),
    ("CTN", "CARTONS"),
    ("DOZ", "DOZENS"),
    ("DRM", "DRUMS"),
    ("GGK", "GREAT GROSS"),
    ("GMS", "GRAMMES"),
    ("GRS", "GROSS"),
    ("GYD", "GROSS YARDS"),
    ("KGS", "KILOGRAMS"),
    ("KLR", "KILOLITRE"),
    ("KME", "KILOMETRE"),
    ("LTR", "LITRES"),
    ("MLT", "MILILITRE"),
    ("MTR", "METERS"),
    ("MTS", "METRIC TON"),
    ("NOS", "NUMBERS"),
    ("OTH", "OTHERS"),
    ("PAC", "PACKS"),
    ("PCS", "PIECES"),
    ("PRS", "PAIRS"),
    ("QTL", "QUINTAL"),
    ("ROL", "ROLLS"),
    ("SET", "SETS"),
    ("SQF", "SQUARE FEET"),
    ("SQM", "SQUARE METERS"),
    ("SQY", "SQUARE YARDS"),
    ("TBS", "TABLETS"),
    ("TGM", "TEN GROSS"),
    ("THD", "THOUSANDS"),
    ("TON", "TONNES"),
    ("TUB", "TUBES"),
    ("UGS", "US GALLONS"),
    ("UNT", "UNITS"),
    ("YDS", "YARDS"),
];

/// One catalogue row.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogItem {
    /// Seller SKU.
    pub sku: String,
    /// Title (for the seller; never sent anywhere).
    pub title: String,
    /// HSN code.
    pub hsn: String,
    /// GST rate in percent on and after `gst_rate_from` (or always, without it): 0, 0.25, 3, 5,
    /// 18, 40, … (the slabs in force since 22 September 2025; docs/gst-rules.md).
    pub gst_rate: f64,
    /// The day `gst_rate` took effect (India date, `2025-09-22`); before it `gst_rate_before`
    /// applies. Empty: `gst_rate` always.
    #[serde(default, deserialize_with = "empty_date")]
    pub gst_rate_from: Option<chrono::NaiveDate>,
    /// The rate before `gst_rate_from` (e.g. 12 for a mug until 21 September 2025).
    #[serde(default, deserialize_with = "empty_f64")]
    pub gst_rate_before: Option<f64>,
    /// Unit quantity code for the HSN summary (`PCS`, `NOS`, `KGS`, …; empty = `PCS`).
    #[serde(default, deserialize_with = "empty_string")]
    pub uqc: Option<String>,
    /// Weight of one unit, grams.
    pub weight_g: f64,
    /// Length of one unit, cm.
    pub length_cm: f64,
    /// Width, cm.
    pub width_cm: f64,
    /// Height, cm.
    pub height_cm: f64,
    /// Force this box for orders of this SKU alone.
    #[serde(default)]
    pub r#box: Option<String>,
}

fn empty_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    Ok(text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()))
}

fn empty_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    match empty_string(d)? {
        None => Ok(None),
        Some(t) => chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("gst_rate_from {t:?} is not a date like 2025-09-22"))),
    }
}

fn empty_f64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match empty_string(d)? {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| serde::de::Error::custom(format!("gst_rate_before {t:?} is not a number"))),
    }
}

impl CatalogItem {
    /// The current rate in basis points (5 % = 500).
    pub fn rate_bp(&self) -> i64 {
        (self.gst_rate * 100.0).round() as i64
    }

    /// The unit quantity code (`PCS` unless the catalogue says otherwise).
    pub fn uqc_code(&self) -> &str {
        self.uqc.as_deref().unwrap_or("PCS")
    }

    /// What is wrong with the row's GST columns, if anything.
    fn gst_problem(&self) -> Option<String> {
        let sku = &self.sku;
        if !(4..=8).contains(&self.hsn.len()) || !self.hsn.bytes().all(|b| b.is_ascii_digit()) || self.hsn.len() % 2 == 1 {
            return Some(format!("SKU {sku}: hsn {:?} must be 4, 6 or 8 digits", self.hsn));
        }
        let bad_rate = |r: f64| !(r.is_finite() && (0.0..=40.0).contains(&r));
        if bad_rate(self.gst_rate) || self.gst_rate_before.is_some_and(bad_rate) {
            return Some(format!("SKU {sku}: gst_rate must be a percentage from 0 to 40"));
        }
        if self.gst_rate_from.is_some() != self.gst_rate_before.is_some() {
            return Some(format!(
                "SKU {sku}: gst_rate_from and gst_rate_before go together (the day the rate changed, and the rate before it)"
            ));
        }
        if !UQC.iter().any(|(code, _)| *code == self.uqc_code()) {
            return Some(format!("SKU {sku}: uqc {:?} is not a GST unit quantity code (PCS, NOS, KGS, …)", self.uqc_code()));
        }
        None
    }
}

/// One box.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxSpec {
    /// Name.
    pub name: String,
    /// Inner length, cm.
    pub length_cm: f64,
    /// Inner width, cm.
    pub width_cm: f64,
    /// Inner height, cm.
    pub height_cm: f64,
    /// Empty weight, grams.
    pub tare_g: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoxFile {
    #[serde(rename = "box")]
    boxes: Vec<BoxSpec>,
}

/// The catalogue by SKU.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    items: HashMap<String, CatalogItem>,
}

impl Catalog {
    /// Load a catalogue CSV. Every bad row is reported with its line.
    pub fn load(path: &Path) -> anyhow::Result<Catalog> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the SKU catalogue {}", path.display()))?;
        Self::parse(&text).map_err(|problems| anyhow::anyhow!("{}: {}", path.display(), problems.join("; ")))
    }

    /// Parse catalogue CSV text; `Err` lists every bad row as `line N: …`.
    pub fn parse(text: &str) -> Result<Catalog, Vec<String>> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|err| vec![format!("line 1: {}", csv_problem(&err))])?.clone();
        let mut items = HashMap::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(record) => record,
                Err(err) => {
                    let line = err.position().map_or(0, |p| p.line());
                    problems.push(format!("line {line}: {}", csv_problem(&err)));
                    continue;
                }
            };
            let line = record.position().map_or(0, |p| p.line());
            match record.deserialize::<CatalogItem>(Some(&headers)) {
                Ok(item) => {
                    if [item.weight_g, item.length_cm, item.width_cm, item.height_cm].iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                        problems.push(format!("line {line}: SKU {} needs positive weight and dimensions", item.sku));
                    } else if let Some(problem) = item.gst_problem() {
                        problems.push(format!("line {line}: {problem}"));
                    } else if items.insert(item.sku.clone(), item.clone()).is_some() {
                        problems.push(format!("line {line}: SKU {} appears twice", item.sku));
                    }
                }
                Err(err) => problems.push(format!("line {line}: {}", csv_problem(&err))),
            }
        }
        if problems.is_empty() {
            Ok(Catalog { items })
        } else {
            Err(problems)
        }
    }

    /// The item for a SKU.
    pub fn get(&self, sku: &str) -> Option<&CatalogItem> {
        self.items.get(sku)
    }

    /// Every item.
    pub fn items(&self) -> impl Iterator<Item = &CatalogItem> {
        self.items.values()
    }

    /// Number of SKUs.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

fn csv_problem(err: &csv::Error) -> String {
    match err.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!("has {len} fields, the header has {expected_len}"),
        _ => "not a valid CSV row".into(),
    }
}

/// Load the box list.
pub fn load_boxes(path: &Path) -> anyhow::Result<Vec<BoxSpec>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the box list {}", path.display()))?;
    parse_boxes(&text).map_err(|msg| anyhow::anyhow!("{}: {msg}", path.display()))
}

/// Parse a box list.
pub fn parse_boxes(text: &str) -> Result<Vec<BoxSpec>, String> {
    let file: BoxFile = toml::from_str(text).map_err(|e| e.message().to_owned())?;
    if file.boxes.is_empty() {
        return Err("no [[box]] entries".into());
    }
    for b in &file.boxes {
        if [b.length_cm, b.width_cm, b.height_cm].iter().any(|v| !v.is_finite() || *v <= 0.0) || !b.tare_g.is_finite() || b.tare_g < 0.0 {
            return Err(format!("box {} needs positive dimensions and a tare of 0 or more", b.name));
        }
    }
    Ok(file.boxes)
}

/// A line of an order to pack.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// SKU.
    pub sku: &'a str,
    /// Units.
    pub quantity: i64,
}

/// The chosen package.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Box name.
    pub box_name: String,
    /// Dimensions sent to Amazon, cm.
    pub dims_cm: (f64, f64, f64),
    /// Weight sent to Amazon, grams.
    pub weight_g: f64,
}

/// Why an order cannot be packed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    /// A SKU is missing from the catalogue.
    #[error("unknown SKU {0}: add it to the catalogue (config/catalog.csv)")]
    UnknownSku(String),
    /// Nothing fits.
    #[error("no box fits the items (needs {0}); add a bigger box to config/boxes.toml")]
    NoBoxFits(String),
    /// A forced box does not exist.
    #[error("SKU {sku} asks for box {name}, which is not in config/boxes.toml")]
    UnknownBox {
        /// SKU.
        sku: String,
        /// Box.
        name: String,
    },
    /// Nothing to pack.
    #[error("the order has no items")]
    Empty,
}

/// Amazon's minimum package weight for Easy Ship.
pub const MIN_WEIGHT_G: f64 = 11.0;

fn sorted(mut d: [f64; 3]) -> [f64; 3] {
    d.sort_by(|a, b| a.total_cmp(b));
    d
}

/// Choose box and weight for an order.
pub fn pack(lines: &[Line<'_>], catalog: &Catalog, boxes: &[BoxSpec], padding_mm: u32) -> Result<Packed, PackError> {
    let mut footprint = (0.0f64, 0.0f64);
    let mut stack = 0.0;
    let mut weight = 0.0;
    let mut forced: Option<(&str, &str)> = None;
    let mut units = 0;
    for line in lines {
        let item = catalog.get(line.sku).ok_or_else(|| PackError::UnknownSku(line.sku.to_owned()))?;
        let [thin, mid, long] = sorted([item.length_cm, item.width_cm, item.height_cm]);
        footprint = (footprint.0.max(long), footprint.1.max(mid));
        stack += thin * line.quantity as f64;
        weight += item.weight_g * line.quantity as f64;
        units += line.quantity;
        if let Some(name) = &item.r#box {
            forced = Some((line.sku, name));
        }
    }
    if units <= 0 {
        return Err(PackError::Empty);
    }
    let pad = 2.0 * f64::from(padding_mm) / 10.0;
    let need = sorted([footprint.0 + pad, footprint.1 + pad, stack + pad]);
    let chosen = match (forced, lines.len()) {
        (Some((sku, name)), 1) => {
            boxes.iter().find(|b| b.name == name).ok_or_else(|| PackError::UnknownBox { sku: sku.to_owned(), name: name.to_owned() })?
        }
        _ => boxes
            .iter()
            .filter(|b| {
                let have = sorted([b.length_cm, b.width_cm, b.height_cm]);
                have.iter().zip(need.iter()).all(|(h, n)| h + 1e-9 >= *n)
            })
            .min_by(|a, b| (a.length_cm * a.width_cm * a.height_cm).total_cmp(&(b.length_cm * b.width_cm * b.height_cm)))
            .ok_or_else(|| PackError::NoBoxFits(format!("{:.1} × {:.1} × {:.1} cm", need[2], need[1], need[0])))?,
    };
    Ok(Packed {
        box_name: chosen.name.clone(),
        dims_cm: (chosen.length_cm, chosen.width_cm, chosen.height_cm),
        weight_g: (weight + chosen.tare_g).max(MIN_WEIGHT_G).round(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::parse(
            "sku,title,hsn,gst_rate,weight_g,length_cm,width_cm,height_cm,box\n\
             MUG,Mug,6912,12,420,12,9,10,\n\
             TEE,T-shirt,6109,5,180,28,22,2,\n\
             PIN,Pin,7117,3,2,2,2,0.5,\n\
             POSTER,Poster,4911,12,300,60,8,8,TUBE\n",
        )
        .expect("catalogue")
    }

    fn boxes() -> Vec<BoxSpec> {
        parse_boxes(
            "[[box]]\nname = \"S\"\nlength_cm = 15\nwidth_cm = 12\nheight_cm = 10\ntare_g = 60\n\
             [[box]]\nname = \"M\"\nlength_cm = 35\nwidth_cm = 30\nheight_cm = 15\ntare_g = 120\n\
             [[box]]\nname = \"TUBE\"\nlength_cm = 65\nwidth_cm = 10\nheight_cm = 10\ntare_g = 90\n",
        )
        .expect("boxes")
    }

    #[test]
    fn smallest_fitting_box_and_tare() {
        let p = pack(&[Line { sku: "MUG", quantity: 1 }], &catalog(), &boxes(), 5).expect("packs");
        assert_eq!(p.box_name, "S");
        assert_eq!(p.weight_g, 480.0);
        let two_tees = pack(&[Line { sku: "TEE", quantity: 2 }, Line { sku: "MUG", quantity: 1 }], &catalog(), &boxes(), 5).expect("packs");
        assert_eq!(two_tees.box_name, "M");
        assert_eq!(two_tees.weight_g, 180.0 * 2.0 + 420.0 + 120.0);
    }

    #[test]
    fn minimum_weight_overrides_and_holds() {
        let light = pack(
            &[Line { sku: "PIN", quantity: 1 }],
            &catalog(),
            &[BoxSpec { name: "E".into(), length_cm: 10.0, width_cm: 5.0, height_cm: 2.0, tare_g: 3.0 }],
            0,
        )
        .expect("packs");
        assert_eq!(light.weight_g, MIN_WEIGHT_G);
        assert_eq!(pack(&[Line { sku: "POSTER", quantity: 1 }], &catalog(), &boxes(), 5).expect("forced").box_name, "TUBE");
        assert_eq!(pack(&[Line { sku: "LAMP", quantity: 1 }], &catalog(), &boxes(), 5), Err(PackError::UnknownSku("LAMP".into())));
        assert!(matches!(pack(&[Line { sku: "TEE", quantity: 40 }], &catalog(), &boxes(), 5), Err(PackError::NoBoxFits(_))));
    }

    #[test]
    fn bad_catalogue_rows_are_all_reported() {
        let err = Catalog::parse(
            "sku,title,hsn,gst_rate,weight_g,length_cm,width_cm,height_cm\nA,a,1,5,-1,1,1,1\nB,b,1,five,1,1,1,1\nA,a,1,5,1,1,1,1\n",
        )
        .expect_err("bad rows");
        assert!(err.len() >= 2, "{err:?}");
    }
}
