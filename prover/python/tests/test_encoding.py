"""Keccak, fixed point and field encodings against EZKL's own conversions and known vectors."""

from __future__ import annotations

import random

import ezkl
import pytest

from zkvin_prover.fixed_point import FIELD_MODULUS, field_to_int, field_to_word, int_to_field, le_hex_to_field, quantize
from zkvin_prover.keccak import keccak256


def test_keccak_vectors() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"abc").hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    # Two blocks (rate 136 bytes).
    assert keccak256(b"a" * 200).hex() == "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d"


def test_fixed_point_matches_ezkl() -> None:
    rng = random.Random(3)
    # Halves both ways, the float just below 0.5 (0.49999999999999994: adding 0.5 rounds it up, EZKL does
    # not) and integers past 2^52 (where x + 0.5 is no longer exact).
    edges = [0.49999999999999994, -0.49999999999999994, 2.5, -2.5, 0.5, -0.5, 2.0**53 + 2, -(2.0**52) - 1, 2.0**52 + 1]
    values = [0.0, 0.5 / 8192, -0.5 / 8192, 1.5 / 8192, -2.5 / 8192, 3.25, -3.25, *edges] + [
        rng.uniform(-50, 50) for _ in range(200)
    ]
    for scale in (0, 7, 13, 26):
        for x in values:
            ours = int_to_field(quantize(x, scale))
            theirs = le_hex_to_field(ezkl.float_to_felt(x, scale))
            assert ours == theirs, (x, scale)


def test_field_round_trip_and_words() -> None:
    for v in (0, 1, -1, 2**62, -(2**62), 123456789):
        f = int_to_field(v)
        assert field_to_int(f) == v
        w = field_to_word(f)
        assert len(w) == 66
        assert int(w, 16) == f
    assert int_to_field(-1) == FIELD_MODULUS - 1
    with pytest.raises(ValueError, match="is not a field element"):
        field_to_int(FIELD_MODULUS)
