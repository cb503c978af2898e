"""Witness, proof, verification and EVM calldata for one compiled artifact.

`Prover` holds one artifact's checked manifest and paths; `prove()` takes float rows or fixed-point
rows (never both), validates them against the manifest (shape, finiteness, calibrated range), pads a
partial batch by repeating its last row, and returns everything a fulfilment needs.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compile import check_artifacts
from .errors import ArtifactError, EzklError, InvalidInputError
from .evm_abi import encode_verify_proof
from .fixed_point import FIELD_MODULUS, dequantize, field_to_int, field_to_word, le_hex_to_field, word_to_field
from .srs import resolve_srs
from .vka import read_vka

Progress = Callable[[str], None]


@dataclass
class ProofResult:
    proof: str
    instances: list[str]
    inputs_fixed: list[list[int]]
    outputs_fixed: list[list[int]]
    outputs: list[list[float]]
    rows: int
    padded_rows: int
    calldata: str | None
    verifier_calldata: str | None
    verified: bool | None
    timings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "proof": self.proof,
            "instances": self.instances,
            # Fixed-point values as decimal strings: outputs at scale 52 pass 2^53.
            "inputsFixed": [[str(v) for v in row] for row in self.inputs_fixed],
            "outputsFixed": [[str(v) for v in row] for row in self.outputs_fixed],
            "outputs": self.outputs,
            "rows": self.rows,
            "paddedRows": self.padded_rows,
            "calldata": self.calldata,
            "verifierCalldata": self.verifier_calldata,
            "verified": self.verified,
            "timings": self.timings,
        }


class Prover:
    def __init__(self, artifact_dir: str | Path) -> None:
        self.dir = Path(artifact_dir)
        self.manifest = check_artifacts(self.dir)
        srs = resolve_srs(self.manifest["srs"].get("spec"), self.manifest["logrows"])
        if srs.sha256 != self.manifest["srs"]["sha256"]:
            raise ArtifactError("the SRS available here is not the one these keys were made with", field="srs.sha256", value=srs.sha256)
        self.srs_path = srs.path
        inp = self.manifest["inputs"][0]
        self.batch_size: int = self.manifest["batchSize"]
        self.features: int = inp["shape"][1]
        self.input_scale: int = inp["scale"]
        self.output_scale: int = self.manifest["outputs"][0]["scale"]
        self.range_min: list[float] = inp["range"]["min"]
        self.range_max: list[float] = inp["range"]["max"]
        self._vka_words: list[str] | None = None

    def path(self, role: str) -> str:
        return str(self.dir / self.manifest["files"][role]["path"])

    # ---- input handling -------------------------------------------------------------------------

    def _check_rows(self, rows: Any, field: str) -> list[list[Any]]:
        if not isinstance(rows, list) or not rows:
            raise InvalidInputError(f"{field} must be a non-empty list of rows", field=field, value=type(rows).__name__)
        if len(rows) > self.batch_size:
            raise InvalidInputError(f"{len(rows)} rows exceed the batch size {self.batch_size}", field=field, value=len(rows))
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != self.features:
                got = len(row) if isinstance(row, list) else type(row).__name__
                raise InvalidInputError(f"{field}[{i}] must hold {self.features} values (got {got})", field=f"{field}[{i}]", value=got)
        return rows

    def _check_value(self, x: float, field: str, j: int) -> None:
        if not math.isfinite(x):
            raise InvalidInputError(f"{field} is not a finite number", field=field, value=str(x))
        if not self.range_min[j] <= x <= self.range_max[j]:
            raise InvalidInputError(
                f"{field} = {x} is outside the calibrated range [{self.range_min[j]}, {self.range_max[j]}]", field=field, value=x
            )

    def fixed_rows(self, inputs: list[list[float]] | None = None, inputs_fixed: list[list[Any]] | None = None) -> list[list[int]]:
        """Validated fixed-point rows (not yet padded)."""
        if (inputs is None) == (inputs_fixed is None):
            raise InvalidInputError("give exactly one of inputs (floats) and inputsFixed (fixed-point integers)", field="inputs")
        out: list[list[int]] = []
        if inputs is not None:
            rows = self._check_rows(inputs, "inputs")
            for i, row in enumerate(rows):
                fixed_row = []
                for j, x in enumerate(row):
                    if isinstance(x, bool) or not isinstance(x, int | float):
                        raise InvalidInputError(f"inputs[{i}][{j}] is not a number", field=f"inputs[{i}][{j}]", value=repr(x))
                    self._check_value(float(x), f"inputs[{i}][{j}]", j)
                    from .fixed_point import quantize

                    fixed_row.append(quantize(float(x), self.input_scale))
                out.append(fixed_row)
        else:
            rows = self._check_rows(inputs_fixed, "inputsFixed")
            for i, row in enumerate(rows):
                fixed_row = []
                for j, v in enumerate(row):
                    try:
                        iv = int(v) if isinstance(v, str | int) and not isinstance(v, bool) else None
                    except ValueError:
                        iv = None
                    if iv is None:
                        raise InvalidInputError(f"inputsFixed[{i}][{j}] is not an integer", field=f"inputsFixed[{i}][{j}]", value=repr(v))
                    self._check_value(dequantize(iv, self.input_scale), f"inputsFixed[{i}][{j}]", j)
                    fixed_row.append(iv)
                out.append(fixed_row)
        return out

    def pad(self, rows: list[list[int]]) -> list[list[int]]:
        return rows + [list(rows[-1]) for _ in range(self.batch_size - len(rows))]

    # ---- EZKL steps -----------------------------------------------------------------------------

    def witness(self, fixed: list[list[int]], workdir: Path) -> dict[str, Any]:
        import ezkl

        data = workdir / "input.json"
        # v / 2^scale is exact in f64 for |v| < 2^53, so EZKL re-quantises to the same integers.
        data.write_text(json.dumps({"input_data": [[dequantize(v, self.input_scale) for row in fixed for v in row]]}))
        try:
            # No vk/SRS: only polycommit visibility (never compiled here) commits inputs in the witness.
            return ezkl.gen_witness(data=str(data), model=self.path("compiledCircuit"), output=str(workdir / "witness.json"))
        except Exception as exc:
            raise EzklError(f"witness generation failed: {exc}", field="inputs") from exc

    def prove_witness(self, workdir: Path) -> dict[str, Any]:
        import ezkl

        try:
            ezkl.prove(witness=str(workdir / "witness.json"), model=self.path("compiledCircuit"), pk_path=self.path("provingKey"), proof_path=str(workdir / "proof.json"), srs_path=self.srs_path)
        except Exception as exc:
            raise EzklError(f"proof generation failed: {exc}", field="inputs") from exc
        return json.loads((workdir / "proof.json").read_text())

    def verify_file(self, proof_path: Path) -> bool:
        import ezkl

        try:
            return bool(ezkl.verify(proof_path=str(proof_path), settings_path=self.path("settings"), vk_path=self.path("verifyingKey"), srs_path=self.srs_path))
        except Exception:  # noqa: BLE001
            # EZKL raises on a proof that does not verify; either way the answer is "not valid".
            return False

    def verify(self, proof_hex: str, instances: list[str]) -> bool:
        """Verifies a proof given as the EVM would see it: proof bytes and big-endian instance words."""
        try:
            proof_bytes = bytes.fromhex(proof_hex.removeprefix("0x"))
            fields = [word_to_field(w) for w in instances]
        except ValueError:
            return False
        # The EVM verifiers reject a non-canonical instance (>= p); so does this.
        if any(not 0 <= f < FIELD_MODULUS for f in fields) or len(fields) != self.manifest["instances"]["count"]:
            return False
        doc = {
            "protocol": None,
            "instances": [[f.to_bytes(32, "little").hex() for f in fields]],
            "proof": list(proof_bytes),
            "hex_proof": "0x" + proof_bytes.hex(),
            "transcript_type": "EVM",
            "split": None,
            "pretty_public_inputs": None,
            "timestamp": None,
            "commitment": "KZG",
            "version": self.manifest["versions"]["ezkl"],
        }
        with tempfile.TemporaryDirectory(prefix="zkvin-verify-") as tmp:
            path = Path(tmp) / "proof.json"
            path.write_text(json.dumps(doc))
            return self.verify_file(path)

    def calldata(self, proof: str, instances: list[str], with_vka: bool) -> str | None:
        if with_vka:
            if "vka" not in self.manifest["files"]:
                return None
            if self._vka_words is None:
                self._vka_words = read_vka(self.path("vka"))
            return encode_verify_proof(proof, instances, self._vka_words)
        if "solidityVerifier" not in self.manifest["files"]:
            return None
        return encode_verify_proof(proof, instances)

    def prove(
        self,
        inputs: list[list[float]] | None = None,
        inputs_fixed: list[list[Any]] | None = None,
        verify: bool = False,
        progress: Progress | None = None,
    ) -> ProofResult:
        timings: dict[str, float] = {}
        fixed = self.fixed_rows(inputs, inputs_fixed)
        padded = self.pad(fixed)
        with tempfile.TemporaryDirectory(prefix="zkvin-prove-") as tmp:
            work = Path(tmp)
            if progress:
                progress("witness")
            t0 = time.perf_counter()
            witness = self.witness(padded, work)
            timings["witness"] = time.perf_counter() - t0
            if progress:
                progress("prove")
            t0 = time.perf_counter()
            proof_doc = self.prove_witness(work)
            timings["prove"] = time.perf_counter() - t0
            verified: bool | None = None
            if verify:
                if progress:
                    progress("verify")
                t0 = time.perf_counter()
                verified = self.verify_file(work / "proof.json")
                timings["verify"] = time.perf_counter() - t0
                if not verified:
                    raise EzklError("the proof just made does not verify", field="proof")
        instances = [field_to_word(le_hex_to_field(h)) for h in proof_doc["instances"][0]]
        t0 = time.perf_counter()
        calldata = self.calldata(proof_doc["hex_proof"], instances, with_vka=True)
        verifier_calldata = self.calldata(proof_doc["hex_proof"], instances, with_vka=False)
        timings["calldata"] = time.perf_counter() - t0
        outputs_fixed = self._decode_outputs(witness)
        return ProofResult(
            proof=proof_doc["hex_proof"],
            instances=instances,
            inputs_fixed=padded[: len(fixed)],
            outputs_fixed=outputs_fixed[: len(fixed)],
            outputs=[[dequantize(v, self.output_scale) for v in row] for row in outputs_fixed[: len(fixed)]],
            rows=len(fixed),
            padded_rows=len(padded) - len(fixed),
            calldata=calldata,
            verifier_calldata=verifier_calldata,
            verified=verified,
            timings={k: round(v, 6) for k, v in timings.items()},
        )

    def _decode_outputs(self, witness: dict[str, Any]) -> list[list[int]]:
        flat = [field_to_int(le_hex_to_field(h)) for h in witness["outputs"][0]]
        width = self.manifest["outputs"][0]["shape"][1]
        return [flat[i : i + width] for i in range(0, len(flat), width)]
