#!/usr/bin/env bash
# Build everything, start a secure world on a temporary default
# configuration (TA directory dist/ta, the devkit's development signing
# key, a fresh storage directory and socket), and run the example client
# applications, in C and in Rust, against the example TAs, in C and in Rust.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
dist=$PWD/dist
tmp=$(mktemp -d)
sock=$tmp/oxtee.sock
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== starting the secure world (socket $sock)"
OXTEE_LOG=${OXTEE_LOG:-info} "$dist/bin/oxtee" up --socket "$sock" --ta-dir "$dist/ta" \
  --storage-dir "$tmp/storage" --key "$dist/devkit/keys/default_ta.pub.pem" 2>"$tmp/oxtee.log" &
pid=$!
for _ in $(seq 1 200); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { cat "$tmp/oxtee.log"; echo "secure world did not start" >&2; exit 1; }
export OXTEE_SOCKET=$sock

run() { echo; echo "== $*"; "$@"; }
hello_c=8aaaf200-2450-11e4-abe2-0002a5d5c51b
hello_rust=8aaaf200-2450-11e4-abe2-0002a5d5c51c
seed_c=12345678-1234-1234-1234-567890abcdef
seed_rust=12345678-1234-1234-1234-567890abcdf0
run "$dist/ca/hello-ca" $hello_c          # C CA -> C TA
run "$dist/ca/hello-ca" $hello_rust       # C CA -> Rust TA
run "$dist/ca/hello-ca-rust" $hello_c     # Rust CA -> C TA
run "$dist/ca/hello-ca-rust" $hello_rust  # Rust CA -> Rust TA
# The seed sample, traced: every crossing (CA -> TEE Client API -> core ->
# TA entry points -> supplicant, and back) as JSON lines and a sequence
# diagram (Mermaid and SVG) in dist/trace/.
mkdir -p "$dist/trace"
run "$dist/bin/oxtee" trace --out "$dist/trace/seed.jsonl" --mermaid "$dist/trace/seed.mmd" \
  --svg "$dist/trace/seed.svg" -- "$dist/ca/seed-ca" $seed_c
echo "sequence diagram of the seed sample: $dist/trace/seed.svg (Mermaid: $dist/trace/seed.mmd)"
run "$dist/ca/seed-ca" $seed_rust
run "$dist/ca/seed-ca-rust" $seed_c
run "$dist/ca/seed-ca-rust" $seed_rust
run "$dist/bin/oxtee" invoke $hello_rust 0 --value-inout 41,0
run "$dist/bin/oxtee" ta inspect "$dist/ta/$seed_c.ta" --key "$dist/devkit/keys/default_ta.pub.pem"
echo; echo "== secure world log"; cat "$tmp/oxtee.log"
