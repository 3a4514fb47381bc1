#!/usr/bin/env bash
# The TrustZone tier under QEMU: build oxtee's EL3 monitor and S-EL1
# kernel, prepare a normal world from Debian's arm64 packages (the stock
# kernel with its tee.ko/optee.ko, busybox in an initramfs), boot
# `qemu-system-aarch64 -machine virt,secure=on` (TCG) and run the guest's
# checks, printing their results; the exit status says whether they
# passed. The first run installs what the machine lacks (root).
#
# Usage: scripts/tz.sh [--shell] [--timeout SECONDS]
#   --shell   leave the user at the guest's shell (poweroff to stop)
#
# Memory map (QEMU virt, secure=on):
#   0x00000000  secure flash: the monitor (-bios)
#   0x0e000000  secure RAM, 16 MiB: monitor data (1 MiB), then the kernel
#   0x40000000  normal-world RAM (1 GiB): Linux at 0x40200000, its device
#               tree at 0x48000000, the initramfs at 0x49000000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/tz
shell=0
# The guest runs the whole suite: generous, for a busy shared machine.
timeout=600
while [ $# -gt 0 ]; do
  case "$1" in
    --shell) shell=1 ;;
    --timeout) timeout=$2; shift ;;
    *) echo "usage: scripts/tz.sh [--shell] [--timeout SECONDS]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"

