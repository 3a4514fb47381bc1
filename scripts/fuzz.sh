#!/usr/bin/env bash
# Run the fuzz targets (default: all) for SECONDS each (default 60).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Seeds are read from fuzz/corpus/<target>/, which stays untouched (the
# test suite replays it); inputs the fuzzer finds go to
# fuzz/target/corpus/<target>/ and crashes to fuzz/artifacts/<target>/.
# Exits non-zero if any target crashes (or fails to build).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

secs=${1:-60}
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
shift $(( $# > 0 ? 1 : 0 ))

cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
(( $# > 0 )) || set -- $(cargo +nightly fuzz list)

failed=()
for t in "$@"; do
    echo "=== $t (${secs}s)"
    mkdir -p "target/corpus/$t"
    seeds=()
    [[ -d corpus/$t ]] && seeds=("corpus/$t")
    cargo +nightly fuzz run "$t" "target/corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$secs" || failed+=("$t")
done

if (( ${#failed[@]} > 0 )); then
    echo "FAILED: ${failed[*]} (see fuzz/artifacts/)" >&2
    exit 1
fi
echo "all targets ran ${secs}s without a crash"
