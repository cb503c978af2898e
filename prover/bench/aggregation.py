"""Proof aggregation with EZKL 22.3 (the last release with `aggregate`, `setup_aggregate` and
`create_evm_verifier_aggr`; 23.0 removed them), measured on this machine. Not part of any test.

Run it with an EZKL 22 virtual environment outside the clone (node scripts/setup.mjs --ezkl22 makes
~/.cache/zkvin/ezkl22):

  ~/.cache/zkvin/ezkl22/bin/python prover/bench/aggregation.py --counts 1,2 --logrows 22
  ~/.cache/zkvin/ezkl22/bin/python prover/bench/aggregation.py --mock --counts 1 --logrows 20   # fits?
  npx tsx prover/bench/aggregation-gas.ts        # verify gas of each aggregate verifier on anvil

What it does, for the paper's linear regression (prover/models/paper_linear_regression) as the inner
model (inner proofs and keys must come from EZKL 22 too: 22 and 23 artifacts differ):
  1. inner circuit: gen_settings (public input and output, fixed parameters), calibrate with the
     paper's scales [4, 7], compile;
  2. an SRS of 2^logrows (EZKL's gen_srs: a random secret, like the development SRS insecure; the inner
     circuit's keys come from the same file, downsized, as aggregation requires one secret);
  3. inner setup, then N proofs of different inputs in the "for-aggr" transcript (Poseidon);
  4. per N: setup_aggregate (aggregation keys), aggregate (EVM transcript), verify_aggr,
     create_evm_verifier_aggr, encode_evm_calldata.
With --mock, steps 2-4 become: a small SRS for the inner circuit only, and per N EZKL's mock_aggregate
(MockProver: does the aggregation circuit of N proofs fit in 2^logrows rows?), which needs no SRS of the
aggregation circuit's size.
Every step runs in its own process, watched: wall time, peak RSS (sampled, and the kernel's
ru_maxrss), killed after --timeout seconds or above --max-rss-gib. Results go to
prover/bench/aggregation-results.json (merged with what earlier runs measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROVER = HERE.parent
MODEL = PROVER / "models" / "paper_linear_regression"
RESULTS = HERE / "aggregation-results.json"


# ---- one EZKL call per process ------------------------------------------------------------------


def _call(fn: Any, **kwargs: Any) -> Any:
    res = fn(**kwargs)
    if asyncio.iscoroutine(res):
        res = asyncio.run(res)
    return res


def step(name: str, args: dict[str, Any]) -> Any:
    import ezkl

    if name == "inner-circuit":
        work = Path(args["work"])
        ra = ezkl.PyRunArgs()
        ra.input_visibility = "public"
        ra.output_visibility = "public"
        ra.param_visibility = "fixed"
        # Lookup-free range checks in 8-bit limbs, as the project compiles (2^9 rows instead of 2^15).
        ra.decomp_base = 256
        ra.decomp_legs = 8
        onnx_path = str(MODEL / "model.onnx")
        settings = str(work / "settings.json")
        rows = json.loads((MODEL / "calibration.json").read_text())["rows"]
        cal = work / "calibration.json"
        cal.write_text(json.dumps({"input_data": [[v for row in rows for v in row]]}))
        # The ONNX batch dimension is symbolic; EZKL 22 binds it through variables too.
        ra.variables = [("batch_size", 1)]
        assert _call(ezkl.gen_settings, model=onnx_path, output=settings, py_run_args=ra)
        scales = json.loads((MODEL / "compile.json").read_text())["scales"]
        assert _call(ezkl.calibrate_settings, data=str(cal), model=onnx_path, settings=settings, target="resources", scales=scales)
        assert _call(ezkl.compile_circuit, model=onnx_path, compiled_circuit=str(work / "model.compiled"), settings_path=settings)
        return json.loads(Path(settings).read_text())["run_args"]["logrows"]
    if name == "gen-srs":
        # Written beside and renamed when complete: a stopped run leaves no truncated SRS behind.
        part = args["srs"] + ".part"
        _call(ezkl.gen_srs, srs_path=part, logrows=args["logrows"])
        Path(part).replace(args["srs"])
        return Path(args["srs"]).stat().st_size
    if name == "inner-setup":
        work = Path(args["work"])
        assert _call(ezkl.setup, model=str(work / "model.compiled"), vk_path=str(work / "vk.key"), pk_path=str(work / "pk.key"), srs_path=args["srs"])
        return True
    if name == "inner-prove":
        work = Path(args["work"])
        rows = json.loads((MODEL / "samples.json").read_text())["inputs"]
        times = []
        for i in range(args["n"]):
            row = rows[i % len(rows)]
            # Different inputs for every proof: shift the row by a small step per proof.
            x = [v + 0.0625 * (i // len(rows)) for v in row]
            data = work / f"input{i}.json"
            data.write_text(json.dumps({"input_data": [x]}))
            _call(ezkl.gen_witness, data=str(data), model=str(work / "model.compiled"), output=str(work / f"witness{i}.json"))
            t0 = time.perf_counter()
            _call(
                ezkl.prove,
                witness=str(work / f"witness{i}.json"),
                model=str(work / "model.compiled"),
                pk_path=str(work / "pk.key"),
                proof_path=str(work / f"proof{i}.json"),
                proof_type="for-aggr",
                srs_path=args["srs"],
            )
            times.append(time.perf_counter() - t0)
            assert _call(ezkl.verify, proof_path=str(work / f"proof{i}.json"), settings_path=str(work / "settings.json"), vk_path=str(work / "vk.key"), srs_path=args["srs"])
        proof = json.loads((work / "proof0.json").read_text())
        return {"proveSeconds": times, "proofBytes": len(bytes(proof["proof"])) if isinstance(proof["proof"], list) else len(proof["hex_proof"]) // 2 - 1}
    if name == "mock-aggregate":
        # MockProver: no SRS and no keys, only whether the aggregation circuit fits in 2^logrows rows.
        return bool(_call(ezkl.mock_aggregate, aggregation_snarks=args["proofs"], logrows=args["logrows"], split_proofs=False))
    if name == "setup-aggregate":
        assert _call(
            ezkl.setup_aggregate,
            sample_snarks=args["proofs"],
            vk_path=args["vk"],
            pk_path=args["pk"],
            logrows=args["logrows"],
            split_proofs=False,
            srs_path=args["srs"],
            disable_selector_compression=False,
            commitment="kzg",
        )
        return {"pkBytes": Path(args["pk"]).stat().st_size, "vkBytes": Path(args["vk"]).stat().st_size}
    if name == "aggregate":
        assert _call(
            ezkl.aggregate,
            aggregation_snarks=args["proofs"],
            proof_path=args["proof"],
            vk_path=args["vk"],
            transcript="evm",
            logrows=args["logrows"],
            check_mode="unsafe",
            split_proofs=False,
            srs_path=args["srs"],
            commitment="kzg",
        )
        proof = json.loads(Path(args["proof"]).read_text())
        return {"proofBytes": len(proof["hex_proof"]) // 2 - 1 if proof.get("hex_proof") else len(proof["proof"]), "instances": len(proof["instances"][0])}
    if name == "verify-aggr":
        return bool(_call(ezkl.verify_aggr, proof_path=args["proof"], vk_path=args["vk"], logrows=args["logrows"], commitment="kzg", reduced_srs=False, srs_path=args["srs"]))
    if name == "evm-verifier-aggr":
        assert _call(
            ezkl.create_evm_verifier_aggr,
            aggregation_settings=args["settings"],
            vk_path=args["vk"],
            sol_code_path=args["sol"],
            abi_path=args["abi"],
            logrows=args["logrows"],
            srs_path=args["srs"],
            reusable=False,
        )
        calldata = _call(ezkl.encode_evm_calldata, proof=args["proof"], calldata=args["calldata"])
        return {"solBytes": Path(args["sol"]).stat().st_size, "calldataBytes": len(bytes(calldata))}
    raise SystemExit(f"unknown step {name}")


# ---- the watched runner -------------------------------------------------------------------------


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_step(name: str, args: dict[str, Any], timeout: float, max_rss_gib: float, log: Any) -> dict[str, Any]:
    out = Path(args.get("work", "/tmp")) / f".step-{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--step", name, "--args", json.dumps(args), "--step-out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak, killed = 0, None
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            break
        peak = max(peak, _rss_kib(proc.pid))
        elapsed = time.perf_counter() - t0
        if elapsed > timeout or peak > max_rss_gib * (1 << 20):
            killed = f"stopped after {elapsed:.0f} s" if elapsed > timeout else f"stopped at {peak / (1 << 20):.1f} GiB RSS"
            proc.send_signal(signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read() if proc.stderr else ""
    peak_mib = max(peak, usage.ru_maxrss) / 1024
    rec: dict[str, Any] = {"step": name, "seconds": round(wall, 2), "peakRssMiB": round(peak_mib, 1)}
    code = os.waitstatus_to_exitcode(status)
    if killed or code != 0 or not out.exists():
        last = [line.strip() for line in stderr.splitlines() if line.strip()][-2:]
        rec["error"] = killed or f"exit {code}: {' | '.join(last)[-600:]}"
    else:
        rec["result"] = json.loads(out.read_text())
        out.unlink()
    log(f"  {name}: {rec['seconds']} s, peak RSS {rec['peakRssMiB']} MiB" + (f", FAILED: {rec['error']}" if "error" in rec else ""))
    return rec


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--counts", default="1,2,4,8,16", help="numbers of inner proofs to aggregate")
    p.add_argument("--logrows", type=int, default=23, help="aggregation circuit size (2^logrows rows)")
    p.add_argument("--work", default=str(Path.home() / ".cache" / "zkvin" / "aggregation"))
    p.add_argument("--timeout", type=float, default=900, help="seconds per step before it is stopped")
    p.add_argument("--max-rss-gib", type=float, default=18)
    p.add_argument("--mock", action="store_true", help="only whether N proofs fit in 2^logrows rows (MockProver, no keys)")
    p.add_argument("--step")
    p.add_argument("--args")
    p.add_argument("--step-out")
    a = p.parse_args()
    if a.step:
        res = step(a.step, json.loads(a.args))
        Path(a.step_out).write_text(json.dumps(res))
        return

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    import importlib.metadata as md

    k = a.logrows
    work = Path(a.work) / (f"mock-k{k}" if a.mock else f"k{k}")
    work.mkdir(parents=True, exist_ok=True)
    srs = str(Path(a.work) / f"kzg{k}.srs")
    doc = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    run: dict[str, Any] = {
        "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "ezkl": md.version("ezkl"),
        "innerModel": "paper_linear_regression",
        "logrows": k,
        "machine": {"cpus": os.cpu_count(), "loadAverage": [round(x, 2) for x in os.getloadavg()]},
        "limits": {"stepTimeoutSeconds": a.timeout, "maxRssGiB": a.max_rss_gib},
        "steps": [],
        "aggregates": [],
    }
    doc["runs"].append(run)

    def save() -> None:
        RESULTS.write_text(json.dumps(doc, indent=2) + "\n")

    log(f"aggregation with EZKL {run['ezkl']}, 2^{k} rows, inner model paper_linear_regression")
    steps = run["steps"]
    counts = [int(c) for c in a.counts.split(",")]
    steps.append(run_step("inner-circuit", {"work": str(work)}, a.timeout, a.max_rss_gib, log))
    if "error" in steps[-1]:
        save()
        return
    run["innerLogrows"] = steps[-1]["result"]
    if a.mock:
        # The MockProver needs no SRS for the aggregation circuit: the inner circuit's size will do.
        srs = str(Path(a.work) / f"kzg{run['innerLogrows']}.srs")
        run["mode"] = "mock"
    inner: list[tuple[str, dict[str, Any]]] = []
    if not Path(srs).exists():
        inner.append(("gen-srs", {"work": str(work), "srs": srs, "logrows": k}))
    inner += [("inner-setup", {"work": str(work), "srs": srs}), ("inner-prove", {"work": str(work), "srs": srs, "n": max(counts)})]
    for name, args in inner:
        steps.append(run_step(name, args, a.timeout, a.max_rss_gib, log))
        save()
        if "error" in steps[-1]:
            Path(srs + ".part").unlink(missing_ok=True)
            log(f"stopped: {name} did not complete; wrote {RESULTS}")
            return
    if a.mock:
        for n in counts:
            log(f"mock aggregation of {n} proofs in 2^{k} rows")
            proofs = [str(work / f"proof{i}.json") for i in range(n)]
            rec = run_step("mock-aggregate", {"work": str(work), "proofs": proofs, "logrows": k}, a.timeout, a.max_rss_gib, log)
            run["aggregates"].append({"innerProofs": n, "steps": [rec]})
            save()
        return
    for n in counts:
        log(f"aggregating {n} proofs")
        d = work / f"n{n}"
        d.mkdir(exist_ok=True)
        proofs = [str(work / f"proof{i}.json") for i in range(n)]
        agg: dict[str, Any] = {"innerProofs": n, "steps": []}
        run["aggregates"].append(agg)
        common = {"work": str(d), "srs": srs, "logrows": k, "vk": str(d / "vk.key")}
        for name, extra in (
            ("setup-aggregate", {"proofs": proofs, "pk": str(d / "pk.key")}),
            ("aggregate", {"proofs": proofs, "proof": str(d / "proof.json")}),
            ("verify-aggr", {"proof": str(d / "proof.json")}),
            ("evm-verifier-aggr", {"settings": [str(work / "settings.json")] * n, "sol": str(d / "AggregateVerifier.sol"), "abi": str(d / "AggregateVerifier.abi.json"), "proof": str(d / "proof.json"), "calldata": str(d / "calldata.bin")}),
        ):
            agg["steps"].append(run_step(name, {**common, **extra}, a.timeout, a.max_rss_gib, log))
            save()
            if "error" in agg["steps"][-1]:
                break
        (d / "pk.key").unlink(missing_ok=True)  # GBs; the figures are kept
        if any("error" in s for s in agg["steps"]):
            break
    save()
    log(f"wrote {RESULTS}")
    shutil.rmtree(work / ".tmp", ignore_errors=True)


if __name__ == "__main__":
    main()
