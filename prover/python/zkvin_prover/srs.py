"""Structured reference strings (KZG over BN254).

Development: deterministic files from one public secret (dev_srs.py), one per circuit size k,
generated on first use and cached under the cache directory (default ~/.cache/zk-vin/srs). Anyone
can forge proofs against keys made on them: they are marked `dev-insecure` here, in every manifest
and in the CLI output. All sizes share the secret, as the sizes of a real powers-of-tau ceremony do,
so every model's VKA carries the same G2 points.

Production: an SRS file given by path whose sha256 must equal the expected one (for example one of
the perpetual powers-of-tau files EZKL publishes), checked before any use. A file larger than the
circuit works (EZKL cuts it down on each call, which costs time); one of the circuit's size is best.

File format (halo2 ParamsKZG, RawBytes): u32 LE k; 2^k G1 points (monomial basis); 2^k G1 points
(Lagrange basis); g2; s_g2. Coordinates are 32-byte little-endian in Montgomery form; G2
coordinates are Fp2 elements (c0, c1).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import SrsError

DEV_SRS_MAX_LOGROWS = 20
BN254_BASE_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583
_MONT_R_INV = pow(2**256, -1, BN254_BASE_MODULUS)


def cache_dir() -> Path:
    base = os.environ.get("ZKVIN_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "zk-vin"


@dataclass(frozen=True)
class SrsInfo:
    """What a manifest records about the SRS its keys were made with."""

    kind: str  # "dev-insecure" | "production"
    logrows: int
    sha256: str
    path: str

    @property
    def insecure(self) -> bool:
        return self.kind != "production"

    def to_manifest(self) -> dict[str, object]:
        return {"kind": self.kind, "insecure": self.insecure, "logrows": self.logrows, "sha256": self.sha256}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def srs_logrows(path: Path) -> int:
    with path.open("rb") as f:
        header = f.read(4)
    if len(header) != 4:
        raise SrsError(f"SRS file {path} is truncated", field="srs", value=str(path))
    k = int.from_bytes(header, "little")
    expected = 4 + 2 * (1 << k) * 64 + 256 if k < 32 else -1
    if path.stat().st_size != expected:
        raise SrsError(f"SRS file {path} says k={k} but has {path.stat().st_size} bytes (expected {expected})", field="srs", value=str(path))
    return k


def dev_srs_identity() -> str:
    """What every development SRS file shares: its secret's public seed (hashed)."""
    from .dev_srs import DEV_TAU_SEED

    return "dev:" + hashlib.sha256(DEV_TAU_SEED).hexdigest()


def dev_srs(logrows: int) -> SrsInfo:
    """The cached development SRS of exactly 2^logrows rows, generated on first use. Insecure."""
    from .dev_srs import DEV_TAU_SEED, srs_bytes

    if not 1 <= logrows <= DEV_SRS_MAX_LOGROWS:
        raise SrsError(f"no development SRS for 2^{logrows} rows (1..{DEV_SRS_MAX_LOGROWS})", field="logrows", value=logrows)
    directory = cache_dir() / "srs"
    path = directory / f"dev-kzg{logrows}.srs"
    meta_path = directory / f"dev-kzg{logrows}.json"
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("sha256") and path.stat().st_size == meta.get("size"):
            return SrsInfo(kind="dev-insecure", logrows=logrows, sha256=meta["sha256"], path=str(path))
    directory.mkdir(parents=True, exist_ok=True)
    data = srs_bytes(logrows)
    digest = hashlib.sha256(data).hexdigest()
    # Write beside the target and rename, so a concurrent process never reads a half-written file.
    fd, tmp_name = tempfile.mkstemp(dir=directory, suffix=".srs.tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    meta = {
        "kind": "dev-insecure",
        "warning": "the secret of this SRS is derived from a public string: anyone can forge proofs against keys made on it",
        "seed": DEV_TAU_SEED.decode(),
        "logrows": logrows,
        "sha256": digest,
        "size": path.stat().st_size,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return SrsInfo(kind="dev-insecure", logrows=logrows, sha256=digest, path=str(path))


def production_srs(path: str | Path, expected_sha256: str) -> SrsInfo:
    """An SRS file checked against its expected sha256 before use."""
    p = Path(path)
    if not p.is_file():
        raise SrsError(f"SRS file {p} does not exist", field="srs.path", value=str(p))
    expected = expected_sha256.lower().removeprefix("0x")
    actual = sha256_file(p)
    if actual != expected:
        raise SrsError(f"SRS file {p} has sha256 {actual}, expected {expected}", field="srs.sha256", value=actual)
    return SrsInfo(kind="production", logrows=srs_logrows(p), sha256=actual, path=str(p))


def srs_identity(spec: dict[str, object] | None) -> str:
    """Names the SRS (not one file): what an artifact id depends on."""
    if spec is None or spec.get("kind") in (None, "dev", "dev-insecure"):
        return dev_srs_identity()
    sha = spec.get("sha256")
    if spec.get("kind") != "production" or not isinstance(sha, str):
        raise SrsError("a production SRS needs kind, path and sha256", field="srs", value=spec)
    return "sha256:" + sha.lower().removeprefix("0x")


def resolve_srs(spec: dict[str, object] | None, logrows_needed: int) -> SrsInfo:
    """spec: None or {"kind": "dev"} for the development SRS, {"kind": "production", "path", "sha256"}."""
    if spec is None or spec.get("kind") in (None, "dev", "dev-insecure"):
        return dev_srs(logrows_needed)
    if spec.get("kind") != "production":
        raise SrsError(f"unknown SRS kind {spec.get('kind')!r}", field="srs.kind", value=spec.get("kind"))
    path, sha = spec.get("path"), spec.get("sha256")
    if not isinstance(path, str) or not isinstance(sha, str):
        raise SrsError("a production SRS needs both path and sha256", field="srs", value=spec)
    info = production_srs(path, sha)
    if info.logrows < logrows_needed:
        raise SrsError(f"SRS has 2^{info.logrows} rows, circuit needs 2^{logrows_needed}", field="srs.logrows", value=info.logrows)
    return info


def _mont_to_int(b: bytes) -> int:
    return int.from_bytes(b, "little") * _MONT_R_INV % BN254_BASE_MODULUS


def g2_words(path: str | Path) -> dict[str, list[str]]:
    """The SRS's G2 points as the EVM verifiers and VKAs hold them: for each point the four words
    x_1, x_2, y_1, y_2 where x = x_2 + x_1 * u (EIP-197 order: imaginary part first), big-endian.
    Also g1 (the first monomial G1 point)."""
    p = Path(path)
    k = srs_logrows(p)
    n = 1 << k
    with p.open("rb") as f:
        f.seek(4)
        g1 = f.read(64)
        f.seek(4 + 2 * n * 64)
        tail = f.read(256)

    def word(v: int) -> str:
        return "0x" + v.to_bytes(32, "big").hex()

    def g2(raw: bytes) -> list[str]:
        x0, x1, y0, y1 = (_mont_to_int(raw[i : i + 32]) for i in range(0, 128, 32))
        return [word(x1), word(x0), word(y1), word(y0)]

    return {
        "g1": [word(_mont_to_int(g1[:32])), word(_mont_to_int(g1[32:]))],
        "g2": g2(tail[:128]),
        "sG2": g2(tail[128:]),
    }


def describe(info: SrsInfo) -> dict[str, object]:
    d = asdict(info)
    d["insecure"] = info.insecure
    return d
