#!/usr/bin/env bash
# The test suite: build the dist/ tree (TAs, devkit, libteec), then run
# every test of the workspace (unit, integration against the real daemon
# and TA processes, C ABI checks), then the fuzz corpus replay.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cargo nextest run --workspace --no-fail-fast
