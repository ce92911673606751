"""The crypto floor on one core: one argon2id hash at the provider's parameters, and one JWT
signature with RS256 and ES256 (joserfc, as the provider signs). Prints JSON."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey


def per_second(action: Callable[[], object], seconds: float = 3.0) -> float:
    action()
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        action()
        count += 1
    return count / (time.perf_counter() - began)


def main() -> dict[str, float]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    hashed = hasher.hash("correct horse battery staple")
    claims = {"iss": "https://idp", "sub": "client", "exp": int(time.time()) + 600, "jti": "x"}
    rsa = RSAKey.generate_key(2048, parameters={"kid": "r"})
    ec = ECKey.generate_key("P-256", parameters={"kid": "e"})
    return {
        "argon2id_verify_per_s": per_second(
            lambda: hasher.verify(hashed, "correct horse battery staple")
        ),
        "rs256_sign_per_s": per_second(
            lambda: jwt.encode({"alg": "RS256", "kid": "r"}, claims, rsa)
        ),
        "es256_sign_per_s": per_second(
            lambda: jwt.encode({"alg": "ES256", "kid": "e"}, claims, ec)
        ),
    }


def argon2_rate(seconds: float) -> float:
    """argon2id checks per second now: the login's reference, measured beside each run."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    hashed = hasher.hash("correct horse battery staple")
    return per_second(lambda: hasher.verify(hashed, "correct horse battery staple"), seconds)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--argon2-only":
        print(json.dumps({"argon2id_verify_per_s": argon2_rate(float(sys.argv[2]))}))
    else:
        print(json.dumps(main()))
