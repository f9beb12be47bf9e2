//! The three state machines the store keeps, as enums: a package's booking state, its
//! documents' state and a documents feed's state. Stored as text; migration 003 adds CHECK
//! constraints so the database itself refuses a state these enums do not know.

use duckdb::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in lifecycle order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value with this stored spelling.
            pub fn parse(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = String::column_result(value)?;
                $name::parse(&text).ok_or_else(|| FromSqlError::Other(format!("unknown {} {text:?}", stringify!($name)).into()))
            }
        }
    };
}

stored_enum!(
    /// Where a package is in booking (`packages.state`).
    PackageState {
        /// Box and weight chosen; not booked.
        Sized = "sized",
        /// `createScheduledPackage` is about to be (or was) called; the outcome is not recorded.
        Intent = "intent",
        /// Booked with Amazon.
        Scheduled = "scheduled",
    }
);

stored_enum!(
    /// Where a package's label and invoice are (`packages.docs_state`; NULL: not asked for yet).
    DocsState {
        /// In a documents feed that has not answered yet.
        Requested = "requested",
        /// Stored encrypted, waiting to be printed.
        Stored = "stored",
        /// Printed (and the stored label deleted).
        Printed = "printed",
        /// Amazon's feed reported an error for this order.
        Failed = "failed",
        /// The order's customer data was purged with its documents.
        Purged = "purged",
    }
);

stored_enum!(
    /// A `POST_EASYSHIP_DOCUMENTS` feed (`feeds.state`).
    FeedState {
        /// Recorded before `createFeed`; reconciled with `getFeeds` if the run died.
        Intent = "intent",
        /// Amazon has it.
        Submitted = "submitted",
        /// Its documents were fetched.
        Done = "done",
        /// Cancelled, fatal, or never created: its packages are asked for again.
        Failed = "failed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in PackageState::ALL {
            assert_eq!(PackageState::parse(s.as_str()), Some(*s));
        }
        for s in DocsState::ALL {
            assert_eq!(DocsState::parse(s.as_str()), Some(*s));
        }
        for s in FeedState::ALL {
            assert_eq!(FeedState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(DocsState::parse("lost"), None);
    }
}
