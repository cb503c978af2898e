"""The benchmark models: the paper's four (linear regression, random forest, SVM classification,
tree-ensemble regression) plus a small MLP, fitted with fixed seeds on data sets that scikit-learn
ships (no download), exported as ONNX graphs EZKL can prove (see onnx_graphs.py).

`build_all()` is deterministic: the same package versions give byte-identical ONNX files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnx
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from . import onnx_graphs

SEED = 7
CALIBRATION_ROWS = 32
SAMPLE_ROWS = 4


@dataclass(frozen=True)
class BenchmarkModel:
    """A fitted model in ONNX form with the data that goes with it.

    calibration: rows [CALIBRATION_ROWS, features] EZKL calibrates scales on (training data).
    samples: held-out rows [SAMPLE_ROWS, features]; reference: what scikit-learn itself answers for
    them, in the graph's output layout (so the ONNX graph can be checked against its source).
    """

    name: str
    description: str
    onnx_model: onnx.ModelProto
    calibration: np.ndarray
    samples: np.ndarray
    reference: np.ndarray


def _split(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return train_test_split(x, y, test_size=0.25, random_state=SEED)


def _diabetes() -> tuple[np.ndarray, np.ndarray]:
    # Targets in hundreds keep fixed-point outputs small (the raw target runs to 346).
    x, y = load_diabetes(return_X_y=True)
    return x[:, :4], y / 100.0


def _standardised_iris() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = load_iris(return_X_y=True)
    return x, y, x.mean(axis=0), x.std(axis=0)


def _rows(x: np.ndarray, n: int) -> np.ndarray:
    return np.asarray(x[:n], dtype=np.float64)


def linear_regression() -> BenchmarkModel:
    x, y = _diabetes()
    x_train, x_test, y_train, _ = _split(x, y)
    est = LinearRegression().fit(x_train, y_train)
    graph = onnx_graphs.linear_graph("linear_regression", est.coef_.reshape(-1, 1), np.array([est.intercept_]))
    samples = _rows(x_test, SAMPLE_ROWS)
    return BenchmarkModel(
        name="linear_regression",
        description="Linear regression on 4 features of scikit-learn's diabetes data (target / 100)",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=est.predict(samples).reshape(-1, 1),
    )


def random_forest() -> BenchmarkModel:
    x, y = load_iris(return_X_y=True)
    x_train, x_test, y_train, _ = _split(x, y)
    est = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=SEED).fit(x_train, y_train)
    n_trees = len(est.estimators_)

    def leaf_probabilities(tree: object, leaves: list[int]) -> np.ndarray:
        counts = tree.tree_.value[leaves, 0, :]  # type: ignore[attr-defined]
        return counts / counts.sum(axis=1, keepdims=True) / n_trees

    graph = onnx_graphs.tree_ensemble_graph("random_forest", est.estimators_, 4, leaf_probabilities, np.zeros(3))
    samples = _rows(x_test, SAMPLE_ROWS)
    return BenchmarkModel(
        name="random_forest",
        description="Random forest classifier (5 trees, depth 3) on iris; outputs the 3 class probabilities",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=est.predict_proba(samples),
    )


def svm_classification() -> BenchmarkModel:
    x, y, mean, std = _standardised_iris()
    keep = y > 0  # versicolor (1) against virginica (2): not linearly separable, so a real classifier
    x, y = x[keep], (y[keep] == 2).astype(int)
    x_train, x_test, y_train, _ = _split(x, y)
    est = LinearSVC(C=1.0, random_state=SEED).fit((x_train - mean) / std, y_train)
    # Standardisation folded into the weights: w.(x - m)/s + b = (w/s).x + (b - w.m/s).
    w = est.coef_[0] / std
    b = float(est.intercept_[0] - np.dot(est.coef_[0], mean / std))
    graph = onnx_graphs.linear_classifier_graph("svm_classification", w, b)
    samples = _rows(x_test, SAMPLE_ROWS)
    return BenchmarkModel(
        name="svm_classification",
        description="Linear SVM: iris versicolor (0) against virginica (1), standardisation folded in",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=est.predict((samples - mean) / std).reshape(-1, 1).astype(np.float64),
    )


def tree_ensemble_regression() -> BenchmarkModel:
    x, y = _diabetes()
    x_train, x_test, y_train, _ = _split(x, y)
    est = GradientBoostingRegressor(n_estimators=8, max_depth=2, learning_rate=0.3, random_state=SEED)
    est.fit(x_train, y_train)
    rate = est.learning_rate

    def leaf_values(tree: object, leaves: list[int]) -> np.ndarray:
        return tree.tree_.value[leaves, 0, :] * rate  # type: ignore[attr-defined]

    trees = [stage[0] for stage in est.estimators_]
    init = float(np.asarray(est.init_.constant_).reshape(-1)[0])
    graph = onnx_graphs.tree_ensemble_graph("tree_ensemble_regression", trees, 4, leaf_values, np.array([init]))
    samples = _rows(x_test, SAMPLE_ROWS)
    return BenchmarkModel(
        name="tree_ensemble_regression",
        description="Gradient-boosted regression trees (8 trees, depth 2) on the diabetes features (target / 100)",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=est.predict(samples).reshape(-1, 1),
    )


def mlp() -> BenchmarkModel:
    x, y, mean, std = _standardised_iris()
    x_train, x_test, y_train, _ = _split(x, y)
    est = MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=2000, random_state=SEED).fit((x_train - mean) / std, y_train)
    w0 = est.coefs_[0] / std[:, None]
    b0 = est.intercepts_[0] - (mean / std) @ est.coefs_[0]
    layers = [(w0, b0), *zip(est.coefs_[1:], est.intercepts_[1:], strict=True)]
    graph = onnx_graphs.mlp_graph("mlp", layers)
    samples = _rows(x_test, SAMPLE_ROWS)
    hidden = (samples - mean) / std
    for w, b in zip(est.coefs_[:-1], est.intercepts_[:-1], strict=True):
        hidden = np.maximum(hidden @ w + b, 0.0)
    logits = hidden @ est.coefs_[-1] + est.intercepts_[-1]
    return BenchmarkModel(
        name="mlp",
        description="MLP 4-8-8-3 with ReLU on iris; outputs the 3 class logits (argmax = predicted class)",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=logits,
    )


BUILDERS: dict[str, Callable[[], BenchmarkModel]] = {
    "linear_regression": linear_regression,
    "random_forest": random_forest,
    "svm_classification": svm_classification,
    "tree_ensemble_regression": tree_ensemble_regression,
    "mlp": mlp,
}


def build(name: str) -> BenchmarkModel:
    if name not in BUILDERS:
        raise KeyError(f"unknown benchmark model {name!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[name]()


def build_all() -> list[BenchmarkModel]:
    return [builder() for builder in BUILDERS.values()]
