#!/usr/bin/env bash
# The test suite: formatting, clippy and rustdoc without warnings, then
# build the dist/ tree (TAs, devkit, libteec), then run every test of the
# workspace (unit, integration against the real daemon and TA processes,
# C ABI checks, the sandbox syscall sweep, the fuzz corpus replay).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
scripts/build.sh
cargo nextest run --workspace --no-fail-fast
