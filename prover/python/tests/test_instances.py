"""The instance layout the manifest announces (and prover/docs/instances.md describes) is the one real
proofs carry: raw values row-major, inputs then outputs; a hashed tensor is one Poseidon slot."""

from __future__ import annotations

import json

import ezkl

from conftest import MODELS
from zkvin_prover.fixed_point import field_to_int, field_to_le_hex, int_to_field, le_hex_to_field, word_to_field
from zkvin_prover.prove import Prover

SAMPLES = json.loads((MODELS / "linear_regression" / "samples.json").read_text())["inputs"]


def _poseidon(values: list[int]) -> int:
    return le_hex_to_field(ezkl.poseidon_hash([field_to_le_hex(int_to_field(v)) for v in values])[0])


def test_instance_layout_matches_proofs(compiled) -> None:
    prover = Prover(compiled("linear_regression", batch_size=4))
    result = prover.prove(inputs=SAMPLES[:3])
    assert result.rows == 3
    assert result.padded_rows == 1
    inst = [field_to_int(word_to_field(w)) for w in result.instances]
    assert len(inst) == prover.manifest["instances"]["count"] == 4 * (4 + 1)
    padded_inputs = [*result.inputs_fixed, result.inputs_fixed[-1]]
    assert inst[:16] == [v for row in padded_inputs for v in row]
    assert inst[16:19] == [row[0] for row in result.outputs_fixed]
    assert inst[19] == inst[18], "the padded slot repeats the last real row"
    assert [e["kind"] for e in prover.manifest["instances"]["layout"]] == ["input", "output"]


def test_hashed_layouts(compiled) -> None:
    for input_vis, output_vis in (("hashed", "public"), ("public", "hashed"), ("hashed", "hashed")):
        prover = Prover(compiled("linear_regression", batch_size=2, input_visibility=input_vis, output_visibility=output_vis))
        result = prover.prove(inputs=SAMPLES[:2])
        assert prover.verify(result.proof, result.instances)
        expected: list[int] = []
        flat_in = [v for row in result.inputs_fixed for v in row]
        flat_out = [v for row in result.outputs_fixed for v in row]
        expected += [_poseidon(flat_in)] if input_vis == "hashed" else [int_to_field(v) for v in flat_in]
        expected += [_poseidon(flat_out)] if output_vis == "hashed" else [int_to_field(v) for v in flat_out]
        assert [word_to_field(w) for w in result.instances] == expected, (input_vis, output_vis)
        layout = prover.manifest["instances"]["layout"]
        assert sum(e["length"] for e in layout) == len(result.instances)


def test_calldata_is_ezkls_encoding(compiled, tmp_path) -> None:
    from zkvin_prover.evm_abi import encode_verify_proof

    prover = Prover(compiled("linear_regression", batch_size=4))
    prover.witness(prover.pad(prover.fixed_rows(inputs=SAMPLES[:4])), tmp_path)
    doc = prover.prove_witness(tmp_path)
    instances = [f"0x{le_hex_to_field(h):064x}" for h in doc["instances"][0]]
    ezkl_calldata = "0x" + bytes(ezkl.encode_evm_calldata(proof=str(tmp_path / "proof.json"), calldata=str(tmp_path / "cd.bin"), vka_path=prover.path("vka"))).hex()
    assert prover.calldata(doc["hex_proof"], instances, with_vka=True) == ezkl_calldata
    single = "0x" + bytes(ezkl.encode_evm_calldata(proof=str(tmp_path / "proof.json"), calldata=str(tmp_path / "cd2.bin"))).hex()
    # EZKL appends one stray zero word to the per-model verifier's calldata; the rest is the same.
    ours = encode_verify_proof(doc["hex_proof"], instances)
    assert single == ours + "00" * 32
