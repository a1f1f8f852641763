"""TensorRT renderer: the torch renderer's sampling graph (onnx_graph.py) built into a TensorRT
plan, cached in trt_plans/ (plans.py). The compact warp is expanded by torch on the GPU, as in
the torch renderer; the plan then samples. Built without fp16 (see torch_render.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import tensorrt as trt
import torch

from .onnx_graph import INPUTS, OUTPUT, export_sample_graph
from .plans import PLAN_DIR, PlanCache, PlanKey, graph_fingerprint
from .torch_render import TorchRenderer

TEXTURE_MAX = 8192  # px: the largest portrait texture a plan takes, each way
TEXTURE_OPT = 1024  # px: the texture size TensorRT tunes for
_LOGGER = trt.Logger(trt.Logger.WARNING)


class _Progress(trt.IProgressMonitor):
    """Top-level build phases, as lines for the user (a build takes a minute or two)."""

    def __init__(self, say: Callable[[str], None]):
        trt.IProgressMonitor.__init__(self)
        self._say = say

    def phase_start(self, phase_name, parent_phase, num_steps):
        if parent_phase is None:
            self._say(f"TensorRT: {phase_name} ({num_steps} steps)")

    def step_complete(self, phase_name, step):
        return True  # go on

    def phase_finish(self, phase_name):
        pass


def build_plan(onnx_graph: bytes, path: Path, say: Callable[[str], None]) -> None:
    """Build a plan from the sampling graph and write it to `path`."""
    builder = trt.Builder(_LOGGER)
    network = builder.create_network(0)  # explicit batch: TensorRT 10's only mode
    parser = trt.OnnxParser(network, _LOGGER)
    if not parser.parse(onnx_graph):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f"TensorRT cannot parse the sampling graph: {errors}")
    config = builder.create_builder_config()
    profile = builder.create_optimization_profile()
    profile.set_shape(INPUTS[0], (1, 3, 16, 16), (1, 3, TEXTURE_OPT, TEXTURE_OPT),
                      (1, 3, TEXTURE_MAX, TEXTURE_MAX))
    config.add_optimization_profile(profile)
    if hasattr(config, "progress_monitor"):
        config.progress_monitor = _Progress(say)
    plan = builder.build_serialized_network(network, config)
    if plan is None:
        raise RuntimeError("TensorRT could not build a plan for the sampling graph")
    path.write_bytes(bytes(plan))


class TensorRTRenderer(TorchRenderer):
    def __init__(self, image: np.ndarray, scale: float, output_size: tuple[int, int],
                 say: Callable[[str], None], folder: Path = PLAN_DIR):
        self._say, self._folder = say, folder
        super().__init__(image, scale, output_size, device="cuda")
        self.name = "TensorRT"
        th, tw = self._tex.shape[2:]
        if max(th, tw) > TEXTURE_MAX:
            raise RuntimeError(f"the portrait's texture ({tw}x{th}) is larger than a plan "
                               f"takes ({TEXTURE_MAX} px)")
        self._graph = False  # TensorRT launches its own kernels; no torch CUDA graph
        h, w = self._map_x.shape
        self._image = torch.empty((h, w, 3), dtype=torch.uint8, device=self.device)
        context = self._sampling
        context.set_input_shape(INPUTS[0], tuple(self._tex.shape))
        for name, tensor in zip(INPUTS + (OUTPUT,),
                                (self._tex, self._map_x, self._map_y, self._box, self._image)):
            context.set_tensor_address(name, tensor.data_ptr())

    def _sampler(self, output_size: tuple[int, int]):
        graph = export_sample_graph(output_size)
        key = PlanKey(torch.cuda.get_device_name(), trt.__version__, tuple(output_size),
                      graph_fingerprint(graph))
        runtime = trt.Runtime(_LOGGER)
        cache = PlanCache(build=lambda path: build_plan(graph, path, self._say),
                          load=runtime.deserialize_cuda_engine, folder=self._folder,
                          say=self._say)
        self._engine = cache.plan(key)
        return self._engine.create_execution_context()

    def _sample(self) -> torch.Tensor:
        if not self._sampling.execute_async_v3(torch.cuda.current_stream().cuda_stream):
            raise RuntimeError("TensorRT failed to run the plan")
        return self._image
