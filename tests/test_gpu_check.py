"""The GPU machine's one command (build_tools/gpu_check.py), run here on PyTorch's CPU build:
the kit keeps working while no GPU is lent (README, 'NVIDIA GPUs')."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.session import STAGES

torch = pytest.importorskip("torch", reason="PyTorch is not installed: `make test` installs "
                                            "its CPU build (build_tools/install.sh --test)")

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "build_tools" / "gpu_check.py"


def _check(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CHECK), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)


def test_the_gpu_check_runs_on_the_cpu_and_reports_real_numbers(tmp_path):
    out = _check("--device", "cpu", "--out", str(tmp_path), "--sizes", "256", "--frames", "5",
                 timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["ok"] and report["problems"] == [] and report["device"] == "cpu"
    assert report["machine"]["torch"] == torch.__version__
    assert report["machine"]["mediapipe"]

    tests = {t["test"]: t for t in report["parity"]["tests"]}
    assert not [t for t in tests.values() if t["outcome"] == "failed"]
    measured = [t for t in tests.values() if "max_diff" in t]
    assert any("turned_smiling_face" in name for name in tests)
    assert measured and all(t["outcome"] == "passed" and t["frames"] >= 1 for t in measured)
    assert all(0.0 <= t["mean_diff"] <= 1.0 and 0 <= t["max_diff"] <= 8 for t in measured)
    assert tests["test_torch_cuda_matches_the_cpu_renderer"]["outcome"] == "skipped"

    row = report["bench"]["sizes"]["256x256"]
    assert set(STAGES) | {"total", "fps", "live_fps", "latency_ms"} <= set(row)
    assert row["total"] > 0 and row["fps"] > 0 and row["live_fps"] > 0
    assert "renderer torch" in report["bench"]["log"]

    text = (tmp_path / "report.md").read_text()
    for heading in ("# Stand-in GPU check (cpu): passed", "## Machine", "## Parity", "## Bench"):
        assert heading in text
    assert "| 256x256 | " in text and "test_torch_restores_hd_detail_as_the_cpu_does" in text


def test_without_a_gpu_the_check_fails_at_once_and_says_why(tmp_path):
    """On a machine without CUDA (this one), the default --device cuda stops after the first
    step: CPU numbers must never pass for the GPU's."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = _check("--out", str(tmp_path), timeout=120)
    assert out.returncode == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert not report["ok"] and "parity" not in report and "bench" not in report
    assert "sees no CUDA device" in report["problems"][0]
    assert "FAILED" in (tmp_path / "report.md").read_text()
