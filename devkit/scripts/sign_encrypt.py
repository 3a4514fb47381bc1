#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: the command line of OP-TEE's scripts/sign_encrypt.py, so
# that TA build files written for OP-TEE (Teaclave's Makefiles call
# "$(TA_DEV_KIT_DIR)/scripts/sign_encrypt.py --uuid U --key K --in ELF
# --out U.ta") sign with oxtee unchanged. The work is done by the devkit's
# `oxtee ta sign` and `oxtee ta inspect`; this file only translates the
# arguments. Standard library only.

import argparse
import os
import subprocess
import sys
import uuid as uuidlib

ALGOS = {
    "TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256": [],
    "TEE_ALG_RSASSA_PKCS1_V1_5_SHA256": ["--pkcs1"],
}
COMMANDS = ["sign-enc", "digest", "generate-digest", "stitch", "stitch-ta", "verify"]


def oxtee():
    here = os.path.dirname(os.path.realpath(__file__))
    return os.path.join(here, os.pardir, "bin", "oxtee")


def fail(msg):
    print(f"sign_encrypt.py: {msg}", file=sys.stderr)
    sys.exit(1)


def parse():
    p = argparse.ArgumentParser(
        prog="sign_encrypt.py",
        description="Sign a Trusted Application for oxtee (OP-TEE's "
        "sign_encrypt.py command line; the default command is sign-enc).",
    )
    p.add_argument("command", nargs="?", default="sign-enc", choices=COMMANDS)
    p.add_argument("--uuid", required=True, help="the TA's UUID")
    p.add_argument("--key", required=True, help="signing key (PEM)")
    p.add_argument("--in", dest="inf", required=True, help="the stripped TA ELF (or, for verify, the .ta)")
    p.add_argument("--out", dest="outf", help="output image, default <uuid>.ta")
    p.add_argument("--ta-version", type=lambda s: int(s, 0), default=0)
    p.add_argument("--algo", choices=list(ALGOS), default="TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256")
    p.add_argument("--enc-key")
    p.add_argument("--enc-key-type", choices=["SHDR_ENC_KEY_DEV_SPECIFIC", "SHDR_ENC_KEY_CLASS_WIDE"])
    p.add_argument("--sig", dest="sigf")
    p.add_argument("--dig", dest="digf")
    a = p.parse_args()
    try:
        a.uuid = str(uuidlib.UUID(a.uuid))
    except ValueError:
        fail(f"--uuid {a.uuid!r} is not a UUID")
    if not 0 <= a.ta_version <= 0xFFFFFFFF:
        fail("--ta-version must fit in 32 bits")
    return a


def main():
    a = parse()
    if a.command in ("digest", "generate-digest", "stitch", "stitch-ta"):
        fail(f"'{a.command}' (offline signing) is not supported by oxtee's devkit; "
             "sign with the private key: sign-enc --key <key.pem>")
    if a.enc_key is not None:
        fail("encrypted TAs (--enc-key) are not supported by oxtee; sign without --enc-key")
    if a.command == "verify":
        r = subprocess.run([oxtee(), "ta", "inspect", a.inf, "--key", a.key],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail((r.stderr or r.stdout).strip() or "verification failed")
        uuids = [l.split()[1] for l in r.stdout.splitlines() if l.startswith("uuid:")]
        if uuids != [a.uuid]:
            fail(f"{a.inf} carries UUID {uuids[0] if uuids else '?'}, not {a.uuid}")
        print("Trusted application is correctly verified.")
        return
    out = a.outf if a.outf is not None else f"{a.uuid}.ta"
    cmd = [oxtee(), "ta", "sign", "--key", a.key, "--elf", a.inf, "--out", out,
           "--uuid", a.uuid, "--ta-version", str(a.ta_version)] + ALGOS[a.algo]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(r.returncode)


if __name__ == "__main__":
    main()
