"""Torch renderer: the CPU renderer's sampling as one static-shape torch module. On CUDA the
compact warp is expanded on the GPU and the sampling replays as a CUDA graph; on the CPU it
runs for the parity tests and the ONNX export (build_tools/export_onnx.py).

fp16 is not used: the sampling grid needs about 1/32 of a pixel, and fp16 holds positions
past 1024 px only to a whole pixel (normalised to [-1, 1], to half a pixel at 1920 wide).
"""
from __future__ import annotations

import logging

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..warp import BaseMaps, CoarseWarp, WarpField
from .texture import DETAIL_GAIN, DETAIL_SIGMA, FEATHER, prepare_texture

log = logging.getLogger(__name__)
BLUR_TAPS = 7  # what cv2.GaussianBlur takes for DETAIL_SIGMA on 8-bit images


class SampleModule(torch.nn.Module):
    """(texture (1, 3, th, tw) float32 0-255, map_x and map_y (H, W) texture positions,
    face box (4,) float32 rows y0, y1, columns x0, x1) -> (H, W, 3) uint8 image, rounded at
    each step where the CPU renderer holds 8-bit images. With `as_bytes` False it is float32
    and never rounded: a smooth function, which the ONNX parity test compares to 1e-3 (a
    rounding step turns float noise at .5 into a whole level).

    The face box's bicubic-with-detail sampling is computed over the whole frame and faded in
    by the box, so every shape is fixed by the output size: one graph, one TensorRT plan."""

    def __init__(self, detail: bool, as_bytes: bool = True):
        super().__init__()
        self.detail = detail
        self.as_bytes = as_bytes
        taps = torch.from_numpy(cv2.getGaussianKernel(BLUR_TAPS, DETAIL_SIGMA)).float()
        self.register_buffer("blur_x", taps.view(1, 1, 1, -1).repeat(3, 1, 1, 1))
        self.register_buffer("blur_y", taps.view(1, 1, -1, 1).repeat(3, 1, 1, 1))

    def forward(self, texture: torch.Tensor, map_x: torch.Tensor, map_y: torch.Tensor,
                box: torch.Tensor) -> torch.Tensor:
        th, tw = texture.shape[2], texture.shape[3]
        grid = torch.stack([map_x * (2.0 / (tw - 1)) - 1.0, map_y * (2.0 / (th - 1)) - 1.0], -1)
        grid = grid.unsqueeze(0)
        out = self._round(F.grid_sample(texture, grid, mode="bilinear", padding_mode="border",
                                        align_corners=True)[0])
        if self.detail:
            out = self._with_detail(out, texture, grid, map_x, map_y, box)
        out = out.permute(1, 2, 0)
        return out.to(torch.uint8) if self.as_bytes else out

    def _with_detail(self, out, texture, grid, map_x, map_y, box) -> torch.Tensor:
        """The CPU renderer's face box: bicubic, the unsharp detail added back by each sample's
        distance from a texel, feathered in over FEATHER px inside the box."""
        face = torch.clamp(self._round(F.grid_sample(texture, grid, mode="bicubic",
                                                     padding_mode="border",
                                                     align_corners=True)), 0.0, 255.0)
        pad = BLUR_TAPS // 2
        blurred = F.conv2d(F.pad(face, (pad, pad, 0, 0), mode="reflect"), self.blur_x, groups=3)
        blurred = F.conv2d(F.pad(blurred, (0, 0, pad, pad), mode="reflect"), self.blur_y, groups=3)
        fx, fy = map_x - torch.floor(map_x), map_y - torch.floor(map_y)
        weight = torch.maximum(fx * (1 - fx), fy * (1 - fy)) * (4 * DETAIL_GAIN)
        detail = (face - self._round(blurred)) * weight
        if self.as_bytes:  # toward zero, as NumPy's int cast (ONNX has no Trunc operator)
            detail = torch.sign(detail) * torch.floor(torch.abs(detail))
        face = torch.clamp(face + detail, 0.0, 255.0)[0]
        h, w = map_x.shape
        rows = torch.arange(h, dtype=torch.float32, device=map_x.device)
        cols = torch.arange(w, dtype=torch.float32, device=map_x.device)
        ramp_y = torch.minimum(rows - box[0], box[1] - 1 - rows)
        ramp_x = torch.minimum(cols - box[2], box[3] - 1 - cols)
        alpha = torch.clamp(torch.minimum(ramp_y[:, None], ramp_x[None, :]) / FEATHER, 0.0, 1.0)
        out = out + alpha * (face - out)
        return torch.floor(out) if self.as_bytes else out

    def _round(self, x: torch.Tensor) -> torch.Tensor:
        return torch.round(x) if self.as_bytes else x


