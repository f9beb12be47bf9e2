//! `dakiya config show`: the effective config, secrets redacted.

#![allow(clippy::print_stdout)]

use crate::config::Loaded;
use crate::outcome::Outcome;
use crate::session::Session;

/// `dakiya config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// What to do with the config.
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// `dakiya config …`
#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Print the effective config, secrets redacted.
    Show,
}

/// Print the effective config and the data directory.
pub fn exec(session: &Session, loaded: &Loaded, args: ConfigArgs) -> anyhow::Result<Outcome> {
    let ConfigCommand::Show = args.command;
    print!("{}", crate::config::show(loaded)?);
    println!("# data directory: {}", session.home().display());
    Ok(Outcome::Done)
}
