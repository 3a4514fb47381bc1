#!/usr/bin/env bash
# The Python the tests use to check attestation tokens with an
# independent COSE implementation (pycose, from PyPI): target/pyenv.
set -euo pipefail
cd "$(dirname "$0")/.."
env=target/pyenv
# (pycose 1.1 takes a COSE message for a list, which cbor2 6 decodes
# as a tuple: cbor2 stays at 5.)
check='import pycose, cryptography, cbor2, importlib.metadata as m; assert m.version("cbor2").startswith("5.")'
if "$env/bin/python" -c "$check" 2>/dev/null; then
  exit 0
fi
rm -rf "$env"
python3 -m venv "$env"
"$env/bin/pip" install -q --disable-pip-version-check 'pycose==1.1.0' 'cbor2==5.9.0'
"$env/bin/python" -c "$check"
