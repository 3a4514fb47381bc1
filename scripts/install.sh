#!/usr/bin/env bash
# Install what scripts/build.sh put in dist/ where the toolchain and the
# dynamic linker look, as optee_client's `make install` does:
#
#   <prefix>/bin/oxtee
#   <prefix>/lib/libteec.so.2.0.0, libteec.so.2, libteec.so   (-lteec)
#   <prefix>/lib/pkgconfig/teec.pc                             (pkg-config teec)
#   <prefix>/include/tee_client_api.h
#   <prefix>/share/oxtee/devkit                                (TA_DEV_KIT_DIR)
#
# Usage: scripts/install.sh [--prefix DIR] [--destdir DIR] [--dist DIR]
#   --prefix   where it goes (default /usr/local: on Debian both gcc and
#              ld.so search /usr/local/lib and /usr/local/include)
#   --destdir  stage the tree under DIR instead (packaging; paths inside
#              still name the prefix; ldconfig is not run)
#   --dist     the build output to install (default: dist/ of this checkout)
# Without --destdir, as root, ldconfig refreshes the linker cache so that
# client programs find libteec.so.2 without LD_LIBRARY_PATH.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=/usr/local
destdir=
dist=$here/dist
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
    --dist) dist=${2:?--dist needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path, not $prefix" >&2; exit 2 ;;
esac
prefix=${prefix%/}
for f in bin/oxtee teec/lib/libteec.so.2 teec/include/tee_client_api.h \
         devkit/mk/ta_dev_kit.mk devkit/lib/liboxtee_ta_capi.a; do
  if [ ! -e "$dist/$f" ]; then
    echo "install.sh: $dist/$f is missing: run scripts/build.sh first (or give --dist)" >&2
    exit 1
  fi
done

root=$destdir$prefix
install -d "$root/bin" "$root/lib/pkgconfig" "$root/include" "$root/share/oxtee"
install -m 755 "$dist/bin/oxtee" "$root/bin/oxtee"
install -m 755 "$dist/teec/lib/libteec.so.2" "$root/lib/libteec.so.2.0.0"
ln -sfn libteec.so.2.0.0 "$root/lib/libteec.so.2"
ln -sfn libteec.so.2 "$root/lib/libteec.so"
# Their debug info, where gdb finds it (the files' .gnu_debuglink names).
for d in bin/.debug/oxtee.debug:bin teec/lib/.debug/libteec.so.2.debug:lib; do
  if [ -f "$dist/${d%%:*}" ]; then
    install -D -m 644 "$dist/${d%%:*}" "$root/${d##*:}/.debug/$(basename "${d%%:*}")"
  fi
done
install -m 644 "$dist/teec/include/tee_client_api.h" "$root/include/tee_client_api.h"
cat > "$root/lib/pkgconfig/teec.pc" <<EOF
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: teec
Description: GlobalPlatform TEE Client API (oxtee)
Version: 2.0.0
Libs: -L\${libdir} -lteec
Cflags: -I\${includedir}
EOF

# The devkit, with its signer pointing at the installed oxtee (a relative
# link, so that a --destdir tree can be moved into place as it is).
kit=$root/share/oxtee/devkit
rm -rf "$kit.new"
install -d "$kit.new"
cp -r "$dist/devkit/include" "$dist/devkit/host_include" "$dist/devkit/mk" \
      "$dist/devkit/src" "$dist/devkit/lib" "$dist/devkit/scripts" "$kit.new/"
if [ -d "$dist/devkit/keys" ]; then
  cp -r "$dist/devkit/keys" "$kit.new/"
fi
install -d "$kit.new/bin"
ln -sfn ../../../../bin/oxtee "$kit.new/bin/oxtee"
rm -rf "$kit"
mv "$kit.new" "$kit"

if [ -z "$destdir" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then
  ldconfig
fi

cat <<EOF
installed into $root:
  $prefix/bin/oxtee
  $prefix/lib/libteec.so.2 (libteec.so, pkgconfig/teec.pc)
  $prefix/include/tee_client_api.h
  $prefix/share/oxtee/devkit
Client applications:  gcc my_ca.c -lteec
TAs:                  make -C my_ta TA_DEV_KIT_DIR=$prefix/share/oxtee/devkit CROSS_COMPILE=
EOF
if [ -d "$kit/keys" ]; then
  echo "The devkit's keys/default_ta.pem is a development key: 'oxtee up --dev' trusts it; do not sign production TAs with it."
fi
