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

/// The most bytes a document bundle may unpack to (a bomb cannot exhaust memory).
pub const MAX_UNPACKED: u64 = 256 * 1024 * 1024;

/// A downloaded document bundle, every file kept.
#[derive(Debug, Default)]
pub struct Bundle {
    /// Files of one order: its folder is named by its order id or by its package id.
    pub per_order: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    /// Files that belong to no single order: a combined PDF (the order of labels inside is not
    /// guaranteed, so it is never split by page), folders that are neither an order nor a
    /// package id (Amazon's sample: `836817679/label.zpl`, `836817679/post-list.pdf`). Kept under
    /// the feed, paths as in the bundle.
    pub shared: Vec<(String, Vec<u8>)>,
}

/// What a file is, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `%PDF`.
    Pdf,
    /// `1f 8b`.
    Gzip,
    /// `PK\x03\x04` (also an empty archive's `PK\x05\x06`).
    Zip,
    /// `ustar` at offset 257.
    Tar,
    /// Anything else (ZPL labels, text).
    Other,
}

/// Tell PDF, gzip, ZIP and tar apart by their magic bytes.
pub fn sniff(bytes: &[u8]) -> Kind {
    if bytes.starts_with(b"%PDF") {
        Kind::Pdf
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Kind::Zip
    } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        Kind::Tar
    } else {
        Kind::Other
    }
}

/// An order's ids: its order id and, once booked, its package id.
#[derive(Debug, Clone)]
pub struct Owner {
    /// Amazon order id.
    pub order_id: String,
    /// Easy Ship package id.
    pub package_id: Option<String>,
}

fn add(bundle: &mut Bundle, owners: &[Owner], path: &str, data: Vec<u8>) {
    let mut parts = path.trim_start_matches("./").splitn(2, '/');
    let top = parts.next().unwrap_or("");
    let rest = parts.next();
    let owner = rest.and_then(|_| owners.iter().find(|o| o.order_id == top || o.package_id.as_deref() == Some(top)));
    match (owner, rest) {
        (Some(owner), Some(name)) => bundle.per_order.entry(owner.order_id.clone()).or_default().push((name.to_owned(), data)),
        _ => bundle.shared.push((path.trim_start_matches("./").to_owned(), data)),
    }
}

fn read_limited(reader: impl std::io::Read) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(MAX_UNPACKED + 1).read_to_end(&mut out)?;
    if out.len() as u64 > MAX_UNPACKED {
        anyhow::bail!("the document bundle unpacks to more than {} MB; refused", MAX_UNPACKED / (1024 * 1024));
    }
    Ok(out)
}

/// Unpack a documents report's file and sort every file in it by order (see [`Bundle`]).
pub fn split(bytes: &[u8], owners: &[Owner]) -> anyhow::Result<Bundle> {
    let mut bundle = Bundle::default();
    match sniff(bytes) {
        Kind::Pdf => bundle.shared.push(("combined.pdf".into(), bytes.to_vec())),
        Kind::Gzip => {
            let inner = read_limited(flate2::read::GzDecoder::new(bytes))?;
            if sniff(&inner) == Kind::Gzip {
                anyhow::bail!("the document bundle is gzip inside gzip; refused");
            }
            return split(&inner, owners);
        }
        Kind::Tar => {
            let mut archive = tar::Archive::new(bytes);
            let mut total = 0u64;
            for entry in archive.entries()? {
                let entry = entry?;
                if !entry.header().entry_type().is_file() {
                    continue;
                }
                let path = entry.path()?.to_string_lossy().into_owned();
                let data = read_limited(entry)?;
                total += data.len() as u64;
                if total > MAX_UNPACKED {
                    anyhow::bail!("the document bundle unpacks to more than {} MB; refused", MAX_UNPACKED / (1024 * 1024));
                }
                add(&mut bundle, owners, &path, data);
            }
        }
        Kind::Zip => {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
            let mut total = 0u64;
            for idx in 0..archive.len() {
                let file = archive.by_index(idx)?;
                if !file.is_file() {
                    continue;
                }
                // `enclosed_name` refuses absolute paths and `..` (nothing is written to disk anyway).
                let Some(path) = file.enclosed_name().map(|p| p.to_string_lossy().replace('\\', "/")) else { continue };
                let data = read_limited(file)?;
                total += data.len() as u64;
                if total > MAX_UNPACKED {
                    anyhow::bail!("the document bundle unpacks to more than {} MB; refused", MAX_UNPACKED / (1024 * 1024));
                }
                add(&mut bundle, owners, &path, data);
            }
        }
        Kind::Other => anyhow::bail!("the document is neither a PDF nor a gzip, ZIP or tar archive"),
    }
    if bundle.per_order.is_empty() && bundle.shared.is_empty() {
        anyhow::bail!("the document bundle holds no file");
    }
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners() -> Vec<Owner> {
        vec![Owner { order_id: "402-1".into(), package_id: Some("PKG-1".into()) }, Owner { order_id: "402-2".into(), package_id: None }]
    }

    #[test]
    fn pdf_gzip_zip_and_tar_are_told_apart_and_every_file_is_kept() {
        let pdf = crate::sandbox::docs::pdf(&["hello".into()]);
        let combined = split(&pdf, &owners()).expect("pdf");
        assert!(combined.per_order.is_empty());
        assert_eq!(combined.shared.len(), 1, "a combined PDF is never split by page");
        let tar = crate::sandbox::docs::tar(&[
            ("402-1/ShippingLabel.pdf".into(), pdf.clone()),
            ("PKG-1/label.zpl".into(), b"^XA^FDlabel^FS^XZ".to_vec()),
            ("402-2/Invoice.pdf".into(), pdf.clone()),
            ("836817679/post-list.pdf".into(), pdf.clone()),
        ])
        .expect("tar");
        let gz = crate::sandbox::docs::gzip(&tar).expect("gzip");
        for bytes in [&tar, &gz] {
            let b = split(bytes, &owners()).expect("tar");
            assert_eq!(b.per_order["402-1"].len(), 2, "a folder named by the package id is the order's");
            assert_eq!(b.per_order["402-2"].len(), 1);
            assert_eq!(b.shared.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["836817679/post-list.pdf"], "no file is dropped");
        }
        let zip = crate::sandbox::docs::zip(&[("402-2/ShippingLabel.pdf".into(), pdf.clone()), ("readme.txt".into(), b"x".to_vec())])
            .expect("zip");
        assert_eq!(sniff(&zip), Kind::Zip);
        let b = split(&zip, &owners()).expect("zip");
        assert_eq!(b.per_order["402-2"].len(), 1);
        assert_eq!(b.shared.len(), 1);
        assert!(split(b"garbage", &owners()).is_err());
    }
}
