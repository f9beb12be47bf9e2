//! GST: state codes and the export for the Chartered Accountant.

pub mod export;
pub mod states;
