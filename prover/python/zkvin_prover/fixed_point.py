"""Fixed-point encoding of model values as BN254 scalar-field elements, exactly as EZKL does it:
v = round(x * 2^scale) (half away from zero), a negative v stored as p - |v|."""

from __future__ import annotations

import math
from collections.abc import Iterable

# BN254 scalar field modulus (the `R` of EZKL's Solidity verifiers).
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617
HALF_FIELD = FIELD_MODULUS // 2


def quantize(x: float, scale: int) -> int:
    """Float -> signed fixed-point integer at `scale`, round half away from zero, exactly as EZKL (Rust's
    f64::round): x * 2^scale is exact in binary floating point and so is its fractional part, so the
    decision is made on exact values (adding 0.5 first would round 0.49999999999999994 up, and lose
    integers above 2^52). The SDK's `quantize` (oracle-sdk/src/encoding.ts) is the same rule."""
    if not math.isfinite(x):
        raise ValueError(f"{x} is not a finite number")
    scaled = x * (2.0**scale)
    if not math.isfinite(scaled):
        raise ValueError(f"{x} at scale {scale} is not a finite fixed-point value")
    whole = math.trunc(scaled)
    fraction = scaled - whole
    return whole + (int(math.copysign(1, scaled)) if abs(fraction) >= 0.5 else 0)


def dequantize(v: int, scale: int) -> float:
    return v / (2.0**scale)


def int_to_field(v: int) -> int:
    if abs(v) > HALF_FIELD:
        raise ValueError(f"fixed-point value {v} does not fit the field")
    return v % FIELD_MODULUS


def field_to_int(f: int) -> int:
    """Field element -> signed integer (elements above p/2 are negatives)."""
    if not 0 <= f < FIELD_MODULUS:
        raise ValueError(f"{f} is not a field element")
    return f - FIELD_MODULUS if f > HALF_FIELD else f


def le_hex_to_field(h: str) -> int:
    """EZKL's witness/proof JSON writes felts as 64 hex chars, little-endian."""
    return int.from_bytes(bytes.fromhex(h.removeprefix("0x")), "little")


def field_to_le_hex(f: int) -> str:
    return f.to_bytes(32, "little").hex()


def field_to_word(f: int) -> str:
    """Field element -> 0x-prefixed 32-byte big-endian hex, the uint256 the EVM verifier takes."""
    return "0x" + f.to_bytes(32, "big").hex()


def word_to_field(w: str) -> int:
    return int(w, 16)


def flatten(rows: Iterable[Iterable[float]]) -> list[float]:
    return [float(v) for row in rows for v in row]
