//! `dakiya status [--json]`: recent runs, held orders, orders not booked, pickups that need the
//! seller, the next pickups, labels waiting and the next purge dates; read only.

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
    let now = session.clock.now();
    let attention = crate::store::orders::needs_attention(store.conn(), now + chrono::Duration::hours(24))?;
    let pickups = crate::store::orders::next_pickups(store.conn(), now, 10)?;
    let waiting = crate::store::labels::waiting(store.conn())?;
    let purges = crate::store::orders::next_purges(store.conn(), 5)?;
    if json {
        let held: Vec<_> =
            held.iter().map(|(id, reason, at)| serde_json::json!({ "order_id": id, "reason": reason, "held_at": at })).collect();
        println!(
            "{}",
            serde_json::json!({
                "home": home, "runs": runs, "held": held, "not_booked": not_booked, "pickups_needing_attention": attention,
                "next_pickups": pickups.iter().map(|(id, at, method, label)| serde_json::json!({ "order_id": id, "slot_start": at, "method": method, "label": label })).collect::<Vec<_>>(),
                "labels_waiting": waiting.iter().map(|(id, _)| id).collect::<Vec<_>>(),
                "next_purges": purges.iter().map(|(day, n)| serde_json::json!({ "day": day, "orders": n })).collect::<Vec<_>>(),
            })
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
    let ist = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(|| "-".to_owned(), |t| t.with_timezone(&crate::clock::ist()).format("%a %d %b %H:%M IST").to_string())
    };
    println!("Next pickups:");
    if pickups.is_empty() {
        println!("  none");
    }
    for (id, at, method, label) in &pickups {
        let label = match label.as_deref() {
            Some("printed") | Some("purged") => "label printed",
            Some("stored") => "label waiting to be printed",
            Some("failed") => "no label (documents failed)",
            _ => "label not here yet",
        };
        println!("  {id}  {}  {}  {label}", ist(*at), method.as_deref().unwrap_or("-"));
    }
    println!("Labels waiting to be printed: {}", waiting.len());
    for (id, _) in &waiting {
        println!("  {id}");
    }
    println!("Next purges of customer data:");
    if purges.is_empty() {
        println!("  none due");
    }
    for (day, n) in &purges {
        println!("  {day}: {n} orders");
    }
    Ok(Outcome::Done)
}
