#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Test devkit/src/oxtee_tz_libc.c, the C library of C TAs on the
# TrustZone tier:
#  1. on the host: the file is compiled against the host's glibc headers,
#     every name it defines is then prefixed by oxtee_test_ in the object
#     (objcopy: so that it does not clash with the host's glibc, stdout
#     included) and tz_libc_test.c compares it with glibc; once plainly and,
#     if the compiler has them, once more under ASan and UBSan (which catch
#     any read or write out of bounds);
#  2. for the target (if aarch64-linux-gnu-gcc is there): the file
#     compiles without a warning with the TA's flags, needs nothing but
#     the mem* functions, the allocator, _utee_log and TEE_Panic, and no
#     function calls itself (a loop the compiler turned into a call).
#
# Exits non-zero on any failure. CC (default cc) is the host compiler,
# CROSS (default aarch64-linux-gnu-) the target's prefix.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../src/oxtee_tz_libc.c
test_src=$here/tz_libc_test.c
CC=${CC:-cc}
CROSS=${CROSS:-aarch64-linux-gnu-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

lib_flags="-std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-stack-protector -D__NO_CTYPE"
test_flags="-std=gnu11 -O1 -g -Wall -Wextra -Wno-format -fno-builtin"

# The names the file defines, from a first compilation, become
# oxtee_test_<name>.
$CC $lib_flags -c "$src" -o "$tmp/plain.o"
nm -g --defined-only "$tmp/plain.o" | awk '{ print $3 }' | sort >"$tmp/names"
sed 's/.*/& oxtee_test_&/' "$tmp/names" >"$tmp/redefine"
echo "run.sh: $(wc -l <"$tmp/names") names prefixed"

run_host() {
	name=$1
	shift
	$CC $lib_flags "$@" -c "$src" -o "$tmp/lib-$name.o"
	objcopy --redefine-syms="$tmp/redefine" "$tmp/lib-$name.o"
	left=$(nm -g --defined-only "$tmp/lib-$name.o" | awk '{ print $3 }' |
		grep -Fx -f "$tmp/names" || true)
	if [ -n "$left" ]; then
		echo "run.sh: not prefixed: $left" >&2
		exit 1
	fi
	$CC $test_flags "$@" "$test_src" "$tmp/lib-$name.o" -o "$tmp/test-$name"
	echo "run.sh: host test ($name)"
	"$tmp/test-$name"
}

run_host plain
if echo 'int main(void) { return 0; }' |
	$CC -fsanitize=address,undefined -x c - -o "$tmp/probe" 2>/dev/null; then
	ASAN_OPTIONS=detect_leaks=1:check_printf=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		run_host sanitized -fsanitize=address,undefined \
		-fno-sanitize-recover=all -fno-omit-frame-pointer
else
	echo "run.sh: no ASan/UBSan with $CC: sanitized run skipped"
fi

# The memory functions (oxtee_tz_mem.c), the same way.
mem_src=$here/../../src/oxtee_tz_mem.c
$CC $lib_flags -c "$mem_src" -o "$tmp/mem.o"
nm -g --defined-only "$tmp/mem.o" | awk '{ print $3 " oxtee_test_" $3 }' >"$tmp/mem-redefine"
objcopy --redefine-syms="$tmp/mem-redefine" "$tmp/mem.o"
$CC $test_flags "$here/tz_mem_test.c" "$tmp/mem.o" -o "$tmp/mem-test"
echo "run.sh: host test (memory functions)"
"$tmp/mem-test"

# The target.
if ! command -v "${CROSS}gcc" >/dev/null 2>&1; then
	echo "run.sh: ${CROSS}gcc not found: target checks skipped" >&2
	exit 0
fi
obj=$tmp/target.o
"${CROSS}gcc" -c -O2 -std=gnu11 -Wall -Wextra -Werror -ffreestanding -fPIE \
	-mgeneral-regs-only -fno-stack-protector -D__NO_CTYPE \
	-ffunction-sections -fdata-sections "$src" -o "$obj"
allowed='^(memcpy|memset|memmove|memcmp|bcmp|malloc|free|realloc|calloc|_utee_log|TEE_Panic)$'
undef=$("${CROSS}nm" -u "$obj" | awk '{ print $2 }')
bad=$(echo "$undef" | grep -Ev "$allowed" || true)
if [ -n "$bad" ]; then
	echo "run.sh: target object needs: $bad" >&2
	exit 1
fi
echo "run.sh: target object needs only:" $undef
self=$("${CROSS}objdump" -dr "$obj" | awk '
	/^Disassembly of section \.text\./ {
		fn = $4; sub(/^\.text\./, "", fn); sub(/:$/, "", fn)
	}
	/R_AARCH64_(CALL|JUMP)26/ && $3 == fn { print fn }' | sort -u)
if [ -n "$self" ]; then
	echo "run.sh: functions calling themselves: $self" >&2
	exit 1
fi
echo "run.sh: target object: no function calls itself"
echo "run.sh: all passed"
