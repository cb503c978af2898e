"""ONNX model + calibration data + visibility -> a content-addressed artifacts directory:

  model.onnx, calibration.json, settings.json, model.compiled, pk.key, vk.key,
  vka.bin + vka.json (reusable-verifier key artifact), <Contract>.sol + .abi.json (per-model verifier),
  manifest.json (hashes of all of the above, EZKL version, logrows, shapes, scales, visibility, batch
  size, instance layout, SRS, compute units).

The directory is named by the artifact id: sha256 over the ONNX bytes, the calibration rows, the
compile options, the EZKL version and the SRS hash. Compiling the same thing twice finds the
directory and checks its hashes instead of redoing the work.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from . import __version__
from .errors import ArtifactError, EzklError, InvalidInputError
from .srs import SrsInfo, resolve_srs, srs_identity
from .vka import read_vka, srs_words, vka_digest

MANIFEST_SCHEMA = "zk-vin/prover-manifest@1"
PROOF_SYSTEM = "ezkl-halo2-kzg-bn254"
INPUT_VISIBILITIES = ("public", "hashed")
OUTPUT_VISIBILITIES = ("public", "hashed")
# Lookup-free range checks in 8-bit limbs: an 2^8-row table keeps circuits at 2^9..2^13 rows where the
# default 2^14 limb needs 2^15 rows for any model; 8 limbs give values 64 bits of room.
DEFAULT_DECOMP_BASE = 256
DEFAULT_DECOMP_LEGS = 8
ROWS_PER_COMPUTE_UNIT = 256
# Bumped whenever the same inputs would compile to different artifacts: part of every artifact id.
COMPILER_REVISION = 2

FILES = {
    "onnx": "model.onnx",
    "calibration": "calibration.json",
    "settings": "settings.json",
    "compiledCircuit": "model.compiled",
    "provingKey": "pk.key",
    "verifyingKey": "vk.key",
    "vka": "vka.bin",
    "vkaWords": "vka.json",
}


@dataclass
class CompileOptions:
    name: str
    batch_size: int = 1
    input_visibility: str = "public"
    output_visibility: str = "public"
    decomp_base: int = DEFAULT_DECOMP_BASE
    decomp_legs: int = DEFAULT_DECOMP_LEGS
    # Inputs outside [min - margin*span, max + margin*span] of the calibration data per feature are refused.
    range_margin: float = 0.5
    reusable_vka: bool = True
    solidity_verifier: bool = True
    contract_name: str | None = None
    srs: dict[str, Any] | None = field(default=None)
    # Input scales calibration may choose from (EZKL's `scales`); None: EZKL's own search.
    scales: tuple[int, ...] | None = None

    def validate(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", self.name):
            raise InvalidInputError("model name must be 1-64 of [A-Za-z0-9_-]", field="name", value=self.name)
        if not 1 <= self.batch_size <= 1024:
            raise InvalidInputError("batch size must be 1..1024", field="batchSize", value=self.batch_size)
        if self.input_visibility not in INPUT_VISIBILITIES:
            raise InvalidInputError(
                f"input visibility must be one of {INPUT_VISIBILITIES} (private inputs would not bind the proof to the request)",
                field="inputVisibility",
                value=self.input_visibility,
            )
        if self.output_visibility not in OUTPUT_VISIBILITIES:
            raise InvalidInputError(f"output visibility must be one of {OUTPUT_VISIBILITIES}", field="outputVisibility", value=self.output_visibility)
        if self.decomp_base < 2 or self.decomp_legs < 1:
            raise InvalidInputError("decomposition base >= 2 and legs >= 1", field="decompBase", value=self.decomp_base)
        if not self.range_margin >= 0:
            raise InvalidInputError("range margin must be >= 0", field="rangeMargin", value=self.range_margin)
        if self.scales is not None and (len(self.scales) == 0 or any(not isinstance(v, int) or not 0 <= v <= 20 for v in self.scales)):
            raise InvalidInputError("scales must be a non-empty list of integers 0..20", field="scales", value=list(self.scales))
        if self.contract_name is not None and not re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,63}", self.contract_name):
            raise InvalidInputError("contract name must be a Solidity identifier starting upper-case", field="contractName", value=self.contract_name)

    def key(self) -> dict[str, Any]:
        key = {
            "batchSize": self.batch_size,
            "inputVisibility": self.input_visibility,
            "outputVisibility": self.output_visibility,
            "paramVisibility": "fixed",
            "decompBase": self.decomp_base,
            "decompLegs": self.decomp_legs,
            "rangeMargin": self.range_margin,
            "reusableVka": self.reusable_vka,
            "solidityVerifier": self.solidity_verifier,
            "contractName": self.resolved_contract_name(),
        }
        # Only when set, so artifacts compiled without it keep their ids.
        if self.scales is not None:
            key["scales"] = list(self.scales)
        return key

    def resolved_contract_name(self) -> str:
        if self.contract_name:
            return self.contract_name
        camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-]+", self.name) if part)
        return f"{camel}B{self.batch_size}Verifier"


def _ezkl_version() -> str:
    from importlib.metadata import version

    return version("ezkl")


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sha256_path(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class ModelIo:
    features: int
    outputs: int


def inspect_onnx(model: onnx.ModelProto) -> ModelIo:
    """The single [batch_size, F] -> [batch_size, O] signature the prover supports."""
    graph = model.graph
    if len(graph.input) != 1 or len(graph.output) != 1:
        raise InvalidInputError(
            f"model must have exactly one input and one output (has {len(graph.input)} and {len(graph.output)})", field="onnx", value=model.graph.name
        )

    def dims(vi: onnx.ValueInfoProto, what: str) -> list[int | str]:
        shape = vi.type.tensor_type.shape.dim
        out: list[int | str] = [d.dim_param or d.dim_value for d in shape]
        if len(out) != 2 or not isinstance(out[1], int) or out[1] <= 0:
            raise InvalidInputError(f"model {what} must have shape [batch_size, n] (has {out})", field=f"onnx.{what}", value=out)
        return out

    in_dims, out_dims = dims(graph.input[0], "input"), dims(graph.output[0], "output")
    return ModelIo(features=int(in_dims[1]), outputs=int(out_dims[1]))


def _check_calibration(rows: np.ndarray, features: int) -> None:
    if rows.ndim != 2 or rows.shape[1] != features or rows.shape[0] == 0:
        raise InvalidInputError(f"calibration data must be rows of {features} values (got shape {list(rows.shape)})", field="calibration", value=list(rows.shape))
    if not np.all(np.isfinite(rows)):
        raise InvalidInputError("calibration data holds NaN or infinite values", field="calibration")


def artifact_id(onnx_bytes: bytes, calibration: np.ndarray, options: CompileOptions, srs_id: str) -> str:
    key = {
        "onnx": sha256_bytes(onnx_bytes),
        "calibration": sha256_bytes(_canonical(calibration.tolist())),
        "options": options.key(),
        "ezkl": _ezkl_version(),
        "srs": srs_id,
        "schema": MANIFEST_SCHEMA,
        "compilerRevision": COMPILER_REVISION,
    }
    return sha256_bytes(_canonical(key))


def canonicalise_settings(path: Path) -> dict[str, Any]:
    """EZKL lists the range checks and lookups it needs in hash-map order, which changes from run to
    run, and lays the circuit's tables out in that order: the same model would get a different
    verifying key each time. Sorted, the keys are the same on every run and every machine."""
    settings = json.loads(path.read_text())
    settings["required_range_checks"] = sorted(settings.get("required_range_checks", []))
    settings["required_lookups"] = sorted(settings.get("required_lookups", []), key=lambda v: json.dumps(v, sort_keys=True))
    settings["timestamp"] = 0
    path.write_text(json.dumps(settings, sort_keys=True, indent=1) + "\n")
    return settings


def _run_args(options: CompileOptions) -> Any:
    import ezkl

    ra = ezkl.PyRunArgs()
    ra.variables = [("batch_size", options.batch_size)]
    ra.input_visibility = options.input_visibility
    ra.output_visibility = options.output_visibility
    ra.param_visibility = "fixed"
    ra.decomp_base = options.decomp_base
    ra.decomp_legs = options.decomp_legs
    return ra


def _calibration_batches(rows: np.ndarray, batch_size: int) -> np.ndarray:
    """EZKL calibrates on consecutive chunks of one batch each: repeat rows to fill whole batches."""
    n = max(len(rows), batch_size)
    n = math.ceil(n / batch_size) * batch_size
    reps = math.ceil(n / len(rows))
    return np.tile(rows, (reps, 1))[:n]


def instance_layout(io: ModelIo, options: CompileOptions) -> list[dict[str, Any]]:
    """Where each public value sits in the instance vector (verified by tests against real proofs)."""
    in_shape, out_shape = [options.batch_size, io.features], [options.batch_size, io.outputs]
    # Input before output; a hashed tensor takes one slot (its Poseidon hash) where its values would be.
    layout: list[dict[str, Any]] = []
    offset = 0
    for kind, visibility, shape in (("input", options.input_visibility, in_shape), ("output", options.output_visibility, out_shape)):
        if visibility == "hashed":
            layout.append({"kind": f"{kind}Hash", "tensor": 0, "offset": offset, "length": 1, "hashOf": shape})
            offset += 1
        else:
            n = int(np.prod(shape))
            layout.append({"kind": kind, "tensor": 0, "offset": offset, "length": n, "shape": shape})
            offset += n
    return layout


def _generate_verifiers(art: Path, options: CompileOptions, srs: SrsInfo) -> dict[str, str]:
    import ezkl

    files: dict[str, str] = {}

    async def run() -> None:
        if options.reusable_vka:
            ok = await ezkl.create_evm_vka(vk_path=str(art / FILES["verifyingKey"]), settings_path=str(art / FILES["settings"]), vka_path=str(art / FILES["vka"]), srs_path=srs.path)
            if not ok:
                raise EzklError("create_evm_vka failed", field="vka")
        if options.solidity_verifier:
            name = options.resolved_contract_name()
            sol, abi = art / f"{name}.sol", art / f"{name}.abi.json"
            ok = await ezkl.create_evm_verifier(
                vk_path=str(art / FILES["verifyingKey"]), settings_path=str(art / FILES["settings"]), sol_code_path=str(sol), abi_path=str(abi), srs_path=srs.path, reusable=False
            )
            if not ok:
                raise EzklError("create_evm_verifier failed", field="solidityVerifier")
            # EZKL names every generated contract Halo2Verifier; give each model its own name.
            sol.write_text(sol.read_text().replace("contract Halo2Verifier {", f"contract {name} {{", 1))
            files["solidityVerifier"] = sol.name
            files["solidityVerifierAbi"] = abi.name

    asyncio.run(run())
    if options.reusable_vka:
        words = read_vka(art / FILES["vka"])
        (art / FILES["vkaWords"]).write_text(json.dumps({"words": words}, indent=1) + "\n")
        files["vka"] = FILES["vka"]
        files["vkaWords"] = FILES["vkaWords"]
    return files


def generate_reusable_verifier(artifact_dir: Path, out_sol: Path, out_abi: Path) -> None:
    """EZKL's Halo2VerifierReusable (one contract for every model, keyed by VKA)."""
    import ezkl

    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    srs_path = resolve_srs(manifest["srs"].get("spec"), manifest["logrows"]).path

    async def run() -> bool:
        return await ezkl.create_evm_verifier(
            vk_path=str(artifact_dir / FILES["verifyingKey"]), settings_path=str(artifact_dir / FILES["settings"]), sol_code_path=str(out_sol), abi_path=str(out_abi), srs_path=srs_path, reusable=True
        )

    if not asyncio.run(run()):
        raise EzklError("create_evm_verifier(reusable=True) failed", field="reusableVerifier")