def box_tensor(face: tuple[slice, slice] | None, restore: bool) -> torch.Tensor:
    """A face box as SampleModule takes it; empty (nothing restored) when there is none."""
    if face is None or not restore:
        return torch.zeros(4)
    rows, cols = face
    return torch.tensor([rows.start, rows.stop, cols.start, cols.stop], dtype=torch.float32)


class TorchRenderer:
    """Renders on `device` (default: CUDA where there is one, else the CPU)."""

    def __init__(self, image: np.ndarray, scale: float, output_size: tuple[int, int],
                 device: str | None = None):
        self._texture = prepare_texture(image, scale, output_size[1])
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.name = "torch CUDA" if self.device.type == "cuda" else "torch (CPU)"
        w, h = output_size
        with torch.no_grad():
            self._sampling = self._sampler(output_size)
            self._tex = torch.from_numpy(self._texture.image).to(self.device)
            self._tex = self._tex.permute(2, 0, 1).unsqueeze(0).float().contiguous()
        # Static buffers: each frame is written into them, so a CUDA graph can replay.
        self._map_x = torch.zeros((h, w), device=self.device)
        self._map_y = torch.zeros((h, w), device=self.device)
        self._box = torch.zeros(4, device=self.device)
        self._base: tuple[BaseMaps, torch.Tensor, torch.Tensor] | None = None
        self._graph = None
        self._out: torch.Tensor | None = None

    def render(self, warp: CoarseWarp) -> np.ndarray:
        """Expand the compact warp on the device, then sample."""
        with torch.no_grad():
            base_x, base_y = self._base_on_device(warp)
            h, w = base_x.shape
            disp = torch.from_numpy(warp.displacement).to(self.device, non_blocking=True)
            full = F.interpolate(disp.permute(2, 0, 1).unsqueeze(0), size=(h, w), mode="bilinear",
                                 align_corners=False)[0]
            map_x, map_y = base_x + full[0], base_y + full[1]
            for patch in warp.patches:
                rows = torch.from_numpy(patch.rows).to(self.device)
                cols = torch.from_numpy(patch.cols).to(self.device)
                src = torch.from_numpy(patch.src).to(self.device)
                map_x[rows, cols] = src[:, 0]
                map_y[rows, cols] = src[:, 1]
            self._set_maps(map_x, map_y, warp.face)
            return self._run()

    def sample(self, field: WarpField) -> np.ndarray:
        """The portrait sampled at every output pixel's map position (full-size maps given)."""
        with torch.no_grad():
            self._set_maps(torch.from_numpy(field.map_x).to(self.device),
                           torch.from_numpy(field.map_y).to(self.device), field.face)
            return self._run()

    def _base_on_device(self, warp: CoarseWarp) -> tuple[torch.Tensor, torch.Tensor]:
        """The framing's maps, uploaded once per animator (they never change)."""
        if self._base is None or self._base[0] is not warp.base:
            self._base = (warp.base, torch.from_numpy(warp.base.x).to(self.device),
                          torch.from_numpy(warp.base.y).to(self.device))
        return self._base[1], self._base[2]

    def _set_maps(self, map_x: torch.Tensor, map_y: torch.Tensor,
                  face: tuple[slice, slice] | None) -> None:
        map_x, map_y = self._texture.texel(map_x, map_y)  # NumPy or torch alike
        self._map_x.copy_(map_x)
        self._map_y.copy_(map_y)
        self._box.copy_(box_tensor(face, self._texture.restore_detail))

    def _run(self) -> np.ndarray:
        if self.device.type != "cuda":
            return self._sample().numpy()
        if self._graph is None:
            self._capture()
        if self._graph is False:
            out = self._sample()
        else:
            self._graph.replay()
            out = self._out
        return out.cpu().numpy()

    def _sampler(self, output_size: tuple[int, int]):
        """What samples the texture: here the torch module (TensorRT's renderer: its plan)."""
        return SampleModule(self._texture.restore_detail).to(self.device).eval()

    def _sample(self) -> torch.Tensor:
        return self._sampling(self._tex, self._map_x, self._map_y, self._box)

    def _capture(self) -> None:
        """Record the sampling as a CUDA graph: one launch per frame instead of dozens."""
        try:
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(2):  # warm-up on a side stream, as graph capture asks
                    self._sample()
            torch.cuda.current_stream().wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                self._out = self._sample()
            self._graph = graph
        except RuntimeError as error:  # a driver without graph support: run eagerly
            log.info("CUDA graph capture failed (%s); sampling without one", error)
            self._graph = False
