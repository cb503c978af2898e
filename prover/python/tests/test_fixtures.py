"""The committed hub fixtures are self-consistent (whatever machine's development SRS made them):
VKAs carry srs.json's points at words 14..23 and hash to the recorded digest, instances carry the
recorded inputs and outputs at the manifest's offsets, calldata is the ABI encoding of
verifyProof(proof, instances, vka), and the other-SRS VKA differs exactly where the SRS does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import FIXTURES, PROVER_ROOT
from zkvin_prover.fixed_point import field_to_int, word_to_field
from zkvin_prover.fixtures import hub_input_bounds
from zkvin_prover.keccak import keccak256
from zkvin_prover.vka import vka_digest

GENERATED = PROVER_ROOT.parent / "contracts-evm" / "src" / "verifiers" / "ezkl" / "generated"
FIXTURE_DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
REQUIRED = {"linear_regression": 1, "linear_regression_b4": 4, "linear_regression_b16": 16}


def _load(p: Path) -> dict:
    return json.loads(p.read_text())


def _selector(signature: str) -> bytes:
    return keccak256(signature.encode())[:4]


def _abi_encode_verify(proof: str, instances: list[str], vka: list[str]) -> str:
    """verifyProof(bytes,uint256[],bytes32[]): three dynamic arguments, head of three offsets."""
    proof_b = bytes.fromhex(proof.removeprefix("0x"))
    proof_tail = len(proof_b).to_bytes(32, "big") + proof_b + b"\0" * (-len(proof_b) % 32)
    inst_tail = len(instances).to_bytes(32, "big") + b"".join(int(w, 16).to_bytes(32, "big") for w in instances)
    vka_tail = len(vka).to_bytes(32, "big") + b"".join(bytes.fromhex(w.removeprefix("0x")) for w in vka)
    off1 = 96
    off2 = off1 + len(proof_tail)
    off3 = off2 + len(inst_tail)
    head = b"".join(o.to_bytes(32, "big") for o in (off1, off2, off3))
    return "0x" + (_selector("verifyProof(bytes,uint256[],bytes32[])") + head + proof_tail + inst_tail + vka_tail).hex()


def test_required_fixtures_exist() -> None:
    names = {p.name for p in FIXTURE_DIRS}
    for name, batch in REQUIRED.items():
        assert name in names
        assert _load(FIXTURES / name / "proof.json")["batchSize"] == batch
    assert (GENERATED / "Halo2VerifierReusable.sol").is_file()


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_fixture_vkas_carry_srs_words(fixture: Path) -> None:
    srs = _load(FIXTURES / "srs.json")
    words = _load(fixture / "vka.json")["words"]
    other = _load(fixture / "vka-other-srs.json")["words"]
    assert words[14:24] == srs["vkaWords"]
    assert vka_digest(words) == _load(fixture / "proof.json")["vkaDigest"] == _load(fixture / "manifest.json")["evm"]["vkaDigest"]
    assert len(other) == len(words)
    assert other[14:20] == words[14:20], "generators are the same on every SRS"
    assert other[20:24] != words[20:24], "-[s]G2 is the SRS secret's: it must differ"


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_fixture_proof_matches_its_manifest(fixture: Path) -> None:
    manifest, proof = _load(fixture / "manifest.json"), _load(fixture / "proof.json")
    vka = _load(fixture / "vka.json")["words"]
    assert int(vka[2], 16) == len(proof["instances"]) == manifest["instances"]["count"]
    assert int(vka[5], 16) == manifest["logrows"]
    values = [field_to_int(word_to_field(w)) for w in proof["instances"]]
    for entry in manifest["instances"]["layout"]:
        got = values[entry["offset"] : entry["offset"] + entry["length"]]
        if entry["kind"] == "inputHash":
            # One Poseidon commitment per slot (EZKL verified the proof that binds it to the inputs).
            assert entry["length"] == proof["batchSize"]
            assert entry["hashOf"][1] == len(proof["inputs"][0])
            continue
        rows = proof["inputs"] if entry["kind"] == "input" else proof["outputs"]
        assert got == [v for row in rows for v in row], entry["kind"]
    for row, floats in zip(proof["outputs"], proof["outputsFloat"], strict=True):
        assert [v / 2 ** proof["outputScale"] for v in row] == floats
    assert proof["calldata"] == _abi_encode_verify(proof["proof"], proof["instances"], vka)
    if proof["verifierContract"]:
        assert proof["verifierCalldata"].startswith("0x" + _selector("verifyProof(bytes,uint256[])").hex())
        source = (GENERATED / f"{proof['verifierContract']}.sol").read_text()
        assert re.search(rf"\bcontract {proof['verifierContract']} \{{", source)


@pytest.mark.parametrize("fixture", FIXTURE_DIRS, ids=lambda p: p.name)
def test_fixture_input_bounds_are_the_manifests_ranges_rounded_inwards(fixture: Path) -> None:
    manifest, proof = _load(fixture / "manifest.json"), _load(fixture / "proof.json")
    bounds = proof["inputBounds"]
    assert bounds == hub_input_bounds(manifest)
    inp = manifest["inputs"][0]
    one = 2 ** inp["scale"]
    for j, (lo, hi) in enumerate(zip(bounds["min"], bounds["max"], strict=True)):
        # Inside the float range, and no fixed-point value of it left out.
        assert inp["range"]["min"][j] <= lo / one
        assert (lo - 1) / one < inp["range"]["min"][j]
        assert hi / one <= inp["range"]["max"][j] < (hi + 1) / one
    for row in proof["inputs"]:
        assert all(lo <= v <= hi for v, lo, hi in zip(row, bounds["min"], bounds["max"], strict=True))


def test_hub_input_bounds_refuses_a_feature_with_no_fixed_point_value() -> None:
    manifest = {"name": "narrow", "inputs": [{"scale": 2, "range": {"min": [0.0, 0.3], "max": [1.0, 0.4]}}]}
    with pytest.raises(RuntimeError, match="feature 1 has an empty range"):
        hub_input_bounds(manifest)


@pytest.mark.parametrize("fixture", ["linear_regression", "linear_regression_b4"])
def test_committed_vka_is_what_the_code_compiles_today(fixture: str, compiled) -> None:
    # The development SRS is deterministic, so compiling again must give the committed keys exactly.
    proof = _load(FIXTURES / fixture / "proof.json")
    art = compiled("linear_regression", batch_size=proof["batchSize"])
    assert _load(art / "vka.json")["words"] == _load(FIXTURES / fixture / "vka.json")["words"]
    assert _load(art / "manifest.json")["artifactId"] != ""
    assert _load(FIXTURES / fixture / "manifest.json")["srs"] == _load(art / "manifest.json")["srs"]


def test_generated_contract_names_are_unique() -> None:
    names = [m.group(1) for f in GENERATED.glob("*.sol") for m in re.finditer(r"^contract (\w+)", f.read_text(), re.MULTILINE)]
    assert len(names) == len(set(names)) == len(list(GENERATED.glob("*.sol")))
