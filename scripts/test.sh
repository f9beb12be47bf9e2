#!/usr/bin/env bash
# The test command (README "Set up", second command). One profile (release) for everything, so
# DuckDB is compiled once and shared with `cargo run --release -- demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --release --locked "$@"
