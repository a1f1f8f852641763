"""The GPU path in one command, for the lent GPU machine (README, 'NVIDIA GPUs'): checks the
GPU, runs the render backends' parity tests (tests/test_render_backends.py), then the torch
backend's bench (`standin bench --backend torch --sizes 512 1280x720 1920x1080`), and writes
report.md and report.json to --out. Exit status 0 when every step passed.

    python3 build_tools/gpu_check.py [--device cuda|cpu] [--out DIR] [--sizes ...] [--frames N]

--device cpu runs the same steps on PyTorch's CPU build (tests/test_gpu_check.py), so the kit
is kept working where no GPU is lent. mediapipe comes from build_tools/gpu_wheels.sh there.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the GPU machine runs the checkout as it is, not installed

from engine.cli import parse_count, parse_size  # noqa: E402

SIZES = [(512, 512), (1280, 720), (1920, 1080)]
PARITY_TESTS = "tests/test_render_backends.py"
# The backends against the CPU renderer, and the ONNX graph against torch. The real-face ones
# need ../shared/fixtures, which the GPU machine does not get, and take ten seconds on a CPU.
PARITY_SELECTION = "(matches or restores or shrunk or onnx) and not real_faces"
PARITY_LIMITS = "mean ≤ 1, max ≤ 8 outside the face box's edges, in 8-bit levels"
PACKAGES = ("mediapipe", "numpy", "opencv-python-headless", "protobuf", "onnx", "onnxruntime",
            "pytest")


class CheckFailed(Exception):
    """A step found what makes the steps after it meaningless."""


def machine(device: str, problems: list[str]) -> dict[str, Any]:
    """Versions, and the GPU torch sees (its name, memory and driver) where one is asked for."""
    from engine.tracking import MEDIAPIPE_VERSION

    info: dict[str, Any] = {"python": platform.python_version(),
                            "processor": f"{platform.machine()}, {os.cpu_count()} cores"}
    info.update({name: _version(name) for name in PACKAGES})
    if info["mediapipe"] is None:
        raise CheckFailed("mediapipe is not installed (the face tracker): run "
                          "build_tools/gpu_wheels.sh here, carry gpu_wheels, and install its "
                          "wheels first (README, 'NVIDIA GPUs')")
    if info["mediapipe"] != MEDIAPIPE_VERSION:
        problems.append(f"mediapipe {info['mediapipe']} is installed; the engine is made for "
                        f"{MEDIAPIPE_VERSION} (engine/tracking.py)")
    if info["protobuf"] and int(info["protobuf"].split(".")[0]) >= 7:
        raise CheckFailed(f"protobuf {info['protobuf']} comes first on the path: mediapipe "
                          f"{info['mediapipe']}'s FaceMesh does not start on protobuf 7 or later; "
                          "install build_tools/gpu_wheels.sh's protobuf 6 wheel with mediapipe's")
    import torch

    info["torch"] = torch.__version__
    info["torch_cuda"] = torch.version.cuda
    if device == "cpu":
        info["gpu"] = "none asked for (--device cpu): torch renders on the CPU"
        return info
    if not torch.cuda.is_available():
        raise CheckFailed(f"PyTorch {torch.__version__} sees no CUDA device (built for CUDA "
                          f"{torch.version.cuda}); nvidia-smi says: {_nvidia_smi()}")
    properties = torch.cuda.get_device_properties(0)
    info["gpu"] = properties.name
    info["gpu_memory_gib"] = round(properties.total_memory / 2**30, 1)
    info["compute_capability"] = f"{properties.major}.{properties.minor}"
    info["driver"] = _nvidia_smi()
    # A kernel that runs and agrees with the CPU, before anything leans on the device.
    x = torch.arange(1 << 20, dtype=torch.float32)
    if not torch.allclose((x.cuda() * 2).sum().cpu(), (x * 2).sum()):
        raise CheckFailed("a sum computed on the GPU differs from the CPU's")
    return info


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _nvidia_smi() -> str:
    """The driver's version as nvidia-smi gives it, or why there is none."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"nvidia-smi did not run ({error})"
    return out.stdout.strip() or f"nvidia-smi failed: {out.stderr.strip()}"


class ParityRecorder:
    """A pytest plugin: each test's outcome, and what its calls of the test module's
    assert_parity measured (mean and max difference from the CPU renderer)."""

    def __init__(self) -> None:
        self._current = ""
        self._outcomes: dict[str, tuple[str, str]] = {}
        self._measured: dict[str, list[tuple[float, int]]] = {}

    def pytest_collection_modifyitems(self, items: list) -> None:
        for module in {item.module for item in items}:
            measure = getattr(module, "assert_parity", None)
            if measure is not None:
                module.assert_parity = self._recording(measure)

    def _recording(self, measure: Callable) -> Callable:
        def recorded(*args, **kwargs):
            result = measure(*args, **kwargs)
            self._measured.setdefault(self._current, []).append(result)
            return result
        return recorded

    def pytest_runtest_logstart(self, nodeid: str, location: tuple) -> None:
        self._current = nodeid

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed:
            self._outcomes[report.nodeid] = ("failed", report.longreprtext.strip()[-600:])
        elif report.skipped:
            self._outcomes[report.nodeid] = ("skipped", str(report.longrepr[-1]))
        elif report.when == "call":
            self._outcomes[report.nodeid] = ("passed", "")

    def tests(self) -> list[dict[str, Any]]:
        rows = []
        for nodeid, (outcome, why) in self._outcomes.items():
            row: dict[str, Any] = {"test": nodeid.split("::", 1)[-1], "outcome": outcome}
            if why:
                row["why"] = why
            frames = self._measured.get(nodeid)
            if frames:
                row.update(frames=len(frames), mean_diff=round(max(m for m, _ in frames), 4),
                           max_diff=max(worst for _, worst in frames))
            rows.append(row)
        return rows


