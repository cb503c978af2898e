"""Where proofs run. EZKL accelerates proving on NVIDIA GPUs only when it was built with its icicle
feature and ENABLE_ICICLE_GPU is set; the PyPI wheel pinned here is a CPU build (its newest GPU wheel,
`ezkl-gpu`, stopped at 16.x and cannot read 23.x artifacts). So "gpu" is honoured only when both a GPU
and a GPU build are present, and otherwise the choice falls back to CPU and says why, plainly."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEVICES = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class Device:
    requested: str
    used: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"requested": self.requested, "used": self.used, "reason": self.reason}


@lru_cache(maxsize=1)
def ezkl_has_gpu_support() -> bool:
    """True when the loaded EZKL library was built with icicle (its symbols name it)."""
    import ezkl

    lib = next(Path(ezkl.__file__).parent.glob("ezkl*.so"), None)
    if lib is None:
        return False
    needle = b"icicle"
    with lib.open("rb") as f:
        tail = b""
        for chunk in iter(lambda: f.read(1 << 22), b""):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def ezkl_build() -> dict[str, object]:
    """Which EZKL build this process loads: the distribution ("ezkl", or "ezkl-gpu" where that is
    installed), its version, and whether the native library was built with icicle (GPU)."""
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("ezkl-gpu", "ezkl"):
        try:
            v = version(dist)
        except PackageNotFoundError:
            continue
        return {"package": dist, "version": v, "gpu": ezkl_has_gpu_support()}
    return {"package": None, "version": None, "gpu": False}


@lru_cache(maxsize=1)
def gpu_present() -> bool:
    if not shutil.which("nvidia-smi"):
        return False
    try:
        res = subprocess.run(["nvidia-smi", "-L"], check=False, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return res.returncode == 0 and "GPU" in res.stdout


def select_device(requested: str) -> Device:
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {requested!r}")
    if requested == "cpu":
        return Device(requested, "cpu", "CPU requested")
    has_gpu, gpu_build = gpu_present(), ezkl_has_gpu_support()
    if has_gpu and gpu_build:
        os.environ["ENABLE_ICICLE_GPU"] = "true"
        return Device(requested, "gpu", "NVIDIA GPU found and EZKL built with icicle")
    if not has_gpu and not gpu_build:
        why = "no NVIDIA GPU found and the installed EZKL is a CPU build"
    elif not has_gpu:
        why = "no NVIDIA GPU found"
    else:
        why = "a GPU is present but the installed EZKL is a CPU build (no icicle support)"
    return Device(requested, "cpu", f"falling back to CPU: {why}")
