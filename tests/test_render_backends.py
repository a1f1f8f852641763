"""Render backends (DESIGN §5): torch (here on the CPU) against the CPU reference, the ONNX
graph under onnxruntime against torch, the TensorRT plan cache's rules, and the choice of
backend on a machine without CUDA. Torch CUDA and TensorRT themselves run where they exist."""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.animator import PortraitAnimator
from engine.editing import Edits
from engine.errors import StandinError
from engine.portrait import load_portrait
from engine.render import BACKENDS, Choice, choose_backend
from engine.render.cpu import CpuRenderer
from engine.render.plans import PlanCache, PlanKey
from engine.session import Session
from engine.sources import read_all_frames
from engine.warp import WarpField

from .conftest import DRIVING, PORTRAITS, needs_fixtures

torch = pytest.importorskip("torch", reason="PyTorch is not installed: `make test` installs "
                                            "its CPU build (build_tools/install.sh --test)")
from engine.render.torch_render import SampleModule, TorchRenderer  # noqa: E402

TORCH = Choice("torch", "test")
CPU = Choice("cpu", "test")
EDGE_BAND = 2  # px about the face box's edges, where the two compute the unsharp blur apart


def assert_parity(reference: np.ndarray, other: np.ndarray,
                  face: tuple[slice, slice] | None) -> tuple[float, int]:
    """Mean absolute difference <= 1/255, and max <= 8/255 outside a band at the face box's
    edges (the CPU blurs the box alone; torch the whole frame, faded in by the box)."""
    diff = np.abs(reference.astype(np.int16) - other.astype(np.int16)).max(2)
    keep = np.ones(diff.shape, bool)
    if face is not None:
        edge = np.zeros(diff.shape, np.uint8)
        rows, cols = face
        cv2.rectangle(edge, (cols.start, rows.start), (cols.stop - 1, rows.stop - 1), 1,
                      2 * EDGE_BAND + 1)
        keep = edge == 0
    assert diff.mean() <= 1.0, diff.mean()
    assert diff[keep].max() <= 8, diff[keep].max()
    return float(diff.mean()), int(diff[keep].max())


def _driven(portrait, size, frames, fps, edits=Edits()) -> tuple[list, list]:
    """The same analysed driving frames rendered by the CPU and by torch (on CUDA where there is
    a device, as a user's renders are; else on the CPU)."""
    cpu_frames, torch_frames = [], []
    with Session(portrait, size, backend=CPU) as cpu, \
            Session(portrait, size, backend=TORCH) as by_torch:
        assert by_torch.backend == ("torch CUDA" if torch.cuda.is_available() else "torch (CPU)")
        cpu.edits = by_torch.edits = edits
        for i, frame in enumerate(frames):
            analysis = cpu.analyse(frame, i / fps)
            cpu_frames.append(cpu.render(analysis))
            torch_frames.append(by_torch.render(analysis))
    return cpu_frames, torch_frames


def test_torch_matches_the_cpu_renderer_on_a_turned_smiling_face(astronaut_portrait):
    """The astronaut with the head turned and a smile (edits; no driver needed): the whole
    path, warp expansion and patches included, on torch against the CPU."""
    frames = [np.zeros((64, 64, 3), np.uint8)] * 3  # no face: the edits alone move her
    edits = Edits(yaw=20.0, pitch=-8.0, smile=0.8, mouth_open=0.6, eye_open=-0.9)
    cpu, by_torch = _driven(astronaut_portrait, (512, 512), frames, 25.0, edits)
    moved = np.abs(cpu[-1].image.astype(np.int16) - astronaut_portrait.image).mean()
    assert moved > 1.5  # the edits did move the face (at rest the output is the portrait)
    for a, b in zip(cpu, by_torch):
        assert_parity(a.image, b.image, None)


