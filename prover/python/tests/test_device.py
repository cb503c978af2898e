"""Device choice: CPU when asked; otherwise GPU only with both a GPU and an icicle build of EZKL,
and a plain reason whenever it falls back."""

from __future__ import annotations

import pytest

from zkvin_prover import device


def test_cpu_requested() -> None:
    d = device.select_device("cpu")
    assert (d.used, d.reason) == ("cpu", "CPU requested")


@pytest.mark.parametrize(
    ("gpu", "build", "used", "reason"),
    [
        (False, False, "cpu", "no NVIDIA GPU found and the installed EZKL is a CPU build"),
        (False, True, "cpu", "no NVIDIA GPU found"),
        (True, False, "cpu", "a GPU is present but the installed EZKL is a CPU build"),
        (True, True, "gpu", "NVIDIA GPU found and EZKL built with icicle"),
    ],
)
def test_gpu_fallback_reasons(monkeypatch: pytest.MonkeyPatch, gpu: bool, build: bool, used: str, reason: str) -> None:
    monkeypatch.setattr(device, "gpu_present", lambda: gpu)
    monkeypatch.setattr(device, "ezkl_has_gpu_support", lambda: build)
    monkeypatch.delenv("ENABLE_ICICLE_GPU", raising=False)
    d = device.select_device("gpu")
    assert d.used == used
    assert reason in d.reason
    if used == "cpu":
        assert d.reason.startswith("falling back to CPU")


def test_this_machine_is_detected_for_real() -> None:
    # The real probes, unmocked: the pinned PyPI wheel has no icicle, whatever the hardware.
    assert device.ezkl_has_gpu_support() is False
    assert device.select_device("auto").used == "cpu"


def test_unknown_device_refused() -> None:
    with pytest.raises(ValueError, match="device must be one of"):
        device.select_device("tpu")
