"""ONNX graphs built with onnx.helper from fitted scikit-learn estimators, using only ops EZKL turns
into circuits (MatMul, Gemm, Add, Relu, LessOrEqual, Equal, Where, Greater).

Every graph takes one float tensor `input` of shape [batch_size, features] and returns one float
tensor `output` of shape [batch_size, outputs]. `batch_size` is a symbolic dimension: EZKL binds it
through its `variables` run argument, so one ONNX file compiles to circuits of any batch size.

Trees follow the GEMM strategy (as in Hummingbird): for a tree with internal nodes I and leaves L,
  cmp  = (x @ A) <= B            A: [F, I] picks each node's feature, B: [I] its threshold
  path = cmp @ C                 C: [I, L] +1 where the leaf lies left of the node, -1 right, 0 not below
  leaf = path == D               D: [L] the number of left turns on the way to the leaf (one-hot row)
  out  = leaf @ E                E: [L, outputs] the leaf values
A forest stacks its trees along I and L (C block-diagonal). Booleans become 0/1 through
`Where(cond, 1, 0)` rather than `Cast`: EZKL 23 mis-tracks the fixed-point scale of a Cast from bool
(the output is reported at twice the scale it has), which Where does not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx import numpy_helper as nh

OPSET = 17
IR_VERSION = 8
BATCH_DIM = "batch_size"


def _const(value: np.ndarray | float, name: str) -> onnx.TensorProto:
    return nh.from_array(np.asarray(value, dtype=np.float32), name)


def _model(name: str, nodes: list[onnx.NodeProto], inits: list[onnx.TensorProto], n_in: int, n_out: int) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [BATCH_DIM, n_in])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [BATCH_DIM, n_out])
    graph = helper.make_graph(nodes, name, [x], [y], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="zk-vin")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def linear_graph(name: str, weights: np.ndarray, bias: np.ndarray) -> onnx.ModelProto:
    """y = x @ weights + bias; weights [F, O], bias [O]."""
    nodes = [helper.make_node("Gemm", ["input", "W", "b"], ["output"])]
    return _model(name, nodes, [_const(weights, "W"), _const(bias, "b")], weights.shape[0], weights.shape[1])


def linear_classifier_graph(name: str, weights: np.ndarray, bias: float) -> onnx.ModelProto:
    """Binary linear classifier: label = 1 if x @ w + b > 0 else 0, as a float column."""
    nodes = [
        helper.make_node("Gemm", ["input", "W", "b"], ["decision"]),
        helper.make_node("Greater", ["decision", "zero"], ["positive"]),
        helper.make_node("Where", ["positive", "one", "zero"], ["output"]),
    ]
    inits = [
        _const(weights.reshape(-1, 1), "W"),
        _const(np.array([bias]), "b"),
        _const(np.array(0.0), "zero"),
        _const(np.array(1.0), "one"),
    ]
    return _model(name, nodes, inits, weights.shape[0], 1)


def mlp_graph(name: str, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> onnx.ModelProto:
    """Dense layers with ReLU between them (none after the last); each layer is (weights [in, out], bias [out])."""
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    current = "input"
    for i, (w, b) in enumerate(layers):
        last = i == len(layers) - 1
        out = "output" if last else f"h{i}"
        pre = out if last else f"z{i}"
        nodes.append(helper.make_node("Gemm", [current, f"W{i}", f"b{i}"], [pre]))
        inits += [_const(w, f"W{i}"), _const(b, f"b{i}")]
        if not last:
            nodes.append(helper.make_node("Relu", [pre], [out]))
        current = out
    return _model(name, nodes, inits, layers[0][0].shape[0], layers[-1][0].shape[1])


@dataclass(frozen=True)
class TreeMatrices:
    """One decision tree in GEMM form (see the module docstring)."""

    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    d: np.ndarray
    leaves: list[int]


def tree_matrices(tree: object, n_features: int) -> TreeMatrices:
    """Turns a fitted scikit-learn tree (an estimator with `tree_`) into its GEMM matrices."""
    t = tree.tree_  # type: ignore[attr-defined]
    internal = [i for i in range(t.node_count) if t.children_left[i] != -1]
    leaves = [i for i in range(t.node_count) if t.children_left[i] == -1]
    node_col = {n: k for k, n in enumerate(internal)}
    leaf_col = {n: k for k, n in enumerate(leaves)}
    a = np.zeros((n_features, len(internal)))
    b = np.zeros(len(internal))
    for n in internal:
        a[t.feature[n], node_col[n]] = 1.0
        b[node_col[n]] = t.threshold[n]
    c = np.zeros((len(internal), len(leaves)))
    d = np.zeros(len(leaves))
    stack: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if t.children_left[node] == -1:
            for parent, went_left in path:
                c[node_col[parent], leaf_col[node]] = 1.0 if went_left else -1.0
            d[leaf_col[node]] = sum(1 for _, went_left in path if went_left)
            continue
        stack.append((t.children_left[node], [*path, (node, True)]))
        stack.append((t.children_right[node], [*path, (node, False)]))
    return TreeMatrices(a=a, b=b, c=c, d=d, leaves=leaves)


def tree_ensemble_graph(
    name: str,
    trees: Sequence[object],
    n_features: int,
    leaf_values: Callable[[object, list[int]], np.ndarray],
    bias: np.ndarray,
) -> onnx.ModelProto:
    """Sum over trees of each tree's leaf value (leaf_values(tree, leaves) -> [L, outputs]) plus bias.

    Averaging (random forests) or learning-rate scaling (boosting) is folded into leaf_values."""
    mats = [tree_matrices(t, n_features) for t in trees]
    a = np.concatenate([m.a for m in mats], axis=1)
    b = np.concatenate([m.b for m in mats])
    d = np.concatenate([m.d for m in mats])
    e = np.concatenate([leaf_values(t, m.leaves) for t, m in zip(trees, mats, strict=True)], axis=0)
    c = np.zeros((a.shape[1], d.shape[0]))
    row = col = 0
    for m in mats:
        c[row : row + m.c.shape[0], col : col + m.c.shape[1]] = m.c
        row += m.c.shape[0]
        col += m.c.shape[1]
    nodes = [
        helper.make_node("MatMul", ["input", "A"], ["xa"]),
        helper.make_node("LessOrEqual", ["xa", "B"], ["go_left"]),
        helper.make_node("Where", ["go_left", "one", "zero"], ["go_left_f"]),
        helper.make_node("MatMul", ["go_left_f", "C"], ["path"]),
        helper.make_node("Equal", ["path", "D"], ["at_leaf"]),
        helper.make_node("Where", ["at_leaf", "one", "zero"], ["at_leaf_f"]),
        helper.make_node("MatMul", ["at_leaf_f", "E"], ["leaf_sum"]),
        helper.make_node("Add", ["leaf_sum", "bias"], ["output"]),
    ]
    inits = [
        _const(np.array(1.0), "one"),
        _const(np.array(0.0), "zero"),
        _const(a, "A"),
        _const(b, "B"),
        _const(c, "C"),
        _const(d, "D"),
        _const(e, "E"),
        _const(bias, "bias"),
    ]
    return _model(name, nodes, inits, n_features, e.shape[1])


def per_tree_ensemble_graph(
    name: str,
    trees: Sequence[object],
    n_features: int,
    leaf_values: Callable[[object, list[int]], np.ndarray],
    bias: np.ndarray,
) -> onnx.ModelProto:
    """Like tree_ensemble_graph, but converted tree by tree (as Hummingbird converts each tree of the
    paper's forest): every tree gets its own GEMM chain and the trees' leaf values are added up. For a
    forest of many deep trees this keeps the path matrix per tree (sum of I_t * L_t products) instead of
    one block-diagonal [sum I_t, sum L_t] matrix whose zero blocks EZKL would still multiply out."""
    nodes: list[onnx.NodeProto] = []
    inits = [_const(np.array(1.0), "one"), _const(np.array(0.0), "zero"), _const(bias, "bias")]
    total = ""
    for k, tree in enumerate(trees):
        m = tree_matrices(tree, n_features)
        e = leaf_values(tree, m.leaves)
        p = f"t{k}_"
        nodes += [
            helper.make_node("MatMul", ["input", f"{p}A"], [f"{p}xa"]),
            helper.make_node("LessOrEqual", [f"{p}xa", f"{p}B"], [f"{p}go_left"]),
            helper.make_node("Where", [f"{p}go_left", "one", "zero"], [f"{p}go_left_f"]),
            helper.make_node("MatMul", [f"{p}go_left_f", f"{p}C"], [f"{p}path"]),
            helper.make_node("Equal", [f"{p}path", f"{p}D"], [f"{p}at_leaf"]),
            helper.make_node("Where", [f"{p}at_leaf", "one", "zero"], [f"{p}at_leaf_f"]),
            helper.make_node("MatMul", [f"{p}at_leaf_f", f"{p}E"], [f"{p}leaf"]),
        ]
        inits += [_const(m.a, f"{p}A"), _const(m.b, f"{p}B"), _const(m.c, f"{p}C"), _const(m.d, f"{p}D"), _const(e, f"{p}E")]
        if total:
            nodes.append(helper.make_node("Add", [total, f"{p}leaf"], [f"{p}sum"]))
            total = f"{p}sum"
        else:
            total = f"{p}leaf"
    nodes.append(helper.make_node("Add", [total, "bias"], ["output"]))
    return _model(name, nodes, inits, n_features, int(np.asarray(bias).reshape(-1).shape[0]))


def svc_linear_graph(name: str, support_vectors: np.ndarray, dual_coef: np.ndarray, intercept: float, labels: tuple[float, float]) -> onnx.ModelProto:
    """scikit-learn SVC with a linear kernel as Hummingbird converts it, from its support vectors:
    decision = (x @ SV^T) @ dual_coef^T + intercept; label = labels[1] if decision > 0 else labels[0]."""
    nodes = [
        helper.make_node("MatMul", ["input", "SVT"], ["kernel"]),
        helper.make_node("Gemm", ["kernel", "DUAL", "b"], ["decision"]),
        helper.make_node("Greater", ["decision", "zero"], ["positive"]),
        helper.make_node("Where", ["positive", "pos_label", "neg_label"], ["output"]),
    ]
    inits = [
        _const(support_vectors.T, "SVT"),
        _const(dual_coef.reshape(-1, 1), "DUAL"),
        _const(np.array([intercept]), "b"),
        _const(np.array(0.0), "zero"),
        _const(np.array(labels[1]), "pos_label"),
        _const(np.array(labels[0]), "neg_label"),
    ]
    return _model(name, nodes, inits, support_vectors.shape[1], 1)
