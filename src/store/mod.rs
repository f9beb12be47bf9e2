//! The DuckDB store: one file in the data directory, versioned migrations, typed queries.
//!
//! Invariants:
//! - Only `store` (and the vault, through it) touches DuckDB.
//! - No plain table holds PII; a test checks every column against an allow-list.
//! - A database that cannot be opened, is not dakiya's, or was written by a newer dakiya is
//!   reported and never modified.
//! - Writes that belong together go through [`Store::tx`], which commits all or nothing.

pub mod feeds;
pub mod gst;
pub mod labels;
pub mod mtr;
pub mod orders;
pub mod refunds;
pub mod report;
pub mod retention;
pub mod runs;
pub mod states;
pub mod synthetic;
pub mod vault;

use std::path::{Path, PathBuf};

use duckdb::Connection;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "dakiya.duckdb";

/// Migrations, in order; index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_init.sql"),
    include_str!("migrations/002_vault.sql"),
    include_str!("migrations/003_states.sql"),
    include_str!("migrations/004_documents_retry.sql"),
    include_str!("migrations/005_ship_by_and_cancellation.sql"),
    include_str!("migrations/006_gst_amounts.sql"),
    include_str!("migrations/007_refunds.sql"),
    include_str!("migrations/008_filed_rows.sql"),
    include_str!("migrations/009_purchase_date_copies.sql"),
];

/// The newest schema this build knows.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Failures opening or migrating the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DuckDB could not open the file (corrupt, truncated, locked, unreadable).
    #[error("cannot open the database {path}: {source}. The file was left untouched; if it is damaged, restore it from a backup (see README, \"Backup and restore\")")]
    Open {
        /// The database file.
        path: PathBuf,
        /// DuckDB's error.
        source: duckdb::Error,
    },
    /// The file is a DuckDB database, but not one of dakiya's.
    #[error("{path} is a DuckDB database but not a dakiya store (no dakiya_schema table); refusing to touch it")]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// Written by a newer dakiya.
    #[error(
        "{path} has schema version {found}, newer than this dakiya understands ({supported}); upgrade dakiya. The file was left untouched"
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A migration failed; it was rolled back.
    #[error("migrating {path} to schema version {version} failed (rolled back): {source}")]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// Version being applied.
        version: i64,
        /// DuckDB's error.
        source: duckdb::Error,
    },
    /// A value the store refuses before any SQL runs.
    #[error("{0}")]
    Invalid(String),
    /// Any other database error.
    #[error(transparent)]
    Db(#[from] duckdb::Error),
}

/// The open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Store {
    /// Open (creating if absent) the store in `home` and bring its schema up to date.
    pub fn open(home: &Path) -> Result<Store, StoreError> {
        Self::open_file(&home.join(DB_FILE))
    }

    /// Open (creating if absent) the database file `path` and migrate it.
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        // The hourly run writes a few rows at a time: one DuckDB thread and a modest memory limit
        // keep it small; DuckDB spills to disk if a large query (the GST export) needs more.
        let config = duckdb::Config::default()
            .threads(1)
            .and_then(|c| c.max_memory("128MB"))
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let conn = Connection::open_with_flags(path, config).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let store = Store { conn, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    /// Open an existing database without changing it (for `status` and audits).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let conn = Connection::open_with_flags(path, config).map_err(|source| StoreError::Open { path: path.to_path_buf(), source })?;
        let store = Store { conn, path: path.to_path_buf() };
        let found = store.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer { path: path.to_path_buf(), found, supported: SCHEMA_VERSION });
        }
        Ok(store)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current schema version (0 for an empty database).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let has_table: i64 =
            self.conn
                .query_row("SELECT count(*) FROM information_schema.tables WHERE table_name = 'dakiya_schema'", [], |row| row.get(0))?;
        if has_table == 0 {
            let tables: i64 =
                self.conn.query_row("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'", [], |row| row.get(0))?;
            if tables > 0 {
                return Err(StoreError::Foreign { path: self.path.clone() });
            }
            return Ok(0);
        }
        let version: Option<i64> = self.conn.query_row("SELECT max(version) FROM dakiya_schema", [], |row| row.get(0))?;
        Ok(version.unwrap_or(0))
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer { path: self.path.clone(), found, supported: SCHEMA_VERSION });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        // Every pending migration in one transaction: the database is either at the old version
        // or at the new one, never in between (and a new database costs one commit, not five).
        let failed = |version: i64| move |source| StoreError::Migrate { path: self.path.clone(), version, source };
        let tx = self.conn.unchecked_transaction().map_err(failed(found + 1))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS dakiya_schema (version BIGINT NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)",
        )
        .map_err(failed(found + 1))?;
        for (idx, sql) in MIGRATIONS.iter().enumerate() {
            let version = idx as i64 + 1;
            if version <= found {
                continue;
            }
            tx.execute_batch(sql).map_err(failed(version))?;
            tx.execute("INSERT INTO dakiya_schema (version) VALUES (?)", [version]).map_err(failed(version))?;
        }
        tx.commit().map_err(failed(SCHEMA_VERSION))?;
        Ok(())
    }

    /// Run `f` in one transaction: committed if it returns `Ok`, rolled back otherwise.
    pub fn tx<T>(&self, f: impl FnOnce(&Connection) -> anyhow::Result<T>) -> anyhow::Result<T> {
        let tx = self.conn.unchecked_transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        crate::testing::checkpoint("after commit");
        Ok(value)
    }

    /// The connection, for reads and single-statement writes.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Flush the WAL into the database file.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn.execute_batch("CHECKPOINT")?;
        Ok(())
    }

    /// Every text or binary column of every table that contains `needle`, with the number of
    /// rows: `(table, column, rows)`. The canary tests search like an attacker through SQL as
    /// well as through the file bytes, because DuckDB compresses columns on disk (a byte search
    /// of the file can miss plaintext).
    pub fn columns_containing(&self, needle: &str) -> Result<Vec<(String, String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT table_name, column_name FROM information_schema.columns
             WHERE table_schema = 'main' AND (data_type LIKE 'VARCHAR%' OR data_type = 'BLOB') ORDER BY table_name, column_name",
        )?;
        let columns = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        let mut hits = Vec::new();
        for (table, column) in columns {
            let sql = format!(
                "SELECT count(*) FROM \"{}\" WHERE contains(CAST(\"{}\" AS VARCHAR), ?)",
                table.replace('"', "\"\""),
                column.replace('"', "\"\"")
            );
            let n: i64 = self.conn.query_row(&sql, [needle], |row| row.get(0))?;
            if n > 0 {
                hits.push((table, column, n));
            }
        }
        Ok(hits)
    }

    /// Rows per table (backup manifests).
    pub fn table_rows(&self) -> Result<std::collections::BTreeMap<String, i64>, StoreError> {
        let tables: Vec<String> = {
            let mut stmt =
                self.conn.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = std::collections::BTreeMap::new();
        for t in tables {
            let n: i64 = self.conn.query_row(&format!("SELECT count(*) FROM \"{}\"", t.replace('"', "\"\"")), [], |r| r.get(0))?;
            out.insert(t, n);
        }
        Ok(out)
    }

    /// Every `(table, column)` of the plain schema, for the PII allow-list test and audit.
    pub fn columns(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' ORDER BY table_name, ordinal_position",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
