"""Typed errors. Each carries a stable `code`, the offending `field` where there is one, and the
offending `value`; the worker process sends them to TypeScript as JSON (see to_dict)."""

from __future__ import annotations

from typing import Any


class ProverError(Exception):
    code = "PROVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value

    def to_dict(self) -> dict[str, Any]:
        value = self.value
        if value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = repr(value)
        return {"code": self.code, "message": str(self), "field": self.field, "value": value}


class InvalidInputError(ProverError):
    """An input that cannot be proven: wrong shape, NaN/inf, outside the calibrated range."""

    code = "INVALID_INPUT"


class ArtifactError(ProverError):
    """A missing, corrupt (hash mismatch) or mismatched artifact."""

    code = "ARTIFACT_INVALID"


class SrsError(ProverError):
    """An SRS that is missing, too small, or whose hash is not the expected one."""

    code = "SRS_INVALID"


class EzklError(ProverError):
    """EZKL itself failed (witness, setup, proof generation)."""

    code = "EZKL_FAILED"


class ProtocolError(ProverError):
    """A malformed request to the worker process."""

    code = "BAD_REQUEST"