def compile_model(onnx_path: str | Path, calibration: np.ndarray, options: CompileOptions, store_dir: str | Path, log: Any = None) -> Path:
    """Builds (or finds) the artifacts directory and returns its path."""
    import ezkl

    options.validate()
    onnx_bytes = Path(onnx_path).read_bytes()
    try:
        model = onnx.load_from_string(onnx_bytes)
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises several unrelated types for a bad file
        raise InvalidInputError(f"not a valid ONNX model: {exc}", field="onnx", value=str(onnx_path)) from exc
    io = inspect_onnx(model)
    calibration = np.asarray(calibration, dtype=np.float64)
    _check_calibration(calibration, io.features)

    # The id names the SRS (its secret), not one file: the file depends on the circuit's size.
    aid = artifact_id(onnx_bytes, calibration, options, srs_identity(options.srs))
    store = Path(store_dir)
    final = store / aid
    if (final / "manifest.json").exists():
        check_artifacts(final)
        return final

    store.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{aid[:12]}-", dir=store))
    try:
        timings: dict[str, float] = {}

        def step(name: str, fn: Any) -> Any:
            t0 = time.perf_counter()
            result = fn()
            timings[name] = round(time.perf_counter() - t0, 4)
            if log:
                log(f"compile {options.name}: {name} {timings[name]:.2f}s")
            return result

        (work / FILES["onnx"]).write_bytes(onnx_bytes)
        (work / FILES["calibration"]).write_text(json.dumps({"rows": calibration.tolist()}) + "\n")
        batches = _calibration_batches(calibration, options.batch_size)
        cal_data = work / "calibration.ezkl.json"
        cal_data.write_text(json.dumps({"input_data": [batches.flatten().tolist()]}))
        settings_path = work / FILES["settings"]
        if not ezkl.gen_settings(model=str(work / FILES["onnx"]), output=str(settings_path), py_run_args=_run_args(options)):
            raise EzklError("gen_settings failed", field="onnx")
        step("calibrate", lambda: ezkl.calibrate_settings(data=str(cal_data), model=str(work / FILES["onnx"]), settings=str(settings_path), target="resources", scales=list(options.scales) if options.scales else None))
        cal_data.unlink()
        settings = canonicalise_settings(settings_path)
        logrows = int(settings["run_args"]["logrows"])
        srs = resolve_srs(options.srs, logrows)
        ok = step("compile", lambda: ezkl.compile_circuit(model=str(work / FILES["onnx"]), compiled_circuit=str(work / FILES["compiledCircuit"]), settings_path=str(settings_path)))
        if not ok:
            raise EzklError("compile_circuit failed", field="onnx")
        ok = step("setup", lambda: ezkl.setup(model=str(work / FILES["compiledCircuit"]), vk_path=str(work / FILES["verifyingKey"]), pk_path=str(work / FILES["provingKey"]), srs_path=srs.path))
        if not ok:
            raise EzklError("setup failed", field="srs")
        extra = step("evm", lambda: _generate_verifiers(work, options, srs))

        files = {k: v for k, v in FILES.items() if (work / v).exists()}
        files.update(extra)
        manifest = _manifest(aid, work, options, settings, io, calibration, srs, files, timings)
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        try:
            work.replace(final)
        except OSError:
            # Another process finished the same artifact first: theirs is identical by construction.
            shutil.rmtree(work, ignore_errors=True)
        check_artifacts(final)
        return final
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _manifest(
    aid: str, art: Path, options: CompileOptions, settings: dict[str, Any], io: ModelIo, calibration: np.ndarray, srs: SrsInfo, files: dict[str, str], timings: dict[str, float]
) -> dict[str, Any]:
    import onnx as onnx_mod

    logrows = int(settings["run_args"]["logrows"])
    lo, hi = calibration.min(axis=0), calibration.max(axis=0)
    span = np.maximum(hi - lo, np.abs(hi) * 1e-6 + 1e-9)
    layout = instance_layout(io, options)
    per_proof = max(1, (1 << logrows) // ROWS_PER_COMPUTE_UNIT)
    manifest: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "artifactId": aid,
        "name": options.name,
        "proofSystem": PROOF_SYSTEM,
        "versions": {"ezkl": _ezkl_version(), "onnx": onnx_mod.__version__, "zkvinProver": __version__},
        "logrows": logrows,
        "numRows": settings.get("num_rows"),
        "batchSize": options.batch_size,
        "inputs": [
            {
                "name": "input",
                "shape": [options.batch_size, io.features],
                "scale": int(settings["model_input_scales"][0]),
                "visibility": options.input_visibility,
                "range": {
                    "min": (lo - options.range_margin * span).tolist(),
                    "max": (hi + options.range_margin * span).tolist(),
                    "calibratedMin": lo.tolist(),
                    "calibratedMax": hi.tolist(),
                    "margin": options.range_margin,
                },
            }
        ],
        "outputs": [
            {"name": "output", "shape": [options.batch_size, io.outputs], "scale": int(settings["model_output_scales"][0]), "visibility": options.output_visibility}
        ],
        "params": {"visibility": "fixed", "scale": int(settings["run_args"]["param_scale"])},
        "instances": {"count": sum(e["length"] for e in layout), "layout": layout},
        "computeUnits": {"perProof": per_proof, "perInference": math.ceil(per_proof / options.batch_size), "rowsPerUnit": ROWS_PER_COMPUTE_UNIT},
        "srs": {**srs.to_manifest(), "identity": srs_identity(options.srs), "spec": options.srs or {"kind": "dev"}},
        "compile": {**options.key(), "timingsSeconds": timings},
        "files": {role: {"path": name, "sha256": sha256_path(art / name), "bytes": (art / name).stat().st_size} for role, name in sorted(files.items())},
    }
    if "vka" in files:
        words = read_vka(art / files["vka"])
        manifest["evm"] = {"vkaDigest": vka_digest(words), "vkaWords": len(words), "vkaSrsWords": srs_words(words)}
    if "solidityVerifier" in files:
        manifest.setdefault("evm", {})["verifierContract"] = options.resolved_contract_name()
    if srs.insecure:
        manifest["warnings"] = ["INSECURE development SRS: its secret is public, anyone can forge proofs; never use these keys on a public network"]
    return manifest


