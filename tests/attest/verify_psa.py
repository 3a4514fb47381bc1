#!/usr/bin/env python3
"""An independent check of an oxtee PSA attestation token (RFC 9783).

Verifies the COSE_Sign1 with pycose and the exported public key, then
every claim against the PSA profile, and that the token answers the
challenge and measures the expected TA. Exit status 0: valid; 1: refused
(the reason on stderr); 2: usage.

    verify_psa.py --token T --key K.pem --challenge HEX \
        --ta UUID --ta-digest HEX --ta-signer HEX
"""
import argparse
import hashlib
import sys

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pycose.keys import EC2Key
from pycose.keys.curves import P256
from pycose.messages import CoseMessage, Sign1Message

PROFILE = "tag:psacertified.org,2023:psa#tfm"
NONCE, UEID, PROFILE_KEY = 10, 256, 265
CLIENT_ID, LIFECYCLE, IMPLEMENTATION_ID = 2394, 2395, 2396
BOOT_SEED, CERTIFICATION, SW_COMPONENTS, VERIFICATION = 2397, 2398, 2399, 2400
KNOWN = {NONCE, UEID, PROFILE_KEY, CLIENT_ID, LIFECYCLE, IMPLEMENTATION_ID,
         BOOT_SEED, CERTIFICATION, SW_COMPONENTS, VERIFICATION}
MANDATORY = {NONCE, UEID, PROFILE_KEY, CLIENT_ID, LIFECYCLE, IMPLEMENTATION_ID,
             SW_COMPONENTS}
# Major lifecycle states (RFC 9783, 4.2.5).
LIFECYCLES = {0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60}


class Refused(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Refused(why)


def check(token, pem, challenge, ta, digest, signer):
    public = serialization.load_pem_public_key(pem)
    need(isinstance(public, ec.EllipticCurvePublicKey)
         and public.curve.name == "secp256r1", "not a P-256 key")
    nums = public.public_numbers()
    x, y = nums.x.to_bytes(32, "big"), nums.y.to_bytes(32, "big")
    try:
        msg = CoseMessage.decode(token)
    except Exception as e:  # pycose raises many kinds
        raise Refused(f"not a COSE message: {e}")
    need(isinstance(msg, Sign1Message), "not a COSE_Sign1")
    msg.key = EC2Key(crv=P256, x=x, y=y)
    try:
        ok = msg.verify_signature()
    except Exception as e:
        raise Refused(f"signature check failed: {e}")
    need(ok, "bad signature")

    claims = cbor2.loads(msg.payload)
    need(isinstance(claims, dict), "claims are not a map")
    need(MANDATORY <= set(claims), f"missing claims {MANDATORY - set(claims)}")
    need(set(claims) <= KNOWN, f"unknown claims {set(claims) - KNOWN}")
    need(claims[PROFILE_KEY] == PROFILE, "another profile")
    need(isinstance(claims[CLIENT_ID], int), "client id")
    life = claims[LIFECYCLE]
    need(isinstance(life, int) and 0 <= life <= 0xFFFF
         and (life >> 8) in LIFECYCLES and (life >> 8 != 0 or life == 0),
         f"lifecycle {life!r}")
    need(isinstance(claims[IMPLEMENTATION_ID], bytes)
         and len(claims[IMPLEMENTATION_ID]) == 32, "implementation id")
    ueid = claims[UEID]
    sec1 = b"\x04" + x + y
    need(isinstance(ueid, bytes) and len(ueid) == 33 and ueid[0] == 1,
         "instance id")
    need(ueid[1:] == hashlib.sha256(sec1).digest(),
         "instance id is not the key's")
    nonce = claims[NONCE]
    need(isinstance(nonce, bytes) and len(nonce) in (32, 48, 64), "nonce size")
    need(nonce == challenge, "another challenge")
    if BOOT_SEED in claims:
        seed = claims[BOOT_SEED]
        need(isinstance(seed, bytes) and 8 <= len(seed) <= 32, "boot seed")
    comps = claims[SW_COMPONENTS]
    need(isinstance(comps, list) and comps, "software components")
    found = False
    for c in comps:
        need(isinstance(c, dict), "a component is not a map")
        need(isinstance(c.get(2), bytes) and len(c[2]) in (32, 48, 64),
             "a component's measurement value")
        for k, t in ((1, str), (4, str), (5, bytes), (6, str)):
            need(k not in c or isinstance(c[k], t), f"component field {k}")
        if c.get(1) == f"TA:{ta}":
            need(c[2] == digest, "the TA's measurement differs")
            need(c.get(5) == signer, "the TA's signer differs")
            found = True
    need(found, f"no component measures TA {ta}")
    return claims


def main():
    a = argparse.ArgumentParser()
    for name in ("token", "key", "challenge", "ta", "ta-digest", "ta-signer"):
        a.add_argument("--" + name, required=True)
    args = a.parse_args()
    with open(args.token, "rb") as f:
        token = f.read()
    with open(args.key, "rb") as f:
        pem = f.read()
    try:
        check(token, pem, bytes.fromhex(args.challenge), args.ta,
              bytes.fromhex(args.ta_digest), bytes.fromhex(args.ta_signer))
    except Refused as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
