//! GST facts and logic: state codes now; the CA export lands here next.

pub mod states;
