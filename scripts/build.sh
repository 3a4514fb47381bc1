#!/usr/bin/env bash
# Build everything a user needs into dist/:
#   dist/bin/oxtee                 the oxtee command
#   dist/teec/{include,lib}        tee_client_api.h, libteec.so.2 (+ libteec.so)
#   dist/devkit/                   the C TA dev kit (TA_DEV_KIT_DIR)
#   dist/ta/<uuid>.ta              the example and test TAs, signed with the
#                                  devkit's development key
#   dist/ca/                       the example C client applications
# Usage: scripts/build.sh [--no-tas]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
root=$PWD
dist=$root/dist
profile=release

cargo build --release -p oxtee-cli -p oxtee-ta-capi -p oxtee-teec -p hello-ca-rust -p seed-ca-rust
out=$root/target/$profile

mkdir -p "$dist"/{bin,teec/include,teec/lib,devkit/lib,devkit/bin,devkit/keys,ta,ca}
install -m 755 "$out/oxtee" "$dist/bin/oxtee"
install -m 644 devkit/include/tee_client_api.h "$dist/teec/include/"
install -m 755 "$out/libteec.so" "$dist/teec/lib/libteec.so.2"
ln -sf libteec.so.2 "$dist/teec/lib/libteec.so"

# The devkit: headers, make fragments, sources, runtime archive, signer, key.
rm -rf "$dist/devkit/include" "$dist/devkit/host_include" "$dist/devkit/mk" "$dist/devkit/src"
cp -r devkit/include devkit/host_include devkit/mk devkit/src "$dist/devkit/"
rm -f "$dist/devkit/include/tee_client_api.h"
install -m 644 "$out/liboxtee_ta_capi.a" "$dist/devkit/lib/"
# mbedTLS for TAs (CFG_TA_MBEDTLS=y): Debian's static libraries (built as
# position-independent code, as static-PIE TAs need) and their headers.
mbed=${MBEDTLS_LIB_DIR:-/usr/lib/$(gcc -print-multiarch)}
mbed_inc=${MBEDTLS_INCLUDE_DIR:-/usr/include}
for l in mbedtls mbedx509 mbedcrypto; do
  if [ ! -f "$mbed/lib$l.a" ]; then
    echo "build.sh: $mbed/lib$l.a not found: install libmbedtls-dev (apt-get install libmbedtls-dev)" \
      "or set MBEDTLS_LIB_DIR/MBEDTLS_INCLUDE_DIR" >&2
    exit 1
  fi
  install -m 644 "$mbed/lib$l.a" "$dist/devkit/lib/"
done
cp -r "$mbed_inc/mbedtls" "$dist/devkit/include/"
[ -d "$mbed_inc/psa" ] && cp -r "$mbed_inc/psa" "$dist/devkit/include/"
ln -sf ../../bin/oxtee "$dist/devkit/bin/oxtee"
if [ ! -f "$dist/devkit/keys/default_ta.pem" ]; then
  "$dist/bin/oxtee" ta keygen --out "$dist/devkit/keys/default_ta.pem" \
    --public "$dist/devkit/keys/default_ta.pub.pem" >/dev/null
fi

[ "${1:-}" = "--no-tas" ] && exit 0

key=$dist/devkit/keys/default_ta.pem
# C TAs, built exactly as OP-TEE TAs are.
for ta in examples/hello/ta-c examples/seed/ta-c tests/tas/c/*/; do
  [ -f "$ta/Makefile" ] || continue
  name=$(basename "$ta"); [ "$name" = ta-c ] && name=$(basename "$(dirname "$ta")")-c
  o=$root/target/tas/$name
  mkdir -p "$o"
  make -s -C "$ta" TA_DEV_KIT_DIR="$dist/devkit" CROSS_COMPILE= O="$o"
  cp "$o"/*.ta "$dist/ta/"
done
# Rust TAs.
for ta in examples/hello/ta-rust examples/seed/ta-rust tests/tas/rust/*/; do
  [ -f "$ta/Cargo.toml" ] || continue
  "$dist/bin/oxtee" ta build "$ta" --key "$key" --out-dir "$root/target/tas/rust" \
    --target-dir "$root/target/ta" >/dev/null
done
cp "$root"/target/tas/rust/*.ta "$dist/ta/"
# C client applications, built as OP-TEE CAs are (-lteec).
for ca in examples/hello/ca-c examples/seed/ca-c; do
  [ -d "$ca" ] || continue
  name=$(basename "$(dirname "$ca")")-ca
  gcc -Wall -O2 -o "$dist/ca/$name" "$ca"/*.c -I"$dist/teec/include" \
    -L"$dist/teec/lib" -lteec -Wl,-rpath,"$dist/teec/lib"
done
install -m 755 "$out/hello-ca-rust" "$out/seed-ca-rust" "$dist/ca/"
echo "built into $dist"
