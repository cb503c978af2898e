"""The long-lived proving process the TypeScript workers drive (one per concurrent proof: EZKL holds
the GIL, so parallel proofs need separate processes).

Protocol: one JSON object per line on stdin, one per line on the process's original stdout. EZKL's
native code prints to file descriptor 1, so at start-up the protocol keeps a duplicate of fd 1 and
points fd 1 at stderr: nothing but protocol lines reaches the parent on stdout.

Requests:  {"id": str, "op": "ping" | "prove" | "verify" | "check" | "device" | "bare", ...}
  prove:   {"artifactDir", "inputs" | "inputsFixed", "verify"?: bool}
  verify:  {"artifactDir", "proof": "0x..", "instances": ["0x..", ...]}
  check:   {"artifactDir"} -> the manifest after checking every file's hash
  bare:    {"artifactDir", "inputsFixed"} -> timings of plain EZKL calls (for the benchmark)
Replies:   {"id", "ok": true, "result": {...}} | {"id", "ok": false, "error": {"code", "message", "field", "value"}}
Progress:  {"id", "progress": "witness" | "prove" | "verify"} before each stage of a prove.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, TextIO

from .device import select_device
from .errors import ProtocolError, ProverError
from .prove import Prover


class Session:
    def __init__(self, out: TextIO, device: str) -> None:
        self.out = out
        self.provers: dict[str, Prover] = {}
        self.device = select_device(device)

    def send(self, msg: dict[str, Any]) -> None:
        self.out.write(json.dumps(msg, separators=(",", ":")) + "\n")
        self.out.flush()

    def prover(self, artifact_dir: Any) -> Prover:
        if not isinstance(artifact_dir, str):
            raise ProtocolError("artifactDir must be a string", field="artifactDir", value=artifact_dir)
        # Checked once per process: the hashes of every file are verified on first use.
        if artifact_dir not in self.provers:
            self.provers[artifact_dir] = Prover(artifact_dir)
        return self.provers[artifact_dir]

    def handle(self, req: dict[str, Any]) -> dict[str, Any]:
        op = req.get("op")
        if op == "ping":
            return {"pid": os.getpid(), "device": self.device.to_dict()}
        if op == "device":
            return self.device.to_dict()
        if op == "check":
            return self.prover(req.get("artifactDir")).manifest
        if op == "prove":
            rid = req["id"]
            result = self.prover(req.get("artifactDir")).prove(
                inputs=req.get("inputs"),
                inputs_fixed=req.get("inputsFixed"),
                verify=bool(req.get("verify", False)),
                progress=lambda stage: self.send({"id": rid, "progress": stage}),
            )
            return result.to_dict()
        if op == "bare":
            from .bench import bare_once

            return bare_once(self.prover(req.get("artifactDir")), req.get("inputsFixed") or [], verify=bool(req.get("verify", True)))
        if op == "verify":
            proof, instances = req.get("proof"), req.get("instances")
            if not isinstance(proof, str) or not isinstance(instances, list):
                raise ProtocolError("verify needs proof (hex) and instances (list of hex words)", field="proof")
            return {"valid": self.prover(req.get("artifactDir")).verify(proof, instances)}
        raise ProtocolError(f"unknown op {op!r}", field="op", value=op)

    def serve(self, stream: TextIO) -> None:
        self.send({"id": None, "ready": True, "pid": os.getpid(), "device": self.device.to_dict()})
        for raw in stream:
            line = raw.strip()
            if not line:
                continue
            rid = None
            try:
                req = json.loads(line)
                if not isinstance(req, dict):
                    raise ProtocolError("a request must be a JSON object", field="request")
                rid = req.get("id")
                self.send({"id": rid, "ok": True, "result": self.handle(req)})
            except ProverError as exc:
                self.send({"id": rid, "ok": False, "error": exc.to_dict()})
            except json.JSONDecodeError as exc:
                self.send({"id": rid, "ok": False, "error": ProtocolError(f"not JSON: {exc}", field="request").to_dict()})
            except Exception as exc:  # noqa: BLE001 - anything else is a bug or an EZKL panic: report, keep serving
                traceback.print_exc(file=sys.stderr)
                self.send({"id": rid, "ok": False, "error": {"code": "INTERNAL", "message": f"{type(exc).__name__}: {exc}", "field": None, "value": None}})


def main(device: str = "auto") -> None:
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(protocol_fd, "w", buffering=1)
    sys.stdout = sys.stderr
    Session(out, device).serve(sys.stdin)