# --- what the machine needs ------------------------------------------
need=()
command -v qemu-system-aarch64 >/dev/null || need+=(qemu-system-arm)
command -v dtc >/dev/null || need+=(device-tree-compiler)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
[ -f /usr/aarch64-linux-gnu/lib/libc.a ] || need+=(libc6-dev-arm64-cross)
command -v cpio >/dev/null || need+=(cpio)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  need_update=1
fi
if [ ${#need[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
  apt-get update -q
  [ ${#need[@]} -gt 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
for t in aarch64-unknown-none-softfloat aarch64-unknown-linux-gnu; do
  rustup target list --installed | grep -qx $t || rustup target add $t
done

# --- firmware ----------------------------------------------------------
fw=$root/tz/target/aarch64-unknown-none-softfloat/release
# The keys the kernel trusts for TA images (built in, as OP-TEE builds in
# its TA key): the signer of the guest's test image (tz/guest/fixtures)
# and this checkout's development key (made once, in $out), which signs
# the user TAs built below.
cargo build -q --release -p oxtee-cli
oxtee_host=$root/target/release/oxtee
[ -f "$out/ta-dev.pem" ] ||
  "$oxtee_host" ta keygen --out "$out/ta-dev.pem" --public "$out/ta-dev.pub.pem" >/dev/null
cat tz/guest/fixtures/signer.pub.pem "$out/ta-dev.pub.pem" > "$out/ta-keys.pem"
export OXTEE_TA_KEY=$out/ta-keys.pem
# The hardware-unique key the trusted storage's keys derive from: QEMU
# has no fused one, so the firmware carries a random key made once per
# checkout (as a development board's; storage made with it opens only
# with it).
[ -f "$out/huk.bin" ] || head -c 32 /dev/urandom > "$out/huk.bin"
export OXTEE_TZ_HUK=$out/huk.bin
(cd tz && cargo build --release -q -p oxtee-kernel)
aarch64-linux-gnu-objcopy -O binary "$fw/oxtee-kernel" "$out/kernel.bin"
(cd tz && OXTEE_TZ_KERNEL="$out/kernel.bin" cargo build --release -q -p oxtee-monitor)
aarch64-linux-gnu-objcopy -O binary "$fw/oxtee-monitor" "$out/monitor.bin"

# --- the normal world --------------------------------------------------
debs=$out/debs
mkdir -p "$debs"
fetch() { # package pattern: download once into $debs
  if ! ls "$debs"/$2 >/dev/null 2>&1; then
    (cd "$debs" && apt-get download -q "$1" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
  fi
  ls "$debs"/$2 >/dev/null
}
if ! ls "$debs"/linux-image-[0-9]*_arm64.deb >/dev/null 2>&1; then
  kernel_pkg() {
    apt-cache depends linux-image-arm64:arm64 2>/dev/null |
      awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
  }
  kpkg=$(kernel_pkg)
  if [ -z "$kpkg" ]; then
    # The arm64 package lists may be missing or stale.
    apt-get update -q >/dev/null
    kpkg=$(kernel_pkg)
  fi
  [ -n "$kpkg" ] || { echo "tz.sh: no arm64 kernel package found in Debian's lists" >&2; exit 1; }
  fetch "$kpkg" "linux-image-[0-9]*_arm64.deb"
fi
fetch busybox-static:arm64 "busybox-static_*_arm64.deb"
nw=$out/nw
if [ ! -f "$nw/Image" ]; then
  rm -rf "$nw.tmp" && mkdir -p "$nw.tmp/k" "$nw.tmp/bb"
  dpkg-deb -x "$debs"/linux-image-[0-9]*_arm64.deb "$nw.tmp/k"
  dpkg-deb -x "$debs"/busybox-static_*_arm64.deb "$nw.tmp/bb"
  cp "$nw.tmp"/k/boot/vmlinuz-* "$nw.tmp/Image"
  mkdir -p "$nw.tmp/modules"
  for m in tee optee; do
    f=$(find "$nw.tmp/k/lib/modules" -name "$m.ko*" | head -1)
    case "$f" in
      *.xz) xz -dc "$f" > "$nw.tmp/modules/$m.ko" ;;
      *.zst) zstd -dc "$f" > "$nw.tmp/modules/$m.ko" ;;
      *) cp "$f" "$nw.tmp/modules/$m.ko" ;;
    esac
  done
  cp "$nw.tmp/bb/bin/busybox" "$nw.tmp/busybox"
  rm -rf "$nw.tmp/k" "$nw.tmp/bb" "$nw"
  mv "$nw.tmp" "$nw"
fi

# The initramfs: busybox, the TEE modules, the init script, the tests.
ird=$out/initramfs
rm -rf "$ird" && mkdir -p "$ird"/{bin,sbin,proc,sys,dev,tmp,lib/modules,tests}
cp "$nw/busybox" "$ird/bin/busybox"
for a in sh mount insmod dmesg grep sed uname cat echo test poweroff setsid cttyhack ls devmem cut mkdir ifconfig; do
  ln -s busybox "$ird/bin/$a"
done
cp "$nw"/modules/*.ko "$ird/lib/modules/"
# Names the sockets suite resolves without a DNS server.
mkdir -p "$ird/etc"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$ird/etc/hosts"
# A stand-in TA image for the supplicant's LOAD_TA (rpctest checks its
# size and first bytes): "OTSH" and 69996 more bytes.
mkdir -p "$ird/lib/optee_armtz"
# A signed image the kernel verifies (VERIFY_TA), and two it must refuse:
# the same image under another UUID's name, and one with a byte changed.
good=05a87e89-29c1-451d-b5a1-cf6e5d72dc70
cp "tz/guest/fixtures/$good.ta" "$ird/lib/optee_armtz/"
cp "tz/guest/fixtures/$good.ta" "$ird/lib/optee_armtz/05a87e89-29c1-451d-b5a1-cf6e5d72dc71.ta"
python3 - "tz/guest/fixtures/$good.ta" "$ird/lib/optee_armtz/05a87e89-29c1-451d-b5a1-cf6e5d72dc72.ta" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[-100] ^= 0x40
open(sys.argv[2], 'wb').write(b)
PY
{ printf OTSH; head -c 69996 /dev/zero | tr '\0' x; } \
  > "$ird/lib/optee_armtz/11111111-2222-3333-4444-555555555555.ta"
# User TAs for S-EL0: the bare-ABI test TA, a static PIE without libc,
# signed with the development key.
aarch64-linux-gnu-gcc -Os -fPIE -static-pie -nostdlib -ffreestanding -fno-stack-protector \
  -Wall -Wextra -Werror -Wl,-z,relro,-z,now,-z,max-page-size=4096 -Wl,-z,separate-code \
  -Wl,--build-id=none -o "$out/rawta.elf" tz/guest/ta/rawta.c
"$oxtee_host" ta sign --key "$out/ta-dev.pem" --elf "$out/rawta.elf" \
  --out "$ird/lib/optee_armtz/" >/dev/null
# The TA dev kit for S-EL0 (OP-TEE's export-ta_arm64): the devkit's
# headers and makefiles with OXTEE_TIER=tz, the TA runtime (tz/utee,
# Rust) as lib/libutee.a, oxtee's small C library as lib/libutils.a, the
# signing tool and this checkout's development key.
kit=$out/export-ta_arm64
rm -rf "$kit"
mkdir -p "$kit"/{lib,bin,keys}
cp -r devkit/include devkit/mk devkit/src "$kit/"
rm -f "$kit/include/tee_client_api.h"
sed -i '1i # This devkit builds TAs for the TrustZone tier (S-EL0).\nOXTEE_TIER ?= tz\n' \
  "$kit/mk/conf.mk"
(cd tz && CARGO_TARGET_DIR=target/utee RUSTFLAGS="-C relocation-model=pie" \
  cargo rustc -q --release -p oxtee-utee --crate-type staticlib)
cp tz/target/utee/aarch64-unknown-none-softfloat/release/libutee.a "$kit/lib/"
for f in oxtee_tz_libc oxtee_tz_mem; do
  aarch64-linux-gnu-gcc -c -O2 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fPIE \
    -mgeneral-regs-only -fno-stack-protector -D__NO_CTYPE -ffunction-sections -fdata-sections \
    -o "$kit/lib/$f.o" "devkit/src/$f.c"
done
aarch64-linux-gnu-ar rcs "$kit/lib/libutils.a" "$kit/lib/oxtee_tz_libc.o" "$kit/lib/oxtee_tz_mem.o"
rm -f "$kit"/lib/*.o
# That C library against glibc (on the host, prefixed), and its object
# for the target: it needs nothing but what libutee.a gives.
devkit/tests/tz_libc/run.sh > "$out/libc-test.log" 2>&1 ||
  { cat "$out/libc-test.log" >&2; echo "tz.sh: the TA C library's tests failed" >&2; exit 1; }
cp "$oxtee_host" "$kit/bin/oxtee"
cp "$out/ta-dev.pem" "$kit/keys/default_ta.pem"
# The examples' C TAs, unchanged, built as for OP-TEE, and their CAs
# (static, against oxtee's libteec).
# The same for the guest's Internal Core API test TA and, unchanged, the
# host tier's test TAs the TrustZone tier can run so far.
for ta in examples/hello/ta-c examples/seed/ta-c tz/guest/ta/api tests/tas/c/props \
  tests/tas/c/digest tests/tas/c/symcrypt tests/tas/c/aead tests/tas/c/asym tests/tas/c/bigint \
  tests/tas/c/storage tests/tas/c/ta2ta tests/tas/c/ta2ta-peer tests/tas/c/params \
  tests/tas/c/compat11 tests/tas/c/internal tests/tas/c/submk tests/tas/c/misbehave \
  tests/tas/c/seal tests/tas/c/seal-peer tests/tas/c/socket; do
  o=$out/ta/$(echo "$ta" | tr / _)
  rm -rf "$o"
  make -s -C "$ta" TA_DEV_KIT_DIR="$kit" CROSS_COMPILE=aarch64-linux-gnu- O="$o" >/dev/null
  cp "$o"/*.ta "$ird/lib/optee_armtz/"
done
# The examples' Rust TAs and the host tier's Rust test TAs, the same
# sources, built for S-EL0 by `oxtee ta build --tier tz` (their SDK over
# the tier's libutee, as C TAs), and the examples' Rust CAs for the guest.
rm -rf "$out/rust-ta"
for ta in examples/hello/ta-rust examples/seed/ta-rust tests/tas/rust/props \
  tests/tas/rust/internal tests/tas/rust/digest tests/tas/rust/symcrypt tests/tas/rust/aead \
  tests/tas/rust/asym tests/tas/rust/storage; do
  CARGO_TERM_QUIET=true "$oxtee_host" ta build --tier tz "$ta" --key "$out/ta-dev.pem" \
    --out-dir "$out/rust-ta" --target-dir target/tz-rust-ta >/dev/null
done
cp "$out"/rust-ta/*.ta "$ird/lib/optee_armtz/"
for t in teeprobe ptatest; do
  aarch64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -o "$ird/bin/$t" "tz/guest/$t.c"
done
# oxtee's libteec for the normal world (its /dev/tee0 backend), linked
# statically into the Client API test (the initramfs has no libc.so).
cargo rustc -q --release -p oxtee-teec --target aarch64-unknown-linux-gnu --crate-type staticlib
# (teec_suite: the host tier's C suite of the Client API, unchanged.)
cp crates/cli/tests/it/c/teec_suite.c "$out/teec_suite.c"
for t in teectest rpctest tatest apitest propstest teec_suite; do
  src=tz/guest/$t.c
  [ "$t" = teec_suite ] && src=$out/teec_suite.c
  if ! aarch64-linux-gnu-gcc -O2 -static -Wall -Wextra -Werror -Idevkit/include \
      -o "$ird/bin/$t" "$src" \
      target/aarch64-unknown-linux-gnu/release/libteec.a -lpthread -ldl -lm 2>"$out/link.log"; then
    cat "$out/link.log" >&2
    exit 1
  fi
  aarch64-linux-gnu-strip "$ird/bin/$t"
done
# The examples' CAs, unchanged, against that libteec (static).
teec=$out/teec
mkdir -p "$teec/include" "$teec/lib"
cp devkit/include/tee_client_api.h "$teec/include/"
cp target/aarch64-unknown-linux-gnu/release/libteec.a "$teec/lib/"
for ca in hello/ca-c:hello_world_ca seed/ca-c:seed_ca; do
  # (Static glibc warns about getaddrinfo and friends: kept in a log.)
  make -s -B -C "examples/${ca%%:*}" CROSS_COMPILE=aarch64-linux-gnu- TEEC_EXPORT="$teec" \
    O="$out/ca" LDFLAGS="-static -L$teec/lib" LDLIBS="-lteec -lpthread -ldl -lm" \
    >"$out/ca.log" 2>&1 || { cat "$out/ca.log" >&2; exit 1; }
  aarch64-linux-gnu-strip -o "$ird/bin/${ca##*:}" "$out/ca/${ca##*:}"
done
# The oxtee command itself (`oxtee invoke`), static, for the guest.
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build -q --release -p oxtee-cli -p hello-ca-rust -p seed-ca-rust \
  --target aarch64-unknown-linux-gnu 2>"$out/build-oxtee.log" ||
  { cat "$out/build-oxtee.log" >&2; exit 1; }
aarch64-linux-gnu-strip -o "$ird/bin/oxtee" target/aarch64-unknown-linux-gnu/release/oxtee
for ca in hello-ca-rust seed-ca-rust; do
  aarch64-linux-gnu-strip -o "$ird/bin/$ca" "target/aarch64-unknown-linux-gnu/release/$ca"
done
# The host tier's cryptography suites, the same sources (crates/cli/tests/tz),
# against the C test TAs above; the guest's init runs what is in /tests.
# (OXTEE_TZ_SUITES=0 leaves them out, for a quicker boot while working.)
if [ "${OXTEE_TZ_SUITES:-1}" != 0 ]; then
  suite=$(CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
    cargo test -q --release -p oxtee-cli --features tz-suite --test tz --no-run \
    --target aarch64-unknown-linux-gnu --message-format json 2>"$out/build-suite.log" |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "tz" and m.get("executable"):
        print(m["executable"])') ||
    { cat "$out/build-suite.log" >&2; exit 1; }
  [ -n "$suite" ] || { cat "$out/build-suite.log" >&2; echo "tz.sh: no suite binary" >&2; exit 1; }
  mkdir -p "$ird/tests"
  aarch64-linux-gnu-strip -o "$ird/bin/oxtee-suite" "$suite"
  # (The BigInt cases whose oracle is Python stay on the host tier.)
  printf '#!/bin/sh\nexec oxtee-suite --test-threads=1 --nocapture %s "$@"\n' \
    "--skip bigint_random_against_python --skip bigint_primality_against_python --skip bigint_rust_sdk_against_python" \
    > "$ird/tests/shared-suites"
  chmod 755 "$ird/tests/shared-suites"
fi
install -m 755 tz/guest/init "$ird/init"
# Not compressed: inflating it took Linux 0.2 s under TCG.
(cd "$ird" && find . | cpio -o -H newc --quiet) > "$out/initramfs.cpio"

# The device tree: QEMU's own for this machine, plus what firmware adds
# (the OP-TEE node Linux's driver probes, PSCI through SMC, the initrd),
# minus the secure world's /secure-chosen. Its seeds are stale (dumped
# once): at each boot the monitor copies the machine's fresh /chosen
# seeds into it, and takes the secure seed from the machine's own tree.
# (Dumped with the same options as the boot: with firmware, QEMU builds
# a different machine, e.g. without the normal-world GPIO.)
qemu_base=(qemu-system-aarch64 -machine virt,secure=on,acpi=off -cpu cortex-a57 -smp 1 -m 1024
  -bios "$out/monitor.bin")
"${qemu_base[@]}" -machine dumpdtb="$out/virt.dtb" -display none >/dev/null 2>&1
initrd_start=0x49000000
# (cryptomgr.notests: Linux's boot-time self-tests of its own crypto
# algorithms took 0.4 s of the guest's boot under TCG.)
cmdline="console=ttyAMA0 rdinit=/init loglevel=6 cryptomgr.notests"
[ $shell = 1 ] && cmdline="$cmdline oxtee.shell"
# The guest's device tree: the machine's, with the OP-TEE and PSCI nodes,
# Linux's command line $1 and the initramfs $2; written to $3.
guest_dtb() {
  local initrd_end
  initrd_end=$(printf '0x%x' $((initrd_start + $(stat -c %s "$2"))))
  {
  dtc -q -I dtb -O dts "$out/virt.dtb"
  cat <<DTS
/ {
	/delete-node/ secure-chosen;
	firmware {
		optee {
			compatible = "linaro,optee-tz";
			method = "smc";
		};
	};
	psci {
		compatible = "arm,psci-1.0", "arm,psci-0.2";
		method = "smc";
	};
	chosen {
		bootargs = "$1";
		linux,initrd-start = <0x0 $initrd_start>;
		linux,initrd-end = <0x0 $initrd_end>;
	};
};
DTS
  } | dtc -q -I dts -O dtb -o "$3" -
}
guest_dtb "$cmdline" "$out/initramfs.cpio" "$out/guest.dtb"

# --- boot --------------------------------------------------------------
qemu=("${qemu_base[@]}" -display none -no-reboot
  -device loader,file="$nw/Image",addr=0x40200000,force-raw=on
  -device loader,file="$out/guest.dtb",addr=0x48000000,force-raw=on
  -device loader,file="$out/initramfs.cpio",addr=$initrd_start,force-raw=on)
if [ $shell = 1 ]; then
  # The terminal is the normal world's console (Ctrl-A X quits QEMU); the
  # secure world's log goes to a file (input must reach Linux's UART).
  echo "tz.sh: the secure world's log is in $out/secure.log"
  exec "${qemu[@]}" -serial mon:stdio -serial file:"$out/secure.log"
fi
# Both UARTs on this terminal: the normal world's console and the secure
# world's log (lines starting "oxtee monitor:"/"oxtee kernel:").
qemu+=(-monitor none -chardev stdio,id=con,mux=on,signal=off
  -serial chardev:con -serial chardev:con)
log=$out/boot.log
start=$(date +%s%N)
set +e
# (A small reader stands in for tee: it also stamps the moment the guest's
# first process runs, boot to the shell measured from QEMU's start.)
timeout "$timeout" "${qemu[@]}" </dev/null | python3 -u -c '
import sys, time
start, log = int(sys.argv[1]), open(sys.argv[2], "wb")
out, seen = sys.stdout.buffer, False
for line in sys.stdin.buffer:
    log.write(line); log.flush(); out.write(line); out.flush()
    if not seen and line.startswith(b"oxtee-guest: normal world up"):
        seen = True
        ms = (time.time_ns() - start) / 1e6
        note = "tz.sh: boot to the guest shell: %.0f ms from QEMU start (OP-TEE 4.10: 1800 ms; goal 900 or less)\n" % ms
        log.write(note.encode()); out.write(note.encode()); out.flush()
' "$start" "$log"
status=${PIPESTATUS[0]}
set -e
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "tz.sh: QEMU ran ${ms} ms, from reset to power-off (status $status)"
# The secure world was seeded by the machine (fresh each boot), not
# from the counter alone.
grep -q "oxtee monitor: secure boot seed taken" "$log" ||
  { echo "tz.sh: the monitor found no secure boot seed" >&2; status=1; }
grep -q "oxtee kernel: S-EL0 self-test passed" "$log" ||
  { echo "tz.sh: the kernel's user-mode self-test did not pass" >&2; status=1; }
# What the suites expected of the secure log (which the guest cannot
# read) is in the secure world's lines of the same log.
grep -ao "oxtee \(kernel:\|TA \).*" "$log" > "$out/secure-lines.log" || true
# The seed sample's sequence diagram as the guest's `oxtee trace` drew it.
grep -a "^oxtee-guest: trace: " "$log" | tr -d '\r' | sed 's/^oxtee-guest: trace: //' \
  > "$out/seed-trace.mmd" || true
{ grep -a "^oxtee-suite: expect in the secure log: " "$log" || true; } | tr -d '\r' |
  sed 's/^[^:]*: [^:]*: //' | sort -u |
  while IFS= read -r want; do
    grep -qF -- "$want" "$out/secure-lines.log" ||
      { echo "tz.sh: not in the secure log, as a suite expected: $want" >&2; exit 1; }
  done || status=1
if [ "$status" != 0 ] || ! grep -q "oxtee-guest: ALL PASSED" "$log"; then
  echo "tz.sh: the TrustZone tier's checks did not pass (log: $log)" >&2
  exit 1
fi

# --- rollback: a second boot ------------------------------------------
# The first boot wrote an object twice and printed the store's files
# after each write and the RPMB image after the second (base64). The
# second boot gets the files of the first write under the RPMB of the
# second, as a normal world that keeps old copies would hand them over:
# the secure kernel's store must refuse to open (SECURITY), then open
# with the true files. (Its /data/tee is that boot's initramfs: the
# guest has no disk that outlives it.)
rb=$out/rollback
rm -rf "$rb"
mkdir -p "$rb/root"
grep -a "^oxtee-rollback: " "$log" | tr -d '\r' |
  grep -v "^oxtee-rollback: \(begin\|end\)$" | sed 's/^oxtee-rollback: //' |
  base64 -d > "$rb/root/rollback.tar" ||
  { echo "tz.sh: the first boot's store files did not come through" >&2; exit 1; }
# (A second cpio archive after the first: Linux unpacks both.)
(cd "$rb/root" && find . | cpio -o -H newc --quiet) > "$rb/extra.cpio"
cat "$out/initramfs.cpio" "$rb/extra.cpio" > "$rb/initramfs.cpio"
guest_dtb "$cmdline oxtee.run=rollback" "$rb/initramfs.cpio" "$rb/guest.dtb"
set +e
timeout "$timeout" "${qemu_base[@]}" -display none -no-reboot \
  -device loader,file="$nw/Image",addr=0x40200000,force-raw=on \
  -device loader,file="$rb/guest.dtb",addr=0x48000000,force-raw=on \
  -device loader,file="$rb/initramfs.cpio",addr=$initrd_start,force-raw=on \
  -monitor none -chardev stdio,id=con,mux=on,signal=off \
  -serial chardev:con -serial chardev:con </dev/null | tee "$rb/boot.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ] || ! grep -q "oxtee-guest: ALL PASSED" "$rb/boot.log"; then
  echo "tz.sh: the rollback boot's checks did not pass (log: $rb/boot.log)" >&2
  exit 1
fi
echo "tz.sh: a rolled-back store was refused and the true one opened (second boot)"
