"""Export the GPU renderer's sampling graph to ONNX, one file per output size (static shapes;
the portrait texture's size is the one dynamic axis). TensorRT plans are built from these;
the runtime exports what it needs by itself, so this is for inspecting or building elsewhere.

    python build_tools/export_onnx.py [--sizes 512x512 1280x720 1920x1080] [--out trt_plans/onnx]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli import parse_size
from engine.render.onnx_graph import export_sample_graph
from engine.render.plans import PLAN_DIR

DEFAULT_SIZES = [(512, 512), (1280, 720), (1920, 1080)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--out", type=Path, default=PLAN_DIR / "onnx")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for w, h in args.sizes:
        path = args.out / f"sample-{w}x{h}.onnx"
        path.write_bytes(export_sample_graph((w, h)))
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
