//! Easy Ship documents (labels and invoices): the processing report of the documents feed,
//! splitting the downloaded bundle per order, and printing through a private temporary file that
//! never outlives the print.
//!
//! Labels show the customer's address, so they are PII: stored only encrypted in the vault,
//! decrypted only to print, and the plaintext file is deleted whatever the printer did.

pub mod print;
pub mod report;

use std::collections::BTreeMap;
use std::io::Read as _;

/// What a downloaded document bundle turned out to be.
#[derive(Debug)]
pub enum Bundle {
    /// Per-order files (from a tar): order id → `(file name, bytes)`.
    PerOrder(BTreeMap<String, Vec<(String, Vec<u8>)>>),
    /// One PDF for all orders of the feed.
    Combined(Vec<u8>),
}

/// Detect PDF or tar by magic bytes and split a tar by its top-level folders (order ids).
pub fn split(bytes: &[u8], order_ids: &[String]) -> anyhow::Result<Bundle> {
    if bytes.starts_with(b"%PDF") {
        return Ok(Bundle::Combined(bytes.to_vec()));
    }
    if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        let mut archive = tar::Archive::new(bytes);
        let mut per_order: BTreeMap<String, Vec<(String, Vec<u8>)>> = BTreeMap::new();
        let mut unassigned = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let path = entry.path()?.to_string_lossy().into_owned();
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            let top = path.split('/').next().unwrap_or("").to_owned();
            let name = path.rsplit('/').next().unwrap_or("document").to_owned();
            if order_ids.contains(&top) {
                per_order.entry(top).or_default().push((name, data));
            } else {
                unassigned.push(data);
            }
        }
        if !unassigned.is_empty() && per_order.is_empty() {
            // A bundle not organised by order: keep the first PDF as the combined document.
            if let Some(pdf) = unassigned.into_iter().find(|d| d.starts_with(b"%PDF")) {
                return Ok(Bundle::Combined(pdf));
            }
            anyhow::bail!("the document bundle holds no PDF");
        }
        return Ok(Bundle::PerOrder(per_order));
    }
    anyhow::bail!("the document is neither a PDF nor a tar archive")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_and_tar_are_told_apart_and_tars_split_by_order() {
        let pdf = crate::sandbox::docs::pdf(&["hello".into()]);
        assert!(matches!(split(&pdf, &[]).expect("pdf"), Bundle::Combined(_)));
        let tar = crate::sandbox::docs::tar(&[
            ("402-1/ShippingLabel.pdf".into(), pdf.clone()),
            ("402-2/ShippingLabel.pdf".into(), pdf.clone()),
            ("402-2/Invoice.pdf".into(), pdf),
        ])
        .expect("tar");
        match split(&tar, &["402-1".into(), "402-2".into()]).expect("tar") {
            Bundle::PerOrder(map) => {
                assert_eq!(map.len(), 2);
                assert_eq!(map["402-2"].len(), 2);
            }
            Bundle::Combined(_) => panic!("expected per-order files"),
        }
        assert!(split(b"garbage", &[]).is_err());
    }
}
