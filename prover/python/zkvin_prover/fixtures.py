"""Fixtures for the hub's Foundry tests (read with vm.readFile from ../prover/fixtures):

  prover/fixtures/srs.json                       the SRS points the VKAs embed, in VKA word encoding
  prover/fixtures/<fixture>/manifest.json        the compile manifest
  prover/fixtures/<fixture>/vka.json             {"words": [...bytes32]} for Halo2VerifierReusable
  prover/fixtures/<fixture>/vka-other-srs.json   the same circuit's VKA made on a different SRS
  prover/fixtures/<fixture>/proof.json           a real proof of the model's sample inputs, with the
                                                 per-feature input bounds the hub registers (fixed point)
  contracts-evm/src/verifiers/ezkl/generated/Halo2VerifierReusable.sol
  contracts-evm/src/verifiers/ezkl/generated/<Contract>.sol   per-model verifiers (where asked)

Every fixture's proof is verified with EZKL before it is written; the reusable verifier is the same
for every model (EZKL renders it without circuit data), which `write_fixtures` checks.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compile import CompileOptions, compile_model, generate_reusable_verifier, load_manifest
from .fixed_point import field_to_int, word_to_field
from .models_dir import load_calibration, load_samples
from .prove import Prover
from .srs import BN254_BASE_MODULUS, g2_words, resolve_srs, sha256_file
from .vka import read_vka


@dataclass(frozen=True)
class FixtureSpec:
    fixture: str
    model: str
    batch_size: int
    solidity_verifier: bool
    input_visibility: str = "public"


DEFAULT_SPECS = [
    FixtureSpec("linear_regression", "linear_regression", 1, True),
    FixtureSpec("linear_regression_b4", "linear_regression", 4, True),
    FixtureSpec("linear_regression_b16", "linear_regression", 16, True),
    FixtureSpec("random_forest", "random_forest", 1, False),
    FixtureSpec("svm_classification", "svm_classification", 1, False),
    FixtureSpec("tree_ensemble_regression", "tree_ensemble_regression", 1, False),
    FixtureSpec("mlp", "mlp", 1, False),
    # Hashed input: the instances carry the Poseidon commitment of the input (the hub's commitment requests).
    FixtureSpec("linear_regression_hashed", "linear_regression", 1, False, "hashed"),
]


def _dump(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2) + "\n")


def srs_fixture(srs_path: str) -> dict[str, Any]:
    from .dev_srs import DEV_TAU_SEED

    pts = g2_words(srs_path)
    s = pts["sG2"]
    neg_s = [s[0], s[1], "0x%064x" % ((BN254_BASE_MODULUS - int(s[2], 16)) % BN254_BASE_MODULUS), "0x%064x" % ((BN254_BASE_MODULUS - int(s[3], 16)) % BN254_BASE_MODULUS)]
    return {
        "kind": "dev-insecure",
        "warning": "development SRS: its secret is derived from a public seed, anyone can forge proofs; for tests only",
        "seed": DEV_TAU_SEED.decode(),
        "g1": pts["g1"],
        "g2": pts["g2"],
        "negSG2": neg_s,
        # The ten words every VKA made on this SRS holds at indices 14..23, in this order.
        "vkaWords": pts["g1"] + pts["g2"] + neg_s,
        "vkaWordIndices": {"g1": [14, 15], "g2": [16, 17, 18, 19], "negSG2": [20, 21, 22, 23]},
    }


def hub_input_bounds(manifest: dict[str, Any]) -> dict[str, list[int]]:
    """Each input feature's proven range in fixed point at the input scale, rounded inwards (ceil of the
    minimum, floor of the maximum): the per-feature bounds a model registers on the hub, so that every input
    the hub accepts is one the prover accepts. x * 2^scale is exact in binary floating point."""
    inp = manifest["inputs"][0]
    one = 2.0 ** inp["scale"]
    lo = [math.ceil(x * one) for x in inp["range"]["min"]]
    hi = [math.floor(x * one) for x in inp["range"]["max"]]
    for j, (a, b) in enumerate(zip(lo, hi, strict=True)):
        if a > b:
            raise RuntimeError(f"{manifest['name']}: feature {j} has an empty range in fixed point ({a} > {b})")
    return {"min": lo, "max": hi}


def _repeat_rows(rows: list[list[float]], n: int) -> list[list[float]]:
    return [rows[i % len(rows)] for i in range(n)]


def _other_srs_vka(onnx_path: Path, calibration: Any, options: CompileOptions, logrows: int, work: Path) -> list[str]:
    """The same circuit's VKA on a freshly generated SRS (a random secret, same size)."""
    import ezkl

    other = work / "other.srs"
    ezkl.gen_srs(str(other), logrows)
    spec = {"kind": "production", "path": str(other), "sha256": sha256_file(other)}
    opts = CompileOptions(**{**options.__dict__, "srs": spec, "solidity_verifier": False})
    art = compile_model(onnx_path, calibration, opts, work / "store")
    return read_vka(art / "vka.bin")


