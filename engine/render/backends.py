"""Choosing a render backend: TensorRT, then torch CUDA, then the CPU, unless one is named.

Nothing GPU-related is imported on a machine that has no use for it: the choice looks for the
packages before importing them, so the CPU path starts with no CUDA probing, warning or
download."""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Protocol

import numpy as np

from ..errors import StandinError

if TYPE_CHECKING:
    from ..warp import CoarseWarp, WarpField

BACKENDS = ("auto", "cpu", "torch", "tensorrt")
GPU_INSTALL = "pip install -e '.[gpu]' (see the README, 'NVIDIA GPUs')"


class Renderer(Protocol):
    name: str  # shown to the user: "CPU", "torch CUDA", "TensorRT"

    def render(self, warp: CoarseWarp) -> np.ndarray: ...

    def sample(self, field: WarpField) -> np.ndarray: ...


@dataclass(frozen=True)
class Choice:
    backend: str  # "cpu", "torch" or "tensorrt"
    why: str  # one line: why this one (shown in logs)


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


@lru_cache(maxsize=None)
def _cuda() -> str | None:
    """The CUDA device's name, or None (torch not installed, or no device)."""
    if not _installed("torch"):
        return None
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else None


def choose_backend(name: str = "auto") -> Choice:
    """Which backend `name` means on this machine; a named one that cannot run here raises
    StandinError with the fix."""
    if name not in BACKENDS:
        raise StandinError(f"unknown backend '{name}': choose one of {', '.join(BACKENDS)}")
    if name == "cpu":
        return Choice("cpu", "asked for")
    if name == "auto":
        if not _installed("torch"):
            return Choice("cpu", "no GPU packages installed")
        gpu = _cuda()
        if gpu is None:
            return Choice("cpu", "no CUDA device")
        if _installed("tensorrt"):
            return Choice("tensorrt", f"on {gpu}")
        return Choice("torch", f"on {gpu}; TensorRT is not installed")
    if not _installed("torch"):
        raise StandinError(f"the {name} backend needs PyTorch, which is not installed: "
                           f"{GPU_INSTALL}, or use --backend cpu")
    if name == "torch":
        gpu = _cuda()
        return Choice("torch", f"on {gpu}" if gpu else
                      "on the CPU, as there is no CUDA device; --backend cpu is faster")
    if _cuda() is None:
        raise StandinError("the tensorrt backend needs an NVIDIA GPU with CUDA, and none was "
                           "found: use --backend cpu")
    if not _installed("tensorrt"):
        raise StandinError(f"the tensorrt backend needs TensorRT, which is not installed: "
                           f"{GPU_INSTALL}, or use --backend torch")
    return Choice("tensorrt", f"on {_cuda()}")


def make_renderer(choice: Choice, image: np.ndarray, scale: float,
                  output_size: tuple[int, int],
                  say: Callable[[str], None] = lambda line: print(f"note: {line}", file=sys.stderr)
                  ) -> Renderer:
    """A renderer for the chosen backend. TensorRT that fails to build or load its plan falls
    back to torch CUDA, saying why: a picture at once beats none."""
    if choice.backend == "cpu":
        from .cpu import CpuRenderer

        return CpuRenderer(image, scale, output_size[1])
    if choice.backend == "torch":
        from .torch_render import TorchRenderer

        return TorchRenderer(image, scale, output_size)
    from .tensorrt_render import TensorRTRenderer

    try:
        return TensorRTRenderer(image, scale, output_size, say)
    except RuntimeError as error:
        from .torch_render import TorchRenderer

        say(f"TensorRT could not be used ({error}); rendering with torch CUDA instead")
        return TorchRenderer(image, scale, output_size)
