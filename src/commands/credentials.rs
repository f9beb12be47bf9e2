//! `dakiya credentials set|check|clear`: the SP-API secrets, stored protected, never in plain
//! text.

#![allow(clippy::print_stdout)]

use std::io::IsTerminal as _;

use anyhow::Context as _;
use secrecy::SecretString;

use crate::lockdown::ensure_not_locked_down;
use crate::outcome::Outcome;
use crate::session::Session;
use crate::spapi::Credentials;
use crate::vault::credentials;

/// `dakiya credentials`.
#[derive(Debug, clap::Args)]
pub struct CredentialsArgs {
    /// What to do with the credentials.
    #[command(subcommand)]
    pub command: CredentialsCommand,
}

/// `dakiya credentials …`
#[derive(Debug, clap::Subcommand)]
pub enum CredentialsCommand {
    /// Ask for client id, client secret and refresh token (no echo) and store them protected.
    Set,
    /// Call Login with Amazon once with the stored credentials.
    Check,
    /// Delete the stored credentials.
    Clear,
}

/// Run a `credentials` command.
pub fn exec(session: &Session, args: CredentialsArgs) -> anyhow::Result<Outcome> {
    match args.command {
        CredentialsCommand::Set => set(session),
        CredentialsCommand::Check => check(session),
        CredentialsCommand::Clear => clear(session),
    }
}

fn read_secret(prompt: &str, lines: &mut Option<std::io::Lines<std::io::StdinLock<'_>>>) -> anyhow::Result<SecretString> {
    let value = match lines {
        Some(lines) => lines.next().context("expected three lines on standard input: client id, client secret, refresh token")??,
        None => rpassword::prompt_password(prompt)?,
    };
    let value = value.trim().to_owned();
    if value.is_empty() {
        anyhow::bail!("{prompt} is empty");
    }
    Ok(SecretString::from(value))
}

/// `dakiya credentials set`: prompts without echo (or reads three lines from a pipe).
fn set(session: &Session) -> anyhow::Result<Outcome> {
    let (home, config) = (session.home(), &session.config);
    ensure_not_locked_down(home)?;
    if config.spapi.sandbox {
        return Err(anyhow::Error::new(crate::outcome::Invalid(
            "credentials are not stored in sandbox mode (spapi.sandbox = true): real secrets never go under the sandbox's settings; the sandbox's test credentials come from the environment".into(),
        )));
    }
    crate::home::ensure(home)?;
    let stdin = std::io::stdin();
    let mut lines = if stdin.is_terminal() { None } else { Some(std::io::BufRead::lines(stdin.lock())) };
    let creds = Credentials {
        client_id: read_secret("LWA client id: ", &mut lines)?,
        client_secret: read_secret("LWA client secret: ", &mut lines)?,
        refresh_token: read_secret("Refresh token: ", &mut lines)?,
    };
    let protector = session.protector()?;
    // A run writing keys at the same moment must not see its temporary files swept.
    let _lock = crate::lock::acquire_waiting(home, super::WAIT_FOR_RUN)?;
    credentials::save(home, protector.as_ref(), &creds, session.clock.now())?;
    println!(
        "Stored the SP-API credentials in {} ({:?} protection).",
        home.join(credentials::CREDENTIALS_FILE).display(),
        protector.kind()
    );
    println!("Amazon requires a new client secret every 180 days; `dakiya audit` shows its age.");
    Ok(Outcome::Done)
}

/// `dakiya credentials check`: one Login with Amazon exchange.
fn check(session: &Session) -> anyhow::Result<Outcome> {
    let api = session.client()?.ok_or_else(|| anyhow::Error::new(crate::spapi::Error::NoCredentials))?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(api.check_login())?;
    println!("Login with Amazon accepted the credentials.");
    Ok(Outcome::Done)
}

/// `dakiya credentials clear`.
fn clear(session: &Session) -> anyhow::Result<Outcome> {
    if credentials::clear(session.home())? {
        println!("Deleted the stored SP-API credentials.");
    } else {
        println!("No stored credentials.");
    }
    Ok(Outcome::Done)
}
