"""Command line of the Python side. The TypeScript CLI and workers call it; people may too.

  python -m zkvin_prover compile --onnx M.onnx --calibration C.json --name N [--batch-size 4] ...
  python -m zkvin_prover worker [--device auto|cpu|gpu]
  python -m zkvin_prover build-models [--out prover/models]
  python -m zkvin_prover fixtures [--models ...] [--out prover/fixtures] [--contracts ...]
  python -m zkvin_prover srs [--path P --sha256 H]

`compile` prints one JSON line on stdout: {"artifactDir", "manifest"}; logs go to stderr.
Errors: exit status 2 and one JSON line {"error": {code, message, field, value}} on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from .errors import InvalidInputError, ProverError

HERE = Path(__file__).resolve().parent
PROVER_ROOT = HERE.parent.parent
REPO_ROOT = PROVER_ROOT.parent


def default_store() -> Path:
    from .srs import cache_dir

    return Path(os.environ.get("ZKVIN_ARTIFACT_STORE", str(cache_dir() / "artifacts")))


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _srs_spec(args: argparse.Namespace) -> dict[str, Any] | None:
    if args.srs_path or args.srs_sha256:
        if not (args.srs_path and args.srs_sha256):
            raise InvalidInputError("--srs-path and --srs-sha256 go together", field="srs")
        return {"kind": "production", "path": args.srs_path, "sha256": args.srs_sha256}
    return None


def _read_calibration(path: str) -> Any:
    import numpy as np

    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"cannot read calibration data {path}: {exc}", field="calibration", value=path) from exc
    rows = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise InvalidInputError('calibration file must be {"rows": [[...], ...]} or a list of rows', field="calibration", value=path)
    try:
        return np.asarray(rows, dtype=np.float64)
    except ValueError as exc:
        raise InvalidInputError(f"calibration rows are ragged or not numbers: {exc}", field="calibration", value=path) from exc


def _scales(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError as exc:
        raise InvalidInputError(f"--scales must be comma-separated integers, got {text!r}", field="scales", value=text) from exc


def cmd_compile(args: argparse.Namespace) -> dict[str, Any]:
    from .compile import CompileOptions, compile_model, load_manifest
    if not Path(args.onnx).is_file():
        raise InvalidInputError(f"ONNX file {args.onnx} does not exist", field="onnx", value=args.onnx)
    options = CompileOptions(
        name=args.name,
        batch_size=args.batch_size,
        input_visibility=args.input_visibility,
        output_visibility=args.output_visibility,
        decomp_base=args.decomp_base,
        decomp_legs=args.decomp_legs,
        range_margin=args.range_margin,
        reusable_vka=not args.no_vka,
        solidity_verifier=not args.no_verifier,
        contract_name=args.contract_name,
        srs=_srs_spec(args),
        scales=_scales(args.scales),
    )
    if options.srs is None:
        _log("WARNING: using the INSECURE development SRS (its secret is public); pass --srs-path/--srs-sha256 for production")
    art = compile_model(args.onnx, _read_calibration(args.calibration), options, args.store or default_store(), log=_log)
    return {"artifactDir": str(art), "manifest": load_manifest(art)}


def cmd_build_models(args: argparse.Namespace) -> dict[str, Any]:
    from .models_dir import write_all

    return {"models": [str(p) for p in write_all(Path(args.out))]}


def cmd_fixtures(args: argparse.Namespace) -> dict[str, Any]:
    from .fixtures import write_fixtures

    write_fixtures(Path(args.models), Path(args.out), Path(args.contracts), Path(args.store or default_store()), log=_log)
    return {"fixtures": args.out, "contracts": args.contracts}


def cmd_srs(args: argparse.Namespace) -> dict[str, Any]:
    from .srs import describe, g2_words, resolve_srs

    spec = _srs_spec(args)
    info = resolve_srs(spec, args.logrows)
    if info.insecure:
        _log("WARNING: development SRS: INSECURE, its secret is public and anyone can forge proofs")
    return {**describe(info), "points": g2_words(info.path)}


def cmd_bench(args: argparse.Namespace) -> dict[str, Any]:
    from .bench import bare_ezkl

    return bare_ezkl(args.artifact_dir, json.loads(args.inputs_fixed), args.repeat, args.device)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zkvin_prover")
    sub = parser.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("compile", help="ONNX + calibration -> artifacts directory")
    c.add_argument("--onnx", required=True)
    c.add_argument("--calibration", required=True, help='JSON {"rows": [[...], ...]}')
    c.add_argument("--name", required=True)
    c.add_argument("--batch-size", type=int, default=1)
    c.add_argument("--input-visibility", default="public", choices=["public", "hashed"])
    c.add_argument("--output-visibility", default="public", choices=["public", "hashed"])
    c.add_argument("--decomp-base", type=int, default=256)
    c.add_argument("--decomp-legs", type=int, default=8)
    c.add_argument("--range-margin", type=float, default=0.5)
    c.add_argument("--contract-name")
    c.add_argument("--scales", help="comma-separated input scales calibration chooses from (default: EZKL's search)")
    c.add_argument("--no-vka", action="store_true")
    c.add_argument("--no-verifier", action="store_true")
    c.add_argument("--store")
    for p in (c,):
        p.add_argument("--srs-path")
        p.add_argument("--srs-sha256")

    w = sub.add_parser("worker", help="long-lived proving process (JSON lines on stdin/stdout)")
    w.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"])

    b = sub.add_parser("build-models", help="fit and export the benchmark models")
    b.add_argument("--out", default=str(PROVER_ROOT / "models"))

    f = sub.add_parser("fixtures", help="write the hub's fixtures and generated verifiers")
    f.add_argument("--models", default=str(PROVER_ROOT / "models"))
    f.add_argument("--out", default=str(PROVER_ROOT / "fixtures"))
    f.add_argument("--contracts", default=str(REPO_ROOT / "contracts-evm" / "src" / "verifiers" / "ezkl" / "generated"))
    f.add_argument("--store")

    s = sub.add_parser("srs", help="show (and create) the SRS in use")
    s.add_argument("--srs-path")
    s.add_argument("--srs-sha256")
    s.add_argument("--logrows", type=int, default=9, help="size of the development SRS to show")

    bb = sub.add_parser("bench", help="bare EZKL witness/prove/verify timings for one artifact")
    bb.add_argument("--artifact-dir", required=True)
    bb.add_argument("--inputs-fixed", required=True, help="JSON rows of fixed-point integers (strings)")
    bb.add_argument("--repeat", type=int, default=5)
    bb.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"])

    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=FutureWarning)
    if args.cmd == "worker":
        from .worker import main as worker_main

        worker_main(args.device)
        return 0
    # EZKL's native code prints to fd 1; keep stdout for the one result line.
    result_fd = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(result_fd, "w")
    try:
        handler = {"compile": cmd_compile, "build-models": cmd_build_models, "fixtures": cmd_fixtures, "srs": cmd_srs, "bench": cmd_bench}[args.cmd]
        out.write(json.dumps(handler(args)) + "\n")
        return 0
    except ProverError as exc:
        out.write(json.dumps({"error": exc.to_dict()}) + "\n")
        _log(f"error: {exc}")
        return 2
    finally:
        out.flush()
