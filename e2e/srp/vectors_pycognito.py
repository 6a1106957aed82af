"""Re-checks Tessera's SRP known-answer vectors with pycognito, a second real client.

crates/core/src/srp/vectors.json was produced by amazon-cognito-identity-js
(e2e/srp/vectors.mjs). Here pycognito's AWSSRP plays the client of every vector with the
same fixed `a` and a frozen clock: its SRP_A, x and verifier (computed with its own helpers
from the SALT string as sent), u, HKDF key, TIMESTAMP and PASSWORD_CLAIM_SIGNATURE must
equal the vector's. Exits non-zero on any mismatch.

Usage: python vectors_pycognito.py [path/to/vectors.json]
"""

import base64
import datetime
import json
import sys
from pathlib import Path

from pycognito import aws_srp
from pycognito.aws_srp import (
    AWSSRP,
    G_HEX,
    N_HEX,
    calculate_u,
    hash_sha256,
    hex_hash,
    hex_to_long,
    pad_hex,
)

DEFAULT = Path(__file__).resolve().parents[2] / "crates/core/src/srp/vectors.json"


class _FrozenClock:
    """Stands in for the `datetime` module inside pycognito.aws_srp."""

    now = None

    class datetime:  # noqa: N801 - mirrors `datetime.datetime`
        @staticmethod
        def utcnow():
            return _FrozenClock.now


def _show(value):
    text = f"{value:x}" if isinstance(value, int) else repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def check_vector(v, k_hex):
    failures = []

    def same(what, got, want):
        if got != want:
            failures.append(f"{v['name']}: {what}: pycognito {_show(got)} != vector {_show(want)}")

    srp = AWSSRP(
        username=v["username"],
        password=v["password"],
        pool_id=v["user_pool_id"],
        client_id="1example23456789",
        client=object(),  # never called
    )
    same("k", srp.val_k, hex_to_long(k_hex))
    srp.small_a_value = hex_to_long(v["a"])
    srp.large_a_value = srp.calculate_a()

    params = srp.get_auth_params()
    same("SRP_A", params["SRP_A"], v["srp_a"])
    same("USERNAME", params["USERNAME"], v["username"])

    # x and the verifier, from the SALT string as the server sends it.
    pool_name = v["user_pool_id"].split("_")[1]
    same("pool name", pool_name, v["pool_name"])
    identity = hash_sha256(f"{pool_name}{v['user_id_for_srp']}:{v['password']}".encode("utf-8"))
    x = hex_to_long(hex_hash(pad_hex(v["salt_hex"]) + identity))
    same("x", x, hex_to_long(v["x"]))
    verifier = pow(hex_to_long(G_HEX), x, hex_to_long(N_HEX))
    same("verifier", verifier, hex_to_long(v["verifier"]))

    big_b = hex_to_long(v["srp_b"])
    same("B", big_b, hex_to_long(v["big_b"]))
    same("u", calculate_u(srp.large_a_value, big_b), hex_to_long(v["u"]))
    key = srp.get_password_authentication_key(
        v["user_id_for_srp"], v["password"], big_b, v["salt_hex"]
    )
    same("HKDF key", key.hex(), v["key"])

    _FrozenClock.now = datetime.datetime.fromtimestamp(
        v["timestamp_epoch"], tz=datetime.timezone.utc
    ).replace(tzinfo=None)
    answer = srp.process_challenge(
        {
            "USERNAME": v["user_id_for_srp"],
            "USER_ID_FOR_SRP": v["user_id_for_srp"],
            "SALT": v["salt_hex"],
            "SRP_B": v["srp_b"],
            "SECRET_BLOCK": v["secret_block"],
        },
        params,
    )
    same("TIMESTAMP", answer["TIMESTAMP"], v["timestamp"])
    same("USERNAME (answer)", answer["USERNAME"], v["user_id_for_srp"])
    same("PASSWORD_CLAIM_SECRET_BLOCK", answer["PASSWORD_CLAIM_SECRET_BLOCK"], v["secret_block"])
    same("PASSWORD_CLAIM_SIGNATURE", answer["PASSWORD_CLAIM_SIGNATURE"], v["signature"])
    # The signature must be base64 of 32 bytes.
    same("signature length", len(base64.b64decode(answer["PASSWORD_CLAIM_SIGNATURE"])), 32)
    return failures


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    data = json.loads(path.read_text(encoding="utf-8"))
    aws_srp.datetime = _FrozenClock
    passed = failed = 0
    for v in data["vectors"]:
        failures = check_vector(v, data["k"])
        if failures:
            failed += 1
            for f in failures:
                print(f"MISMATCH {f}", file=sys.stderr)
        else:
            passed += 1
            print(f"ok  {v['name']}")
    print(f"pycognito: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
