"""Every benchmark model (the paper's four included): the committed ONNX is what the build script
makes, the graph answers what scikit-learn answers, and a real EZKL proof of its sample inputs
verifies, carries the circuit's outputs, and fails once any input or output instance is changed. The
paper's 100-tree forest is compiled and proven by the benchmark only (minutes to calibrate here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import BENCHMARK_MODELS, MODELS, PROVEN_MODELS
from zkvin_prover import benchmark_models
from zkvin_prover.models_dir import load_compile_settings, write_model
from zkvin_prover.prove import Prover


@pytest.mark.parametrize("name", BENCHMARK_MODELS)
def test_committed_model_is_reproducible(name: str, tmp_path: Path) -> None:
    d = write_model(benchmark_models.build(name), tmp_path)
    assert sorted(p.name for p in d.iterdir()) == sorted(p.name for p in (MODELS / name).iterdir())
    for f in sorted(p.name for p in d.iterdir()):
        assert (d / f).read_bytes() == (MODELS / name / f).read_bytes(), f"{name}/{f} differs from a fresh build"


@pytest.mark.parametrize("name", BENCHMARK_MODELS)
def test_onnx_graph_matches_scikit_learn(name: str) -> None:
    samples = json.loads((MODELS / name / "samples.json").read_text())
    assert np.allclose(samples["onnxOutputs"], samples["reference"], atol=1e-5)


def _tweak(word: str) -> str:
    return "0x%064x" % (int(word, 16) ^ 1)


@pytest.mark.parametrize("name", PROVEN_MODELS)
def test_proof_verifies_and_binds_input_and_output(name: str, compiled) -> None:
    prover = Prover(compiled(name))
    samples = json.loads((MODELS / name / "samples.json").read_text())
    # The paper's models calibrate with its scales: the chosen input scale is one of them.
    scales = load_compile_settings(MODELS / name).get("scales")
    if scales is not None:
        assert prover.manifest["compile"]["scales"] == scales
        assert prover.manifest["inputs"][0]["scale"] in scales
    result = prover.prove(inputs=samples["inputs"][:1], verify=True)
    assert result.verified is True
    assert prover.verify(result.proof, result.instances) is True

    # Outputs of the circuit are the model's, up to fixed-point rounding.
    tolerance = {"mlp": 0.02}.get(name, 5e-3)
    assert np.allclose(result.outputs[0], samples["onnxOutputs"][0], atol=tolerance), (result.outputs[0], samples["onnxOutputs"][0])

    layout = {e["kind"]: e for e in prover.manifest["instances"]["layout"]}
    first_input, first_output = layout["input"]["offset"], layout["output"]["offset"]
    for index in (first_input, first_output):
        tampered = list(result.instances)
        tampered[index] = _tweak(tampered[index])
        assert prover.verify(result.proof, tampered) is False, f"{name}: changed instance {index} still verifies"
    # The same value plus the field modulus is not a canonical instance: refused, as on chain.
    from zkvin_prover.fixed_point import FIELD_MODULUS

    aliased = list(result.instances)
    aliased[first_output] = "0x%064x" % (int(aliased[first_output], 16) + FIELD_MODULUS)
    assert prover.verify(result.proof, aliased) is False
    assert prover.verify(result.proof, result.instances[:-1]) is False
