"""ABI encoding of the generated verifiers' verifyProof calls (standard Solidity ABI).

EZKL's encode_evm_calldata gives the same bytes for the reusable verifier; for a per-model verifier
it appends a stray zero word, which decoders ignore but which makes the calldata non-canonical, so
the prover encodes both itself (tests compare with EZKL and with viem)."""

from __future__ import annotations

from functools import lru_cache

from .keccak import keccak256

REUSABLE_SIGNATURE = "verifyProof(bytes,uint256[],bytes32[])"
MODEL_SIGNATURE = "verifyProof(bytes,uint256[])"


@lru_cache(maxsize=4)
def selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


def _word(v: int) -> bytes:
    return v.to_bytes(32, "big")


def encode_verify_proof(proof: str, instances: list[str], vka: list[str] | None = None) -> str:
    proof_b = bytes.fromhex(proof.removeprefix("0x"))
    tails = [
        _word(len(proof_b)) + proof_b + b"\0" * (-len(proof_b) % 32),
        _word(len(instances)) + b"".join(_word(int(w, 16)) for w in instances),
    ]
    if vka is not None:
        tails.append(_word(len(vka)) + b"".join(bytes.fromhex(w.removeprefix("0x").rjust(64, "0")) for w in vka))
    head, offset = b"", 32 * len(tails)
    for tail in tails:
        head += _word(offset)
        offset += len(tail)
    sig = REUSABLE_SIGNATURE if vka is not None else MODEL_SIGNATURE
    return "0x" + (selector(sig) + head + b"".join(tails)).hex()
