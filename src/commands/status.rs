//! `dakiya status [--json]`: recent runs and held orders, read only.

#![allow(clippy::print_stdout)]

use crate::outcome::Outcome;
use crate::session::Session;
use crate::store::{Store, DB_FILE};

/// `dakiya status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// Print recent runs and held orders (opens the database read-only).
pub fn exec(session: &Session, args: StatusArgs) -> anyhow::Result<Outcome> {
    let (home, json) = (session.home(), args.json);

    let db = home.join(DB_FILE);
    if !db.is_file() {
        if json {
            println!("{}", serde_json::json!({ "home": home, "runs": [], "held": [] }));
        } else {
            println!("No runs yet (no database in {}).", home.display());
        }
        return Ok(Outcome::Done);
    }
    let store = Store::open_read_only(&db)?;
    let runs = store.recent_runs(5)?;
    let held = store.held_orders()?;
    let not_booked = crate::store::orders::not_booked(store.conn())?;
    let attention = crate::store::orders::needs_attention(store.conn(), session.clock.now() + chrono::Duration::hours(24))?;
    if json {
        let held: Vec<_> =
            held.iter().map(|(id, reason, at)| serde_json::json!({ "order_id": id, "reason": reason, "held_at": at })).collect();
        println!(
            "{}",
            serde_json::json!({ "home": home, "runs": runs, "held": held, "not_booked": not_booked, "pickups_needing_attention": attention })
        );
        return Ok(Outcome::Done);
    }
    println!("Recent runs:");
    if runs.is_empty() {
        println!("  none");
    }
    for run in &runs {
        let ended = run.ended_at.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string());
        println!(
            "  {}  {}  {:<8} {}  ended {}{}",
            run.started_at.format("%Y-%m-%d %H:%M:%S"),
            run.run_id,
            run.outcome,
            run.pipeline,
            ended,
            run.error_class.as_ref().map_or_else(String::new, |c| format!("  ({c})")),
        );
    }
    println!("Held orders:");
    if held.is_empty() {
        println!("  none");
    }
    for (id, reason, _) in &held {
        println!("  {id}: {reason}");
    }
    println!("Orders not booked yet:");
    if not_booked.is_empty() {
        println!("  none");
    }
    for line in &not_booked {
        println!("  {}: {}", line.order_id, line.reason);
    }
    println!("Pickups that need you (within 24 hours, or after the ship-by time):");
    if attention.is_empty() {
        println!("  none");
    }
    for line in &attention {
        let when =
            line.pickup.map_or_else(|| "-".to_owned(), |t| t.with_timezone(&crate::clock::ist()).format("%a %d %b %H:%M IST").to_string());
        println!("  {}  {when}: {}", line.order_id, line.reason);
    }
    Ok(Outcome::Done)
}
