"""The benchmark models, fitted with fixed seeds on data that scikit-learn ships (no download) and
exported as ONNX graphs EZKL can prove (see onnx_graphs.py):

- the project's own four of the paper's kinds (linear regression, random forest, SVM classification,
  tree-ensemble regression) plus a small MLP, sized for quick proofs;
- `paper_*`: the four models of the paper's benchmark suite (zkonduit/zkml-framework-benchmarks) as that
  suite defines them: LinearRegression on X = [[1,1],[1,2],[2,2],[2,3]], y = x0 + 2*x1 + 3;
  RandomForestClassifier() with scikit-learn's defaults (100 trees, unlimited depth) on iris, converted
  tree by tree; SVC(kernel="linear") on 20 iris rows with labels -1/1; RandomForestRegressor(
  n_estimators=2, random_state=42) on 7 rows of 2 features, y = x0 + 2*x1 + 3. They calibrate with the
  suite's scales (`scales`: [4, 7], the SVM [1, 7]), written to the model's compile.json.

`build_all()` is deterministic: the same package versions give byte-identical ONNX files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnx
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC, LinearSVC

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
    # Input scales EZKL's calibration may choose from (None: its default search).
    scales: tuple[int, ...] | None = None


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


PAPER_SCALES = (4, 7)
# The suite's linear data: y = x0 + 2*x1 + 3.
PAPER_LINEAR_X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]], dtype=np.float64)
# Seven rows of two features for the tree-ensemble regression (the suite's size; rows chosen here).
PAPER_TREE_X = np.array([[1, 1], [1, 2], [2, 2], [2, 3], [3, 3], [3, 4], [4, 4]], dtype=np.float64)


def _paper_linear_target(x: np.ndarray) -> np.ndarray:
    return x @ np.array([1.0, 2.0]) + 3.0


def paper_linear_regression() -> BenchmarkModel:
    x = PAPER_LINEAR_X
    est = LinearRegression().fit(x, _paper_linear_target(x))
    graph = onnx_graphs.linear_graph("paper_linear_regression", est.coef_.reshape(-1, 1), np.array([est.intercept_]))
    return BenchmarkModel(
        name="paper_linear_regression",
        description="The paper's linear regression: LinearRegression on [[1,1],[1,2],[2,2],[2,3]], y = x0 + 2*x1 + 3",
        onnx_model=graph,
        calibration=x.copy(),
        samples=x.copy(),
        reference=est.predict(x).reshape(-1, 1),
        scales=PAPER_SCALES,
    )


def paper_random_forest(n_estimators: int = 100, max_depth: int | None = None) -> BenchmarkModel:
    """scikit-learn's default RandomForestClassifier (100 trees, unlimited depth) on iris, one GEMM chain
    per tree; the arguments make the smaller forests the README's memory measurements compare."""
    x, y = load_iris(return_X_y=True)
    x_train, x_test, y_train, _ = _split(x, y)
    est = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=SEED).fit(x_train, y_train)
    n_trees = len(est.estimators_)

    def leaf_probabilities(tree: object, leaves: list[int]) -> np.ndarray:
        counts = tree.tree_.value[leaves, 0, :]  # type: ignore[attr-defined]
        return counts / counts.sum(axis=1, keepdims=True) / n_trees

    name = "paper_random_forest" if (n_estimators, max_depth) == (100, None) else f"paper_random_forest_t{n_estimators}_d{max_depth or 'max'}"
    graph = onnx_graphs.per_tree_ensemble_graph(name, est.estimators_, 4, leaf_probabilities, np.zeros(3))
    samples = _rows(x_test, SAMPLE_ROWS)
    depth = "unlimited depth" if max_depth is None else f"depth {max_depth}"
    return BenchmarkModel(
        name=name,
        description=f"The paper's random forest: RandomForestClassifier({n_estimators} trees, {depth}) on iris, tree by tree; outputs the 3 class probabilities",
        onnx_model=graph,
        calibration=_rows(x_train, CALIBRATION_ROWS),
        samples=samples,
        reference=est.predict_proba(samples),
        scales=PAPER_SCALES,
    )


def paper_svm_classification() -> BenchmarkModel:
    # 20 iris rows, 4 features: the first ten setosa (-1) and the first ten versicolor (+1).
    x_all, y_all = load_iris(return_X_y=True)
    x = np.vstack([x_all[:10], x_all[50:60]])
    y = np.where(np.concatenate([y_all[:10], y_all[50:60]]) == 0, -1, 1)
    est = SVC(kernel="linear").fit(x, y)
    graph = onnx_graphs.svc_linear_graph(
        "paper_svm_classification", est.support_vectors_, est.dual_coef_[0], float(est.intercept_[0]), (float(est.classes_[0]), float(est.classes_[1]))
    )
    samples = x[[0, 5, 10, 15]]
    return BenchmarkModel(
        name="paper_svm_classification",
        description="The paper's SVM: SVC(kernel='linear') on 20 iris rows (10 setosa = -1, 10 versicolor = 1), from its support vectors",
        onnx_model=graph,
        calibration=x.copy(),
        samples=samples,
        reference=est.predict(samples).reshape(-1, 1).astype(np.float64),
        scales=(1, 7),
    )


def paper_tree_ensemble_regression() -> BenchmarkModel:
    x = PAPER_TREE_X
    est = RandomForestRegressor(n_estimators=2, random_state=42).fit(x, _paper_linear_target(x))
    n_trees = len(est.estimators_)

    def leaf_values(tree: object, leaves: list[int]) -> np.ndarray:
        return tree.tree_.value[leaves, 0, :] / n_trees  # type: ignore[attr-defined]

    graph = onnx_graphs.per_tree_ensemble_graph("paper_tree_ensemble_regression", est.estimators_, 2, leaf_values, np.zeros(1))
    samples = x[[0, 2, 4, 6]]
    return BenchmarkModel(
        name="paper_tree_ensemble_regression",
        description="The paper's tree-ensemble regression: RandomForestRegressor(n_estimators=2, random_state=42) on 7 rows, y = x0 + 2*x1 + 3",
        onnx_model=graph,
        calibration=x.copy(),
        samples=samples,
        reference=est.predict(samples).reshape(-1, 1),
        scales=PAPER_SCALES,
    )


BUILDERS: dict[str, Callable[[], BenchmarkModel]] = {
    "linear_regression": linear_regression,
    "random_forest": random_forest,
    "svm_classification": svm_classification,
    "tree_ensemble_regression": tree_ensemble_regression,
    "mlp": mlp,
    "paper_linear_regression": paper_linear_regression,
    "paper_random_forest": paper_random_forest,
    "paper_svm_classification": paper_svm_classification,
    "paper_tree_ensemble_regression": paper_tree_ensemble_regression,
}
PAPER_MODELS = [n for n in BUILDERS if n.startswith("paper_")]


def build(name: str) -> BenchmarkModel:
    if name not in BUILDERS:
        raise KeyError(f"unknown benchmark model {name!r}; known: {', '.join(BUILDERS)}")
    return BUILDERS[name]()


def build_all() -> list[BenchmarkModel]:
    return [builder() for builder in BUILDERS.values()]
