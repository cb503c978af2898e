"""Bad input gives a typed error naming the field, before anything reaches EZKL; corrupt or
mismatched artifacts and a wrong production SRS are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import MODELS
from zkvin_prover.compile import CompileOptions, check_artifacts, compile_model
from zkvin_prover.errors import ArtifactError, InvalidInputError, SrsError
from zkvin_prover.prove import Prover
from zkvin_prover.srs import production_srs, resolve_srs, sha256_file

SAMPLE = json.loads((MODELS / "linear_regression" / "samples.json").read_text())["inputs"][0]


@pytest.fixture(scope="module")
def prover(compiled) -> Prover:
    return Prover(compiled("linear_regression", batch_size=4))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"inputs": [SAMPLE[:3]]}, "inputs[0]"),
        ({"inputs": [SAMPLE] * 5}, "inputs"),
        ({"inputs": []}, "inputs"),
        ({"inputs": [[*SAMPLE[:2], float("nan"), SAMPLE[3]]]}, "inputs[0][2]"),
        ({"inputs": [[*SAMPLE[:3], float("inf")]]}, "inputs[0][3]"),
        ({"inputs": [[SAMPLE[0], 42.0, *SAMPLE[2:]]]}, "inputs[0][1]"),
        ({"inputs": [[SAMPLE[0], "1", *SAMPLE[2:]]]}, "inputs[0][1]"),
        ({"inputsFixed": [[1, 2, 3, "x"]]}, "inputsFixed[0][3]"),
        ({"inputsFixed": [[1, 2, 3, 10**12]]}, "inputsFixed[0][3]"),
        ({}, "inputs"),
        ({"inputs": [SAMPLE], "inputsFixed": [[1, 2, 3, 4]]}, "inputs"),
    ],
)
def test_bad_inputs_name_the_field(prover: Prover, kwargs: dict, field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        prover.fixed_rows(kwargs.get("inputs"), kwargs.get("inputsFixed"))
    assert err.value.field == field
    assert err.value.to_dict()["code"] == "INVALID_INPUT"


def test_fixed_point_inputs_prove_the_same_values(prover: Prover) -> None:
    floats = prover.prove(inputs=[SAMPLE])
    fixed = prover.prove(inputs_fixed=[[str(v) for v in floats.inputs_fixed[0]]])
    assert fixed.instances == floats.instances


def test_corrupt_artifact_is_refused(compiled, tmp_path: Path) -> None:
    src = compiled("linear_regression", batch_size=4)
    copy = tmp_path / src.name
    shutil.copytree(src, copy)
    check_artifacts(copy)
    with (copy / "pk.key").open("r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ArtifactError) as err:
        Prover(copy)
    assert err.value.field == "files.provingKey"


def test_mismatched_artifacts_are_refused(compiled, tmp_path: Path) -> None:
    a, b = compiled("linear_regression", batch_size=4), compiled("mlp")
    mixed = tmp_path / a.name
    shutil.copytree(a, mixed)
    shutil.copyfile(b / "vk.key", mixed / "vk.key")
    with pytest.raises(ArtifactError) as err:
        check_artifacts(mixed)
    assert err.value.field == "files.verifyingKey"
    renamed = tmp_path / "not-the-id"
    shutil.copytree(a, renamed)
    with pytest.raises(ArtifactError) as err:
        check_artifacts(renamed)
    assert err.value.field == "artifactId"


def test_production_srs_needs_matching_hash(tmp_path: Path) -> None:
    dev = resolve_srs(None, 9)
    info = production_srs(dev.path, dev.sha256)
    assert info.kind == "production"
    assert not info.insecure
    assert info.logrows == dev.logrows
    with pytest.raises(SrsError) as err:
        production_srs(dev.path, "00" * 32)
    assert err.value.field == "srs.sha256"
    with pytest.raises(SrsError):
        production_srs(tmp_path / "missing.srs", "00" * 32)
    assert sha256_file(Path(dev.path)) == dev.sha256


def test_bad_compile_options_are_refused(tmp_path: Path) -> None:
    rows = np.zeros((4, 4))
    onnx_path = MODELS / "linear_regression" / "model.onnx"
    with pytest.raises(InvalidInputError) as err:
        compile_model(onnx_path, rows, CompileOptions(name="lr", input_visibility="private"), tmp_path)
    assert err.value.field == "inputVisibility"
    with pytest.raises(InvalidInputError) as err:
        compile_model(onnx_path, np.zeros((4, 3)), CompileOptions(name="lr"), tmp_path)
    assert err.value.field == "calibration"
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(InvalidInputError) as err:
        compile_model(bad, rows, CompileOptions(name="lr"), tmp_path)
    assert err.value.field == "onnx"
    with pytest.raises(InvalidInputError) as err:
        compile_model(onnx_path, rows, CompileOptions(name="bad name!"), tmp_path)
    assert err.value.field == "name"
    for scales in ((), (4, 21), (-1,)):
        with pytest.raises(InvalidInputError) as err:
            compile_model(onnx_path, rows, CompileOptions(name="lr", scales=scales), tmp_path)
        assert err.value.field == "scales"
        assert err.value.value == list(scales)


def test_scales_are_part_of_the_artifact_id_only_when_given() -> None:
    from zkvin_prover.cli import _scales

    assert _scales("4,7") == (4, 7)
    assert _scales(None) is None
    with pytest.raises(InvalidInputError):
        _scales("4,x")
    # Without scales the options (and so every existing artifact id) are as before.
    assert "scales" not in CompileOptions(name="lr").key()
    assert CompileOptions(name="lr", scales=(4, 7)).key()["scales"] == [4, 7]


def test_compiling_twice_reuses_the_artifact(compiled, store: Path) -> None:
    first = compiled("linear_regression", batch_size=4)
    mtime = (first / "pk.key").stat().st_mtime_ns
    again = compile_model(
        MODELS / "linear_regression" / "model.onnx",
        np.asarray(json.loads((MODELS / "linear_regression" / "calibration.json").read_text())["rows"]),
        CompileOptions(name="linear_regression", batch_size=4, solidity_verifier=False),
        store,
    )
    assert again == first
    assert (again / "pk.key").stat().st_mtime_ns == mtime


def test_production_srs_compiles_proves_and_is_not_marked_insecure(tmp_path: Path) -> None:
    import ezkl

    # A stand-in ceremony file (random secret, generated here) of the circuit's size.
    srs_file = tmp_path / "ceremony-k9.srs"
    ezkl.gen_srs(str(srs_file), 9)
    spec = {"kind": "production", "path": str(srs_file), "sha256": sha256_file(srs_file)}
    rows = np.asarray(json.loads((MODELS / "linear_regression" / "calibration.json").read_text())["rows"])
    art = compile_model(MODELS / "linear_regression" / "model.onnx", rows, CompileOptions(name="lr_prod", srs=spec, solidity_verifier=False), tmp_path / "store")
    prover = Prover(art)
    assert prover.manifest["srs"]["kind"] == "production"
    assert prover.manifest["srs"]["insecure"] is False
    assert "warnings" not in prover.manifest
    result = prover.prove(inputs=[SAMPLE], verify=True)
    assert result.verified is True
    with pytest.raises(SrsError) as err:
        compile_model(MODELS / "linear_regression" / "model.onnx", rows, CompileOptions(name="lr_prod", srs={**spec, "sha256": "ab" * 32}), tmp_path / "store")
    assert err.value.field == "srs.sha256"
