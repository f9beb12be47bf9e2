#!/usr/bin/env bash
# The performance figures of spec/quality.md, each beside its goal (README "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bins
exec target/release/dakiya-bench target/release/dakiya
