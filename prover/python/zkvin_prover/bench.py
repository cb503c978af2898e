"""Bare EZKL timings for the benchmark: the same artifact files, SRS and input the service uses,
called directly (gen_witness + prove from files, then verify). `bare_ezkl` runs in a fresh process
per model so its peak RSS is that model's; the worker's "bare" op runs `bare_once` between service
jobs, so both are measured under the same machine load."""

from __future__ import annotations

import json
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .device import ezkl_build, select_device
from .fixed_point import dequantize
from .prove import Prover


def bare_once(prover: Prover, inputs_fixed: list[list[Any]], verify: bool = True) -> dict[str, Any]:
    import ezkl

    rows = prover.pad([[int(v) for v in row] for row in inputs_fixed])
    with tempfile.TemporaryDirectory(prefix="zkvin-bench-") as tmp:
        work = Path(tmp)
        data = work / "input.json"
        data.write_text(json.dumps({"input_data": [[dequantize(v, prover.input_scale) for row in rows for v in row]]}))
        t0 = time.perf_counter()
        ezkl.gen_witness(data=str(data), model=prover.path("compiledCircuit"), output=str(work / "w.json"))
        t1 = time.perf_counter()
        ezkl.prove(witness=str(work / "w.json"), model=prover.path("compiledCircuit"), pk_path=prover.path("provingKey"), proof_path=str(work / "p.json"), srs_path=prover.srs_path)
        t2 = time.perf_counter()
        ok = True
        if verify:
            ok = ezkl.verify(proof_path=str(work / "p.json"), settings_path=prover.path("settings"), vk_path=prover.path("verifyingKey"), srs_path=prover.srs_path)
        t3 = time.perf_counter()
        if not ok:
            raise RuntimeError("benchmark proof does not verify")
        proof_bytes = len(json.loads((work / "p.json").read_text())["hex_proof"]) // 2 - 1
    return {"witnessSeconds": t1 - t0, "proveSeconds": t2 - t1, "verifySeconds": t3 - t2 if verify else None, "proofBytes": proof_bytes}


def _rss_now_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bare_ezkl(artifact_dir: str, inputs_fixed: list[list[str]], repeat: int, device: str = "auto") -> dict[str, Any]:
    chosen = select_device(device)
    # The interpreter and the EZKL/onnx/numpy imports, before any artifact is loaded or proof made.
    baseline = _rss_now_mib()
    prover = Prover(artifact_dir)
    runs = [bare_once(prover, inputs_fixed) for _ in range(repeat)]
    return {
        "witnessSeconds": [r["witnessSeconds"] for r in runs],
        "proveSeconds": [r["proveSeconds"] for r in runs],
        "verifySeconds": [r["verifySeconds"] for r in runs],
        "witnessPlusProveMedianSeconds": statistics.median(r["witnessSeconds"] + r["proveSeconds"] for r in runs),
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "baselineRssMiB": baseline,
        "device": chosen.to_dict(),
        "ezkl": ezkl_build(),
        "proofBytes": runs[-1]["proofBytes"],
        "logrows": prover.manifest["logrows"],
        "batchSize": prover.batch_size,
    }
