"""The torch renderer's sampling module as an ONNX graph: fixed output size, any texture size.
TensorRT builds its plans from it; CI runs it with onnxruntime against torch."""
from __future__ import annotations

import io
import warnings

import torch

from .texture import DETAIL_FROM_HEIGHT
from .torch_render import SampleModule

OPSET = 17  # GridSample (with bicubic) is in ONNX from opset 16
INPUTS = ("texture", "map_x", "map_y", "box")
OUTPUT = "image"


def export_sample_graph(output_size: tuple[int, int], as_bytes: bool = True) -> bytes:
    """The serialised graph for `output_size` (W, H). Its face-detail branch is there when
    the output is HD (DETAIL_FROM_HEIGHT); a portrait that has no detail to restore passes
    an empty box."""
    w, h = output_size
    module = SampleModule(detail=h >= DETAIL_FROM_HEIGHT, as_bytes=as_bytes).eval()
    example = (torch.zeros(1, 3, 64, 64), torch.zeros(h, w), torch.zeros(h, w), torch.zeros(4))
    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated, and still works
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, buffer, dynamo=False, opset_version=OPSET,
                          input_names=list(INPUTS), output_names=[OUTPUT],
                          dynamic_axes={"texture": {2: "texture_height", 3: "texture_width"}})
    return buffer.getvalue()