def load_manifest(artifact_dir: str | Path) -> dict[str, Any]:
    path = Path(artifact_dir) / "manifest.json"
    if not path.is_file():
        raise ArtifactError(f"no manifest.json in {artifact_dir}", field="artifact", value=str(artifact_dir))
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"manifest.json in {artifact_dir} is not JSON: {exc}", field="manifest", value=str(path)) from exc
    if manifest.get("schema") != MANIFEST_SCHEMA:
        raise ArtifactError(f"manifest schema {manifest.get('schema')!r} is not {MANIFEST_SCHEMA}", field="manifest.schema", value=manifest.get("schema"))
    return manifest


def check_artifacts(artifact_dir: str | Path) -> dict[str, Any]:
    """Every file the manifest lists exists with its recorded sha256, and the directory is named by its id."""
    art = Path(artifact_dir)
    manifest = load_manifest(art)
    if art.name != manifest["artifactId"]:
        raise ArtifactError(f"directory {art.name} holds artifact {manifest['artifactId']}", field="artifactId", value=art.name)
    for role, entry in manifest["files"].items():
        path = art / entry["path"]
        if not path.is_file():
            raise ArtifactError(f"artifact file {entry['path']} ({role}) is missing", field=f"files.{role}", value=str(path))
        if path.stat().st_size != entry["bytes"] or sha256_path(path) != entry["sha256"]:
            raise ArtifactError(f"artifact file {entry['path']} ({role}) does not match its sha256 in the manifest", field=f"files.{role}", value=str(path))
    return manifest
