#!/usr/bin/env bash
# Sourced by the build scripts: make sure the pinned Rust toolchain
# (rust-toolchain.toml) is installed, with a clear message if it cannot be.
want=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../rust-toolchain.toml")
if command -v rustup >/dev/null && ! rustup toolchain list | grep -q "^$want"; then
  rustup toolchain install "$want" --profile minimal -c rustfmt -c clippy || {
    echo "the pinned Rust toolchain $want (rust-toolchain.toml) is not installed and cannot be" >&2
    exit 1
  }
fi