def test_torch_restores_hd_detail_as_the_cpu_does(astronaut):
    """An HD output from a portrait as fine as it (the detail-restoring face box), sampled at
    fractional offsets: the two agree, and the box did change the picture."""
    h, w = 720, 800
    rng = np.random.default_rng(1)
    x, y = np.meshgrid(np.arange(w, dtype=np.float32) - 150, np.arange(h, dtype=np.float32) - 100)
    x += rng.uniform(0, 1, (h, w)).astype(np.float32)
    y += rng.uniform(0, 1, (h, w)).astype(np.float32)
    field = WarpField(x, y, (slice(130, 350), slice(290, 510)))
    reference = CpuRenderer(astronaut, 1.0, h).sample(field)
    plain = CpuRenderer(astronaut, 1.0, 512).sample(field)
    assert np.abs(reference.astype(int) - plain).max() > 20  # the detail box is in use
    assert_parity(reference, TorchRenderer(astronaut, 1.0, (w, h), "cpu").sample(field),
                  field.face)


def test_a_large_portrait_is_shrunk_alike(astronaut):
    """A portrait much larger than the output is pre-shrunk (anti-aliasing) by both."""
    big = cv2.resize(astronaut, (1536, 1536), interpolation=cv2.INTER_CUBIC)
    x, y = np.meshgrid(np.arange(400, dtype=np.float32) * 3.7 + 10,
                       np.arange(300, dtype=np.float32) * 3.7 + 20)
    field = WarpField(x, y, None)
    assert_parity(CpuRenderer(big, 0.27, 300).sample(field),
                  TorchRenderer(big, 0.27, (400, 300), "cpu").sample(field), None)


@needs_fixtures
@pytest.mark.parametrize("portrait_name, size", [("obama.jpg", (512, 512)),
                                                 ("obama-1080p.jpg", (1920, 1080))])
def test_torch_matches_the_cpu_renderer_on_real_faces(portrait_name, size):
    """Real portraits driven by a real speaker (GRID lbax4n: opens wide, blinks), 512x512 and
    1920x1080 (the HD detail path)."""
    frames, fps = read_all_frames(DRIVING / "grid_lbax4n.mpg")
    picked = frames[:48:4]
    cpu, by_torch = _driven(load_portrait(PORTRAITS / portrait_name), size, picked, fps)
    for a, b in zip(cpu, by_torch):
        face = _face_box(a.target, size)
        assert_parity(a.image, b.image, face)


def _face_box(target: np.ndarray, size: tuple[int, int]) -> tuple[slice, slice]:
    from engine import face_topology as topo
    from engine.warp import _box

    return _box(target[topo.FACE_OVAL, :2], (size[1], size[0]))


# ONNX
def _onnx_inputs(astronaut) -> dict[str, np.ndarray]:
    h, w = 720, 640
    rng = np.random.default_rng(0)
    x, y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return {"texture": np.ascontiguousarray(astronaut.transpose(2, 0, 1)[None], np.float32),
            "map_x": (x * 0.83 - 20 + rng.uniform(0, 0.5, (h, w))).astype(np.float32),
            "map_y": (y * 0.7 - 10 + rng.uniform(0, 0.5, (h, w))).astype(np.float32),
            "box": np.array([100, 500, 150, 450], np.float32)}


def _run_both(inputs: dict[str, np.ndarray], as_bytes: bool) -> tuple[np.ndarray, np.ndarray]:
    ort = pytest.importorskip("onnxruntime")
    from engine.render.onnx_graph import export_sample_graph

    h, w = inputs["map_x"].shape
    graph = export_sample_graph((w, h), as_bytes)
    session = ort.InferenceSession(graph, providers=["CPUExecutionProvider"])
    by_onnx = session.run(None, inputs)[0]
    with torch.no_grad():
        by_torch = SampleModule(detail=True, as_bytes=as_bytes)(
            *(torch.from_numpy(inputs[k]) for k in ("texture", "map_x", "map_y", "box")))
    return by_onnx, by_torch.numpy()


def test_the_onnx_graph_computes_what_torch_does(astronaut):
    """The exported graph (HD size: bicubic, detail, feather) run by onnxruntime on the CPU:
    within 1e-3 of torch (0-1 scale) without the 8-bit rounding steps..."""
    by_onnx, by_torch = _run_both(_onnx_inputs(astronaut), as_bytes=False)
    assert by_onnx.shape == (720, 640, 3)
    assert np.abs(by_onnx - by_torch).max() / 255.0 <= 1e-3