def parity(device: str, problems: list[str]) -> dict[str, Any]:
    """The parity tests, run here so their measurements are read as they are made."""
    import pytest

    recorder = ParityRecorder()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "-k", PARITY_SELECTION, PARITY_TESTS],
                       plugins=[recorder])
    tests = recorder.tests()
    if code != 0:
        failed = [t["test"] for t in tests if t["outcome"] == "failed"]
        problems.append(f"pytest exited with {int(code)}; failed: {', '.join(failed) or 'none'}")
    # The test that shows this device's renderer (not the CPU's) passed, numbers and all.
    key = "cuda" if device == "cuda" else "torch"
    if not any(key in t["test"] and t["outcome"] == "passed" and "max_diff" in t for t in tests):
        problems.append(f"no parity test of torch on the {device.upper()} passed with its "
                        f"differences measured (tests named '*{key}*' in {PARITY_TESTS})")
    return {"tests_file": PARITY_TESTS, "selection": PARITY_SELECTION,
            "exit_code": int(code), "tests": tests}


class _Tee(io.TextIOBase):
    def __init__(self, *streams: TextIO):
        self._streams = streams

    def write(self, text: str) -> int:
        for stream in self._streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self._streams:
            stream.flush()


def bench(sizes: list[tuple[int, int]], frames: int) -> dict[str, Any]:
    """`standin bench --backend torch` with the bundled portrait and the demo driver: its
    printed tables, and its medians per size."""
    from engine.bench import run_bench
    from engine.portrait_set import load_portrait_set
    from engine.render import choose_backend
    from engine.tracking import route_native_logs_away

    route_native_logs_away()  # as `standin bench` does: mediapipe's warnings off the output
    choice = choose_backend("torch")
    log = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, log)):
        results = run_bench(load_portrait_set(None), None, sizes, choice, frames)
    return {"renderer": f"torch ({choice.why})", "frames": frames, "log": log.getvalue(),
            "sizes": {f"{w}x{h}": {name: round(value, 3) for name, value in medians.items()}
                      for (w, h), medians in results.items()}}


def markdown(report: dict[str, Any]) -> str:
    verdict = "passed" if report["ok"] else "FAILED"
    lines = [f"# Stand-in GPU check ({report['device']}): {verdict}"]
    if report["problems"]:
        lines += ["", *(f"- {problem}" for problem in report["problems"])]
    if "machine" in report:
        lines += ["", "## Machine", "", "| | |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in report["machine"].items()]
    if "parity" in report:
        parity = report["parity"]
        lines += ["", f"## Parity: `{parity['tests_file']}`, `-k \"{parity['selection']}\"`",
                  "", f"Differences from the CPU renderer, worst frame ({PARITY_LIMITS}).", "",
                  "| test | outcome | frames | mean | max | note |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for t in parity["tests"]:
            note = t.get("why", "").replace("\n", " ").replace("|", "/")[-200:]
            lines.append(f"| {t['test']} | {t['outcome']} | {t.get('frames', '')} | "
                         f"{t.get('mean_diff', '')} | {t.get('max_diff', '')} | {note} |")
    if "bench" in report:
        bench = report["bench"]
        sizes = bench["sizes"]
        columns = list(next(iter(sizes.values())))
        lines += ["", f"## Bench: {bench['renderer']}, {bench['frames']} frames per size", "",
                  "Medians, milliseconds per stage; FPS end to end on one thread, and live.", "",
                  "| size | " + " | ".join(columns) + " |",
                  "| --- |" + " --- |" * len(columns)]
        lines += [f"| {size} | " + " | ".join(f"{v:.2f}" for v in row.values()) + " |"
                  for size, row in sizes.items()]
        lines += ["", "```", bench["log"].rstrip(), "```"]
    lines += ["", "Seconds per step: " + ", ".join(f"{step} {seconds:.0f}"
                                                  for step, seconds in report["seconds"].items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT") or "gpu_report"),
                        help="folder for report.md and report.json (default: $OUT, which the "
                             "device tool brings back, else ./gpu_report)")
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=SIZES)
    parser.add_argument("--frames", type=parse_count, default=300,
                        help="timed frames per size (default 300, as `standin bench`)")
    args = parser.parse_args(argv)
    if args.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""  # torch's CPU path, even where there is a GPU
    out = args.out.resolve()
    os.chdir(ROOT)  # the tests' paths, and their subprocesses' imports, are the checkout's

    problems: list[str] = []
    report: dict[str, Any] = {"device": args.device, "problems": problems, "seconds": {}}
    steps: list[tuple[str, Callable[[], dict]]] = [
        ("machine", lambda: machine(args.device, problems)),
        ("parity", lambda: parity(args.device, problems)),
        ("bench", lambda: bench(args.sizes, args.frames)),
    ]
    for name, step in steps:
        print(f"gpu_check: {name}", flush=True)
        started = time.perf_counter()
        try:
            report[name] = step()
        except CheckFailed as failure:
            problems.append(f"{name}: {failure}")
            break
        except Exception:  # the report still says how far it got, and where it broke
            problems.append(f"{name} broke: {traceback.format_exc(limit=-4)}")
        finally:
            report["seconds"][name] = time.perf_counter() - started
    report["ok"] = not problems

    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    text = markdown(report)
    (out / "report.md").write_text(text)
    print(text + f"\n(written to {out}/report.md and report.json)")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
