"""Toolchain smoke test: EZKL's whole pipeline on the tiny committed linear-regression ONNX model,
called directly (no project code in the way): settings, calibrate, compile, dev SRS, setup,
witness, prove, verify; then the same proof with one output instance changed must be rejected."""

from __future__ import annotations

import json
from pathlib import Path

import ezkl

from conftest import MODELS


def test_ezkl_pipeline_accepts_proof_and_rejects_changed_output(tmp_path: Path) -> None:
    model = str(MODELS / "linear_regression" / "model.onnx")
    rows = json.loads((MODELS / "linear_regression" / "calibration.json").read_text())["rows"]
    sample = json.loads((MODELS / "linear_regression" / "samples.json").read_text())["inputs"][0]
    (tmp_path / "cal.json").write_text(json.dumps({"input_data": [[v for r in rows for v in r]]}))
    (tmp_path / "input.json").write_text(json.dumps({"input_data": [sample]}))
    p = {name: str(tmp_path / name) for name in ["settings.json", "model.compiled", "kzg.srs", "vk.key", "pk.key", "witness.json", "proof.json", "bad.json"]}

    args = ezkl.PyRunArgs()
    args.variables = [("batch_size", 1)]
    args.decomp_base, args.decomp_legs = 256, 8
    assert ezkl.gen_settings(model=model, output=p["settings.json"], py_run_args=args)
    assert ezkl.calibrate_settings(data=str(tmp_path / "cal.json"), model=model, settings=p["settings.json"], target="resources")
    settings = json.loads(Path(p["settings.json"]).read_text())
    assert settings["run_args"]["input_visibility"] == "Public"
    assert settings["run_args"]["param_visibility"] == "Fixed"
    assert ezkl.compile_circuit(model=model, compiled_circuit=p["model.compiled"], settings_path=p["settings.json"])
    ezkl.gen_srs(p["kzg.srs"], settings["run_args"]["logrows"])
    assert Path(p["kzg.srs"]).stat().st_size == 4 + 2 * 64 * (1 << settings["run_args"]["logrows"]) + 256
    assert ezkl.setup(model=p["model.compiled"], vk_path=p["vk.key"], pk_path=p["pk.key"], srs_path=p["kzg.srs"])
    witness = ezkl.gen_witness(data=str(tmp_path / "input.json"), model=p["model.compiled"], output=p["witness.json"])
    assert len(witness["inputs"][0]) == 4
    assert len(witness["outputs"][0]) == 1
    proof = ezkl.prove(witness=p["witness.json"], model=p["model.compiled"], pk_path=p["pk.key"], proof_path=p["proof.json"], srs_path=p["kzg.srs"])
    assert proof["instances"][0] == witness["inputs"][0] + witness["outputs"][0]
    assert ezkl.verify(proof_path=p["proof.json"], settings_path=p["settings.json"], vk_path=p["vk.key"], srs_path=p["kzg.srs"]) is True

    doc = json.loads(Path(p["proof.json"]).read_text())
    out = bytearray(bytes.fromhex(doc["instances"][0][-1]))
    out[0] ^= 1  # the output's lowest bit (felts are little-endian)
    doc["instances"][0][-1] = out.hex()
    Path(p["bad.json"]).write_text(json.dumps(doc))
    try:
        accepted = ezkl.verify(proof_path=p["bad.json"], settings_path=p["settings.json"], vk_path=p["vk.key"], srs_path=p["kzg.srs"])
    except Exception:  # noqa: BLE001 - EZKL may raise on a bad proof instead of returning False
        accepted = False
    assert accepted is False
