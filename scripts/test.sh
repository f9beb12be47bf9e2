#!/usr/bin/env bash
# The test command (README "Set up", second command). One profile (release) and one feature set
# for everything, so DuckDB is compiled once and shared with `cargo run --release -- demo` and
# the benchmarks.
#   1. formatting (rustfmt.toml)            cargo fmt --check
#   2. the test suite                       cargo test --release --locked
#   3. lints as errors (clippy check mode   cargo clippy --release --locked --all-targets -D warnings
#      reuses DuckDB's build: no second C++ compile; about a minute cold on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo test --release --locked "$@"
cargo clippy --release --locked --all-targets -- -D warnings
