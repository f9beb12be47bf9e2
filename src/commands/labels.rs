//! `dakiya labels list|print|purge`: labels waiting encrypted; printed ones are deleted right
//! after printing.

#![allow(clippy::print_stdout)]

use chrono::{DateTime, Utc};

use crate::lockdown::ensure_not_locked_down;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya labels`.
#[derive(Debug, clap::Args)]
pub struct LabelsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: LabelsCommand,
}

/// `dakiya labels …`
#[derive(Debug, clap::Subcommand)]
pub enum LabelsCommand {
    /// Orders whose labels are stored (encrypted) and whether they were printed.
    List,
    /// Print labels: all unprinted ones, or those of the given orders. A printed label is deleted
    /// right after printing (policy 8.1).
    Print {
        /// Order ids (default: every unprinted label).
        orders: Vec<String>,
        /// Print command with `{file}` (default: the app config's `[labels] print_command`).
        #[arg(long)]
        command: Option<String>,
    },
    /// Ask Amazon for the documents of these orders again (the next run's documents feed), e.g.
    /// after a failed request or to reprint a label already deleted.
    Request {
        /// Order ids.
        #[arg(required = true)]
        orders: Vec<String>,
    },
    /// Delete any encrypted label of a printed order left behind, and combined PDFs whose orders
    /// are all printed.
    Purge,
}

/// Run a `labels` command.
pub fn exec(session: &Session, args: LabelsArgs) -> anyhow::Result<Outcome> {
    let (home, config, command) = (session.home(), &session.config, args.command);
    let (_lock, store, mut vault) = super::open(session)?;
    match command {
        LabelsCommand::List => {
            println!("{:<22} {:<10} {:<20} {:<20} documents", "order", "state", "pickup (UTC)", "printed (UTC)");
            for row in crate::store::labels::list(store.conn())? {
                let fmt = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string());
                println!(
                    "{:<22} {:<10} {:<20} {:<20} {}",
                    row.order_id,
                    row.docs_state,
                    fmt(row.slot_start),
                    fmt(row.printed_at),
                    row.documents
                );
            }
            Ok(Outcome::Done)
        }
        LabelsCommand::Print { orders, command } => {
            // Printing decrypts customer data: never while locked down.
            ensure_not_locked_down(home)?;
            let template = match command {
                Some(c) => c,
                None => config.labels.print_command.clone().ok_or_else(|| {
                    anyhow::Error::new(crate::outcome::Invalid(
                        "no print command: pass --command '… {file}' or set [labels] print_command in the app config".into(),
                    ))
                })?,
            };
            let only = if orders.is_empty() { None } else { Some(orders.as_slice()) };
            let (printed, failed) = crate::stage::confirm::print_stored(&store, &mut vault, home, &template, only, session.clock.now())?;
            println!("Printed the labels of {printed} orders; {failed} failed (kept encrypted for a retry).");
            Ok(if failed > 0 { Outcome::Partial } else { Outcome::Done })
        }
        LabelsCommand::Request { orders } => {
            let mut unknown = Vec::new();
            for order_id in &orders {
                let known = store.tx(|conn| {
                    let known = crate::store::feeds::request_again(conn, order_id)?;
                    if known {
                        crate::store::orders::release(conn, order_id)?;
                    }
                    Ok(known)
                })?;
                if !known {
                    unknown.push(order_id.as_str());
                }
            }
            println!(
                "Asked again for the documents of {} orders; the next run's documents feed requests them.",
                orders.len() - unknown.len()
            );
            if !unknown.is_empty() {
                println!("Not booked with Easy Ship (nothing to ask for): {}", unknown.join(", "));
                return Ok(Outcome::Partial);
            }
            Ok(Outcome::Done)
        }
        LabelsCommand::Purge => {
            let n = store.tx(|conn| Ok(crate::store::labels::purge_printed(conn)?))?;
            store.checkpoint()?;
            println!("Deleted {n} encrypted documents of printed orders.");
            Ok(Outcome::Done)
        }
    }
}
