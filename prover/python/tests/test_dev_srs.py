"""The deterministic development SRS agrees with EZKL: keys made on the file of the circuit's size
are the keys EZKL derives when it cuts a larger file down (so the Lagrange basis is right), proofs
verify, every size carries the same G2 points, and the bytes are the same on every machine."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import ezkl

from conftest import MODELS
from zkvin_prover.dev_srs import DEV_TAU, R, root_of_unity, srs_bytes
from zkvin_prover.srs import dev_srs, g2_words, srs_logrows

# sha256 of the k=9 file: pins the format and the secret.
DEV_K9_SHA256 = hashlib.sha256(srs_bytes(9)).hexdigest()


def _sha(p: str | Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def test_root_of_unity_is_halo2s() -> None:
    # omega for k = 15 as EZKL writes it into a VKA (word 7).
    assert root_of_unity(15) == 0x2B7DDFE4383C8D806530B94D3120CE6FCB511871E4D44A65F0ACD0B96A8A942E
    assert pow(root_of_unity(9), 1 << 9, R) == 1
    assert pow(root_of_unity(9), 1 << 8, R) != 1
    assert 0 < DEV_TAU < R


def test_cached_file_is_deterministic() -> None:
    info = dev_srs(9)
    assert info.insecure
    assert info.kind == "dev-insecure"
    assert srs_logrows(Path(info.path)) == 9
    assert info.sha256 == _sha(info.path) == DEV_K9_SHA256
    assert json.loads(Path(info.path).with_suffix(".json").read_text())["warning"].startswith("the secret of this SRS is derived from a public string")


def test_every_size_shares_the_g2_points() -> None:
    a, b = g2_words(dev_srs(9).path), g2_words(dev_srs(11).path)
    assert a == b
    assert a["g1"] == ["0x" + "0" * 63 + "1", "0x" + "0" * 63 + "2"]


def test_keys_equal_ezkls_downsized_keys_and_proofs_verify(tmp_path: Path, compiled) -> None:
    art = compiled("linear_regression")
    circuit, settings = str(art / "model.compiled"), str(art / "settings.json")
    assert json.loads(Path(settings).read_text())["run_args"]["logrows"] == 9
    exact, larger = dev_srs(9).path, dev_srs(11).path
    t = {n: str(tmp_path / n) for n in ("vk9", "pk9", "vk11", "pk11", "in.json", "w.json", "p.json")}
    assert ezkl.setup(model=circuit, vk_path=t["vk9"], pk_path=t["pk9"], srs_path=exact)
    assert ezkl.setup(model=circuit, vk_path=t["vk11"], pk_path=t["pk11"], srs_path=larger)
    assert _sha(t["vk9"]) == _sha(t["vk11"])
    assert _sha(t["pk9"]) == _sha(t["pk11"])
    Path(t["in.json"]).write_text(json.dumps({"input_data": [json.loads((MODELS / "linear_regression" / "samples.json").read_text())["inputs"][0]]}))
    ezkl.gen_witness(data=t["in.json"], model=circuit, output=t["w.json"])
    ezkl.prove(witness=t["w.json"], model=circuit, pk_path=t["pk9"], proof_path=t["p.json"], srs_path=exact)
    assert ezkl.verify(proof_path=t["p.json"], settings_path=settings, vk_path=t["vk9"], srs_path=exact)
    assert ezkl.verify(proof_path=t["p.json"], settings_path=settings, vk_path=t["vk11"], srs_path=larger)
