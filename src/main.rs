//! The `dakiya` binary: parse the command line, run, and turn the outcome into an exit code.
//!
//! This is the only place that decides exit codes (spec section 9); everything below returns
//! typed outcomes or errors.

use std::process::ExitCode;

/// Every heap block is wiped when freed: plaintext PII from HTTP buffers or JSON parsing can never
/// be reused by another allocation (DuckDB's C++ buffers included) and written to disk from there.
#[global_allocator]
static ALLOCATOR: zeroizing_alloc::ZeroAlloc<std::alloc::System> = zeroizing_alloc::ZeroAlloc(std::alloc::System);

use dakiya::outcome::{exit_code_for_error, Outcome};

fn main() -> ExitCode {
    let args = match dakiya::cli::parse() {
        Ok(args) => args,
        Err(err) => {
            // clap prints help/version to stdout and usage errors to stderr itself.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match dakiya::cli::run(args) {
        Ok(Outcome::Done) => ExitCode::from(0),
        Ok(Outcome::Partial) => ExitCode::from(1),
        Err(err) => {
            let code = exit_code_for_error(&err);
            #[allow(clippy::print_stderr)]
            {
                eprintln!("dakiya: error: {err:#}");
            }
            ExitCode::from(code)
        }
    }
}
