"""The committed benchmark models under prover/models/<name>/:

  model.onnx         the graph (batch dimension symbolic)
  calibration.json   {"rows": [[...], ...]} training rows EZKL calibrates on
  samples.json       {"inputs": rows, "reference": scikit-learn's answers, "onnxOutputs": onnxruntime's}
  compile.json       (only where the model asks for more than the defaults) {"scales": [...]}: the input
                     scales calibration chooses from
  README.md          (one file for all, written by hand)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx

from .benchmark_models import BenchmarkModel, build_all


def onnx_outputs(model: onnx.ModelProto, rows: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"input": rows.astype(np.float32)})[0], dtype=np.float64)


def _round(a: np.ndarray) -> list[list[float]]:
    # float32 graph outputs carry ~7 significant digits; 9 keep files stable across platforms.
    return [[float(f"{v:.9g}") for v in row] for row in np.asarray(a, dtype=np.float64)]


def write_model(m: BenchmarkModel, root: Path) -> Path:
    d = root / m.name
    d.mkdir(parents=True, exist_ok=True)
    (d / "model.onnx").write_bytes(m.onnx_model.SerializeToString())
    (d / "calibration.json").write_text(json.dumps({"rows": m.calibration.tolist()}, indent=1) + "\n")
    samples = {
        "description": m.description,
        "inputs": m.samples.tolist(),
        "reference": _round(m.reference),
        "onnxOutputs": _round(onnx_outputs(m.onnx_model, m.samples)),
    }
    (d / "samples.json").write_text(json.dumps(samples, indent=1) + "\n")
    if m.scales is not None:
        (d / "compile.json").write_text(json.dumps({"scales": list(m.scales)}) + "\n")
    return d


def write_all(root: Path) -> list[Path]:
    return [write_model(m, root) for m in build_all()]


def load_calibration(model_dir: Path) -> np.ndarray:
    return np.asarray(json.loads((model_dir / "calibration.json").read_text())["rows"], dtype=np.float64)


def load_samples(model_dir: Path) -> dict[str, list[list[float]]]:
    return json.loads((model_dir / "samples.json").read_text())


def load_compile_settings(model_dir: Path) -> dict[str, list[int]]:
    """The model's compile.json ({"scales": [...]}), or {} where it has none."""
    path = model_dir / "compile.json"
    return json.loads(path.read_text()) if path.is_file() else {}
