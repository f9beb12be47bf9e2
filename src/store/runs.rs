//! Run history: one row per run, one per stage of it. No PII: ids, names, counts, durations.

use chrono::{DateTime, Utc};
use duckdb::params;

use super::{Store, StoreError};

/// How a run or stage ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Still going (or killed: a `running` row older than its process is a crashed run).
    Running,
    /// All done.
    Done,
    /// Done, some orders held or failed.
    Partial,
    /// Stopped by an error.
    Failed,
}

impl RunOutcome {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Running => "running",
            RunOutcome::Done => "done",
            RunOutcome::Partial => "partial",
            RunOutcome::Failed => "failed",
        }
    }
}

/// One stage's record within a run.
#[derive(Debug, Clone)]
pub struct StageRecord<'a> {
    /// Position in the pipeline (0-based).
    pub seq: i32,
    /// Stage name.
    pub stage: &'a str,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: i64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Named counts as a JSON object.
    pub counts_json: &'a str,
    /// Orders held.
    pub held: i32,
}

/// A run as stored, for `dakiya status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunRow {
    /// Run id.
    pub run_id: String,
    /// Pipeline name.
    pub pipeline: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End, if it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Outcome.
    pub outcome: String,
    /// Error class of a failed run.
    pub error_class: Option<String>,
}

impl Store {
    /// Record the start of a run.
    pub fn run_started(&self, run_id: &str, pipeline: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO runs (run_id, pipeline, started_at, outcome) VALUES (?, ?, ?, 'running')",
            params![run_id, pipeline, at],
        )?;
        Ok(())
    }

    /// Record one stage of a run.
    pub fn stage_finished(&self, run_id: &str, rec: &StageRecord<'_>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO run_stages (run_id, seq, stage, started_at, duration_ms, outcome, counts, held) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params![run_id, rec.seq, rec.stage, rec.started_at, rec.duration_ms, rec.outcome.as_str(), rec.counts_json, rec.held],
        )?;
        Ok(())
    }

    /// Record the end of a run.
    pub fn run_finished(&self, run_id: &str, at: DateTime<Utc>, outcome: RunOutcome, error_class: Option<&str>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE runs SET ended_at = ?, outcome = ?, error_class = ? WHERE run_id = ?",
            params![at, outcome.as_str(), error_class, run_id],
        )?;
        Ok(())
    }

    /// Append calls to the API call log (operation, status, request id, duration; no bodies).
    pub fn record_calls(&self, run_id: &str, calls: &[crate::spapi::CallRecord]) -> Result<(), StoreError> {
        if calls.is_empty() {
            return Ok(());
        }
        // DuckDB's appender: one cheap batch instead of a statement per call.
        let tx = self.conn().unchecked_transaction()?;
        {
            let mut app = tx.appender_with_columns(
                "api_calls",
                &["run_id", "called_at", "operation", "http_status", "request_id", "duration_ms", "attempt", "error_class"],
            )?;
            for c in calls {
                app.append_row(params![
                    run_id,
                    c.at,
                    c.op.name(),
                    c.status.map(i32::from),
                    c.request_id,
                    c.duration_ms as i64,
                    c.attempt as i32,
                    c.error_class
                ])?;
            }
            app.flush()?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The most recent runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<RunRow>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT run_id, pipeline, started_at, ended_at, outcome, error_class FROM runs ORDER BY started_at DESC LIMIT ?")?;
        let rows = stmt.query_map([limit as i64], |row| {
            Ok(RunRow {
                run_id: row.get(0)?,
                pipeline: row.get(1)?,
                started_at: row.get(2)?,
                ended_at: row.get(3)?,
                outcome: row.get(4)?,
                error_class: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// SP-API calls made since `since`: `(operation name, when)`, for carrying rate-limit
    /// buckets over from earlier runs.
    pub fn calls_since(&self, since: DateTime<Utc>) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let mut stmt = self.conn().prepare("SELECT operation, called_at FROM api_calls WHERE called_at >= ? ORDER BY called_at")?;
        let rows = stmt.query_map([since], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Stages of one run: `(stage, outcome, duration_ms, counts JSON, held)`.
    pub fn run_stages(&self, run_id: &str) -> Result<Vec<(String, String, i64, String, i32)>, StoreError> {
        let mut stmt =
            self.conn().prepare("SELECT stage, outcome, duration_ms, counts, held FROM run_stages WHERE run_id = ? ORDER BY seq")?;
        let rows = stmt.query_map([run_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Orders currently held, with reasons: `(order_id, reason, held_at)`.
    pub fn held_orders(&self) -> Result<Vec<(String, String, Option<DateTime<Utc>>)>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT order_id, hold_reason, held_at FROM orders WHERE hold_reason IS NOT NULL ORDER BY held_at, order_id")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
