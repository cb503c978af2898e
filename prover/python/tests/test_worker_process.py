"""The long-lived proving process: protocol lines only on stdout (EZKL's own prints go to stderr),
progress before each stage, typed errors as JSON, and it keeps serving after a bad request."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import HERE, MODELS

SAMPLE = json.loads((MODELS / "linear_regression" / "samples.json").read_text())["inputs"][0]


def test_worker_protocol(compiled) -> None:
    art = str(compiled("linear_regression", batch_size=4))
    proc = subprocess.Popen(
        [sys.executable, "-m", "zkvin_prover", "worker", "--device", "auto"],
        cwd=HERE.parent,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdin
    assert proc.stdout

    def send(obj: dict) -> None:
        proc.stdin.write(json.dumps(obj) + "\n")
        proc.stdin.flush()

    def read() -> dict:
        return json.loads(proc.stdout.readline())

    try:
        ready = read()
        assert ready["ready"] is True
        assert ready["device"]["used"] == "cpu"
        send({"id": "a", "op": "prove", "artifactDir": art, "inputs": [SAMPLE], "verify": True})
        stages = []
        while True:
            msg = read()
            assert msg["id"] == "a"
            if "progress" in msg:
                stages.append(msg["progress"])
                continue
            break
        assert stages == ["witness", "prove", "verify"]
        assert msg["ok"] is True
        assert msg["result"]["verified"] is True
        assert msg["result"]["rows"] == 1
        send({"id": "b", "op": "verify", "artifactDir": art, "proof": msg["result"]["proof"], "instances": msg["result"]["instances"]})
        assert read() == {"id": "b", "ok": True, "result": {"valid": True}}
        send({"id": "c", "op": "prove", "artifactDir": art, "inputs": [[1.0, 2.0]]})
        err = read()
        assert err["ok"] is False
        assert err["error"]["code"] == "INVALID_INPUT"
        assert err["error"]["field"] == "inputs[0]"
        proc.stdin.write("{not json\n")
        proc.stdin.flush()
        assert read()["error"]["code"] == "BAD_REQUEST"
        send({"id": "d", "op": "ping"})
        assert read()["result"]["pid"] == proc.pid
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    assert proc.returncode == 0
