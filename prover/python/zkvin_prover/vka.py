"""EZKL's verifying-key artifact (VKA) for the reusable Halo2 verifier.

`ezkl.create_evm_vka` writes it as bincode: a u64 little-endian word count, then the 32-byte words.
The reusable verifier copies the words to memory at 0xa0 and reads fixed slots from there, so the
first words sit at the same index in every VKA (index i <-> memory 0xa0 + 32*i):

  0 vk digest (transcript seed)     1 challenge-memory offset     2 number of instances
  5 k (log2 rows)   6 n^-1   7 omega   8 omega^-1   9 omega^-1 to the l-th power
  10..13 accumulator metadata (zero: EZKL 23 has no aggregation)
  14..15 G1 generator (x, y)                          SRS
  16..19 G2 generator (x_1, x_2, y_1, y_2)            SRS
  20..23 -[s]G2, the negated SRS secret in G2           SRS
  24.. circuit-specific: fixed and permutation commitments, gate/lookup/permutation layout
       metadata, instance-rescaling data

Checked against the per-model verifier EZKL generates from the same key, which writes the same
values with names (g1_x, g2_x_1, neg_s_g2_x_1, fixed_comms[i].x, ...).
"""

from __future__ import annotations

from pathlib import Path

from .errors import ArtifactError
from .keccak import keccak256

SRS_WORDS = slice(14, 24)
NUM_INSTANCES_WORD = 2
K_WORD = 5


def read_vka(path: str | Path) -> list[str]:
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ArtifactError(f"VKA {path} is truncated", field="vka", value=str(path))
    count = int.from_bytes(raw[:8], "little")
    body = raw[8:]
    if len(body) != 32 * count:
        raise ArtifactError(f"VKA {path} announces {count} words but holds {len(body)} bytes", field="vka", value=str(path))
    return ["0x" + body[i : i + 32].hex() for i in range(0, len(body), 32)]


def write_vka(path: str | Path, words: list[str]) -> None:
    body = b"".join(bytes.fromhex(w.removeprefix("0x").rjust(64, "0")) for w in words)
    Path(path).write_bytes(len(words).to_bytes(8, "little") + body)


def vka_digest(words: list[str]) -> str:
    """keccak256 over the concatenated words: what Halo2VerifierReusable.registerVka returns."""
    return "0x" + keccak256(b"".join(bytes.fromhex(w.removeprefix("0x")) for w in words)).hex()


def srs_words(words: list[str]) -> list[str]:
    return words[SRS_WORDS]
