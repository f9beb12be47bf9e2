//! GST for the Chartered Accountant: state codes, and the export (`export`: orchestration;
//! `period`: the period asked for; `sheets`: the files and their formats; `manifest`: what was
//! written; `mtr`: Amazon's Merchant Tax Report read without its personal columns; `workbook`:
//! the same tables as the GSTR-1 Excel workbook; `amend`: a filed month's amendment rows). The export's
//! SQL is in `store::gst` and `gst/sql/*.sql`.

pub mod amend;
pub mod export;
pub mod manifest;
pub mod mtr;
pub mod period;
pub mod sheets;
pub mod states;
pub mod workbook;
