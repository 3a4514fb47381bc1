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
# pycose, the independent verifier of attestation tokens (tests/attest).
scripts/pyenv.sh
cargo nextest run --workspace --no-fail-fast
# Partitioned mode (secure_mode = "spm"): the integration tests of what
# the mode moves into partitions (trusted storage, sealing and
# attestation keys, TA management, plugins, the boundary checks) run
# again partitioned. (The whole suite passes partitioned too:
# OXTEE_TEST_SECURE_MODE=spm cargo nextest run -p oxtee-cli --test it;
# CI runs this part of it to stay within its time. `--workspace` with a
# filter, not `-p`: the same features, so nothing is built again.)
OXTEE_TEST_SECURE_MODE=spm cargo nextest run --workspace --no-fail-fast -E \
  'binary_id(oxtee-cli::it) & test(/^(storage|storage_host|seal|seal_host|attest|ta_mgmt|supp_plugin|utee_sys|boundary)::/) & !test(sigkill_at_random_instants)'
# The TrustZone tier: its firmware workspace checked the same way, then a
# boot under QEMU with the guest's checks (installs QEMU and the arm64
# packages on first use).
rustup target list --installed | grep -qx aarch64-unknown-none-softfloat ||
  rustup target add aarch64-unknown-none-softfloat
# (The kernel's own build, in tz.sh, keeps the pure crates it hosts,
# proto, gp, tz-abi, core, crypto and storage, buildable without an OS.)
# (One package at a time: the monitor links no heap, the kernel does, and
# cargo unifies features over the packages of one build. The kernel's
# HUK for the lint: any 32 bytes.)
huk=$(mktemp)
head -c 32 /dev/zero > "$huk"
(cd tz && cargo fmt --all -- --check &&
  for p in oxtee-kernel oxtee-monitor oxtee-pl011 oxtee-utee; do
    OXTEE_TZ_KERNEL=/dev/null OXTEE_TA_KEY=$PWD/guest/fixtures/signer.pub.pem OXTEE_TZ_HUK="$huk" \
      cargo clippy --release -p $p -- -D warnings || exit 1
  done &&
  cargo clippy --release -p oxtee-utee --features sdk -- -D warnings)
rm -f "$huk"
# The Rust SDK and the Rust TAs as `oxtee ta build --tier tz` builds them
# (no_std, over the tier's libutee).
cargo clippy --release --target aarch64-unknown-none-softfloat -p oxtee-ta-sdk \
  -p hello-ta-rust -p seed-ta-rust -p props-ta-rust -p internal-ta-rust -p digest-ta-rust \
  -p symcrypt-ta-rust -p aead-ta-rust -p asym-ta-rust -p storage-ta-rust -- -D warnings
scripts/tz.sh