def test_the_deployed_onnx_graph_gives_torchs_image(astronaut):
    """...and the graph TensorRT is built from (8-bit output, rounded as the CPU renderer
    rounds): the same image but for float noise landing on a .5 (at most 1 level, rarely)."""
    by_onnx, by_torch = _run_both(_onnx_inputs(astronaut), as_bytes=True)
    assert by_onnx.dtype == np.uint8
    diff = np.abs(by_onnx.astype(np.int16) - by_torch.astype(np.int16))
    assert diff.max() <= 1 and (diff > 0).mean() <= 1e-4


# The plan cache (trt_plans/): fake plans, the real rules
class FakeTensorRT:
    """Builds 'plans' that are a magic word and zeros; loads back only those."""

    def __init__(self):
        self.builds = 0
        self.said: list[str] = []

    def cache(self, folder: Path) -> PlanCache:
        return PlanCache(self.build, self.load, folder, self.said.append)

    def build(self, path: Path) -> None:
        self.builds += 1
        path.write_bytes(b"PLAN" + bytes(16))

    @staticmethod
    def load(data: bytes) -> bytes | None:
        return data if data.startswith(b"PLAN") else None


KEY = PlanKey("NVIDIA H100 80GB HBM3", "10.9.0", (1280, 720), "0123abcd")


def test_a_missing_plan_is_built_once_and_then_reused(tmp_path):
    trt = FakeTensorRT()
    assert trt.cache(tmp_path).plan(KEY).startswith(b"PLAN")
    assert (tmp_path / "NVIDIA_H100_80GB_HBM3-10.9.0-1280x720.plan").is_file()
    assert trt.builds == 1 and "none built yet" in trt.said[0] and "1280x720" in trt.said[0]
    trt.cache(tmp_path).plan(KEY)
    assert trt.builds == 1  # found, checked, used
    assert list(tmp_path.glob("*.building")) == []


def test_a_plan_from_another_tensorrt_version_is_replaced(tmp_path):
    trt = FakeTensorRT()
    old = replace(KEY, tensorrt="10.3.0")
    trt.cache(tmp_path).plan(old)
    other_gpu = replace(KEY, gpu="NVIDIA L4")
    trt.cache(tmp_path).plan(other_gpu)
    trt.cache(tmp_path).plan(KEY)
    assert trt.builds == 3
    names = sorted(p.name for p in tmp_path.glob("*.plan"))
    # the old version's plan for this GPU and size is gone; another GPU's is kept
    assert names == ["NVIDIA_H100_80GB_HBM3-10.9.0-1280x720.plan",
                     "NVIDIA_L4-10.9.0-1280x720.plan"]


def test_a_plan_for_a_changed_graph_is_stale_and_rebuilt(tmp_path):
    trt = FakeTensorRT()
    trt.cache(tmp_path).plan(KEY)
    trt.cache(tmp_path).plan(replace(KEY, graph="ffff0000"))  # the renderer's code changed
    assert trt.builds == 2 and "stale" in trt.said[1] and "0123abcd" in trt.said[1]


@pytest.mark.parametrize("damage", ["truncated", "garbled", "description lost"])
def test_a_corrupt_plan_is_rebuilt_with_a_message(tmp_path, damage):
    trt = FakeTensorRT()
    trt.cache(tmp_path).plan(KEY)
    plan = tmp_path / KEY.file_name
    if damage == "truncated":
        plan.write_bytes(plan.read_bytes()[:7])
    elif damage == "garbled":
        plan.write_bytes(b"\x00" * 20)
    else:
        plan.with_suffix(".json").write_text("{not json")
    assert trt.cache(tmp_path).plan(KEY).startswith(b"PLAN")
    assert trt.builds == 2
    assert ("corrupt" in trt.said[1]) or ("description" in trt.said[1])
    fresh = FakeTensorRT()
    fresh.cache(tmp_path).plan(KEY)
    assert fresh.builds == 0  # current again


def test_a_plan_tensorrt_cannot_read_is_rebuilt(tmp_path):
    """Intact as written, yet not readable by this TensorRT (e.g. a driver update)."""
    trt = FakeTensorRT()
    trt.cache(tmp_path).plan(KEY)
    fussy = PlanCache(trt.build, lambda data: data if trt.builds > 1 else None, tmp_path,
                      trt.said.append)
    fussy.plan(KEY)
    assert trt.builds == 2 and "TensorRT cannot read it" in trt.said[1]


