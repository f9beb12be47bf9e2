//! GST for the Chartered Accountant: state codes, and the export (`export`: orchestration;
//! `period`: the period asked for; `sheets`: the files and their formats; `manifest`: what was
//! written). The export's SQL is in `store::gst` and `gst/sql/*.sql`.

pub mod export;
pub mod manifest;
pub mod period;
pub mod sheets;
pub mod states;
