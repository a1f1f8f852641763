"""Build the TensorRT plans ahead of use, into trt_plans/ (the app otherwise builds a missing
one on first use). Needs an NVIDIA GPU and the `gpu` extra (README, 'NVIDIA GPUs').

    python build_tools/build_trt_plans.py [--sizes 512x512 1280x720 1920x1080]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from engine.cli import parse_size
from engine.errors import StandinError
from engine.render.backends import choose_backend

DEFAULT_SIZES = [(512, 512), (1280, 720), (1920, 1080)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_size, nargs="+", default=DEFAULT_SIZES)
    args = parser.parse_args()
    try:
        choose_backend("tensorrt")
    except StandinError as error:
        print(f"build_trt_plans: {error}", file=sys.stderr)
        return 2
    from engine.render.tensorrt_render import TensorRTRenderer

    texture = np.zeros((64, 64, 3), np.uint8)  # the plan takes any texture size
    for size in args.sizes:
        start = time.perf_counter()
        TensorRTRenderer(texture, 1.0, size, say=print)  # builds, or finds it current
        print(f"{size[0]}x{size[1]}: plan ready ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
