"""Shared pytest fixtures. Compiled artifacts go to the content-addressed store outside the clone
(ZKVIN_ARTIFACT_STORE or ~/.cache/zk-vin/artifacts), so a rerun finds them and only proves."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
warnings.filterwarnings("ignore", category=FutureWarning)

from zkvin_prover.cli import default_store  # noqa: E402
from zkvin_prover.compile import CompileOptions, compile_model  # noqa: E402
from zkvin_prover.models_dir import load_calibration, load_compile_settings  # noqa: E402

PROVER_ROOT = HERE.parent.parent
MODELS = PROVER_ROOT / "models"
FIXTURES = PROVER_ROOT / "fixtures"
PAPER_MODELS = ["paper_linear_regression", "paper_random_forest", "paper_svm_classification", "paper_tree_ensemble_regression"]
BENCHMARK_MODELS = ["linear_regression", "random_forest", "svm_classification", "tree_ensemble_regression", "mlp", *PAPER_MODELS]
# Compiled and proven in the tests: all but the paper's 100-tree forest (minutes and GiBs to compile;
# the benchmark proves it, prover/README.md has its figures).
PROVEN_MODELS = [m for m in BENCHMARK_MODELS if m != "paper_random_forest"]


@pytest.fixture(scope="session")
def store() -> Path:
    return default_store()


@pytest.fixture(scope="session")
def compiled(store: Path):
    """compiled(name, batch_size=1, **options) -> artifact dir, memoised for the session. The model's
    compile.json (calibration scales) applies unless options say otherwise."""
    cache: dict[tuple, Path] = {}

    def get(name: str, batch_size: int = 1, **options: object) -> Path:
        settings = load_compile_settings(MODELS / name)
        if "scales" in settings and "scales" not in options:
            options = {**options, "scales": tuple(settings["scales"])}
        key = (name, batch_size, tuple(sorted(options.items())))
        if key not in cache:
            opts = CompileOptions(name=name, batch_size=batch_size, solidity_verifier=False, **options)  # type: ignore[arg-type]
            cache[key] = compile_model(MODELS / name / "model.onnx", load_calibration(MODELS / name), opts, store)
        return cache[key]

    return get