def test_an_interrupted_build_leaves_the_old_plan(tmp_path):
    trt = FakeTensorRT()
    trt.cache(tmp_path).plan(KEY)
    before = (tmp_path / KEY.file_name).read_bytes()

    def killed(path: Path) -> None:
        path.write_bytes(b"PL")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        PlanCache(killed, trt.load, tmp_path, trt.said.append).plan(replace(KEY, graph="new"))
    assert (tmp_path / KEY.file_name).read_bytes() == before
    meta = json.loads((tmp_path / KEY.file_name).with_suffix(".json").read_text())
    assert meta["key"]["graph"] == KEY.graph


# Choosing a backend
def test_without_cuda_auto_is_the_cpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert choose_backend("auto").backend == "cpu"
    assert choose_backend("torch").why.startswith("on the CPU")
    with pytest.raises(StandinError, match="needs an NVIDIA GPU with CUDA.*--backend cpu"):
        choose_backend("tensorrt")
    with pytest.raises(StandinError, match="unknown backend 'vulkan'"):
        choose_backend("vulkan")


def test_without_gpu_packages_the_cpu_path_never_loads_torch():
    """The base install has no torch: auto picks the CPU without importing it, and the
    package asks for no GPU package at all (no CUDA download)."""
    code = ("import sys; sys.modules['torch'] = None; sys.modules['tensorrt'] = None\n"
            "from engine.render import choose_backend\n"
            "print(choose_backend('auto'))\n"
            "try:\n    choose_backend('torch')\nexcept Exception as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert "Choice(backend='cpu', why='no GPU packages installed')" in out.stdout
    assert "needs PyTorch, which is not installed: pip install -e '.[gpu]'" in out.stdout
    assert out.stderr == ""
    import tomllib

    meta = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    base = " ".join(meta["dependencies"]).lower()
    assert not any(name in base for name in ("torch", "tensorrt", "nvidia", "cuda"))


def test_a_cpu_only_render_says_its_renderer_once_and_nothing_else(tmp_path):
    """`standin render` with the default backend on this machine: the CPU, named once on
    stderr, with no warnings."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    out = subprocess.run([sys.executable, "-m", "engine.cli", "render", "--driving", "demo",
                          "--out", str(tmp_path / "out.mp4"), "--size", "128", "--quiet"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert lines == ["renderer: cpu (no CUDA device)"], lines


def test_the_app_offers_the_engines_backends():
    from app.launcher import BACKENDS as APP_BACKENDS

    assert APP_BACKENDS == BACKENDS


# Where the hardware is (the GPU machine): the same parity on CUDA, and TensorRT
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")


@needs_cuda
def test_torch_cuda_matches_the_cpu_renderer(astronaut_portrait):
    edits = Edits(yaw=20.0, smile=0.8, mouth_open=0.6)
    with Session(astronaut_portrait, (1280, 720), backend=CPU) as cpu, \
            Session(astronaut_portrait, (1280, 720), backend=Choice("torch", "test")) as gpu:
        assert gpu.backend == "torch CUDA"
        cpu.edits = gpu.edits = edits
        frame = np.zeros((64, 64, 3), np.uint8)
        for i in range(3):  # the third frame replays the CUDA graph
            analysis = cpu.analyse(frame, i / 25)
            assert_parity(cpu.render(analysis).image, gpu.render(analysis).image, None)


@needs_cuda
def test_tensorrt_builds_a_plan_and_matches_the_cpu_renderer(astronaut_portrait, tmp_path):
    pytest.importorskip("tensorrt", reason="TensorRT is not installed")
    from engine.render.tensorrt_render import TensorRTRenderer

    said: list[str] = []
    size = (1280, 720)
    animator = PortraitAnimator(astronaut_portrait, size)
    warp = animator.warp(Edits(yaw=15.0).turn(astronaut_portrait.landmarks))
    scale = animator.framing.scale
    reference = CpuRenderer(astronaut_portrait.image, scale, size[1]).render(warp)
    renderer = TensorRTRenderer(astronaut_portrait.image, scale, size, said.append, tmp_path)
    assert any("building the TensorRT plan" in line for line in said)
    assert_parity(reference, renderer.render(warp), None)
    assert len(list(tmp_path.glob("*.plan"))) == 1