def write_fixture(spec: FixtureSpec, models_root: Path, fixtures_root: Path, contracts_dir: Path, store: Path, log: Any = print) -> dict[str, Any]:
    model_dir = models_root / spec.model
    calibration = load_calibration(model_dir)
    options = CompileOptions(
        name=spec.model, batch_size=spec.batch_size, solidity_verifier=spec.solidity_verifier, input_visibility=spec.input_visibility
    )
    art = compile_model(model_dir / "model.onnx", calibration, options, store, log=log)
    manifest = load_manifest(art)
    prover = Prover(art)
    rows = _repeat_rows(load_samples(model_dir)["inputs"], spec.batch_size)
    result = prover.prove(inputs=rows, verify=True)
    if not result.verified:
        raise RuntimeError(f"fixture {spec.fixture}: proof does not verify")
    words = read_vka(art / "vka.bin")
    out = fixtures_root / spec.fixture
    out.mkdir(parents=True, exist_ok=True)
    _dump(out / "manifest.json", manifest)
    _dump(out / "vka.json", {"words": words})
    with tempfile.TemporaryDirectory(prefix="zkvin-other-srs-") as tmp:
        _dump(out / "vka-other-srs.json", {"words": _other_srs_vka(model_dir / "model.onnx", calibration, options, manifest["logrows"], Path(tmp))})
    layout = {e["kind"]: e for e in manifest["instances"]["layout"]}
    proof = {
        "model": spec.model,
        "batchSize": spec.batch_size,
        "artifactId": manifest["artifactId"],
        "vkaDigest": manifest["evm"]["vkaDigest"],
        "proof": result.proof,
        "instances": result.instances,
        "inputs": [[int(v) for v in row] for row in result.inputs_fixed],
        "outputs": [[int(v) for v in row] for row in result.outputs_fixed],
        "inputScale": manifest["inputs"][0]["scale"],
        "outputScale": manifest["outputs"][0]["scale"],
        "inputBounds": hub_input_bounds(manifest),
        "inputsFloat": rows,
        "outputsFloat": result.outputs,
        "instanceLayout": manifest["instances"]["layout"],
        "calldata": result.calldata,
        "verifierCalldata": result.verifier_calldata,
        "verifierContract": manifest.get("evm", {}).get("verifierContract"),
    }
    # The instances must carry exactly the inputs and outputs recorded beside them.
    ins = [field_to_int(word_to_field(w)) for w in result.instances]
    if "input" in layout:
        e = layout["input"]
        assert ins[e["offset"] : e["offset"] + e["length"]] == [v for row in proof["inputs"] for v in row]
    if "output" in layout:
        e = layout["output"]
        assert ins[e["offset"] : e["offset"] + e["length"]] == [v for row in proof["outputs"] for v in row]
    _dump(out / "proof.json", proof)
    if spec.solidity_verifier:
        name = manifest["evm"]["verifierContract"]
        contracts_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(art / f"{name}.sol", contracts_dir / f"{name}.sol")
    log(f"fixture {spec.fixture}: logrows {manifest['logrows']}, {len(result.instances)} instances, vka {manifest['evm']['vkaDigest']}")
    return manifest


def write_fixtures(models_root: Path, fixtures_root: Path, contracts_dir: Path, store: Path, specs: list[FixtureSpec] | None = None, log: Any = print) -> None:
    specs = specs or DEFAULT_SPECS
    fixtures_root.mkdir(parents=True, exist_ok=True)
    manifests = [write_fixture(s, models_root, fixtures_root, contracts_dir, store, log) for s in specs]
    srs_doc = srs_fixture(resolve_srs(None, manifests[0]["logrows"]).path)
    for s, m in zip(specs, manifests, strict=True):
        if m["evm"]["vkaSrsWords"] != srs_doc["vkaWords"]:
            raise RuntimeError(f"fixture {s.fixture}: VKA SRS words differ from srs.json")
    _dump(fixtures_root / "srs.json", srs_doc)
    # One reusable verifier serves every model; render it from each and insist they agree.
    rendered: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="zkvin-reusable-") as tmp:
        for s, m in zip(specs, manifests, strict=True):
            sol = Path(tmp) / f"{s.fixture}.sol"
            generate_reusable_verifier(store / m["artifactId"], sol, Path(tmp) / f"{s.fixture}.abi")
            rendered.add(sol.read_text())
        if len(rendered) != 1:
            raise RuntimeError("EZKL rendered different reusable verifiers for different models")
        contracts_dir.mkdir(parents=True, exist_ok=True)
        (contracts_dir / "Halo2VerifierReusable.sol").write_text(rendered.pop())
    log(f"fixtures: {len(specs)} written to {fixtures_root}, Solidity to {contracts_dir}")
