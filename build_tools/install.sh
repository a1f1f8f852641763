#!/usr/bin/env bash
# Install Stand-in into ./.venv from nothing (PyPI only). Used by `make` and CI.
#   install.sh          what the app needs (no GPU packages, no CUDA download)
#   install.sh --test   also what the tests need, with PyTorch's CPU build
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
pip=".venv/bin/python -m pip"
$pip install -q --upgrade pip
if [[ "${1:-}" == "--test" ]]; then
    $pip install -q -e ".[test]"
    # PyTorch CPU build for the GPU backends' parity tests: a wheel in pip's find-links where
    # there is one (no network), else PyTorch's CPU index. Its own dependencies come after.
    $pip install -q --no-index --no-deps torch==2.13.0 2>/dev/null ||
        $pip install -q --no-deps torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    $pip install -q torch==2.13.0
else
    $pip install -q -e .
fi
# mediapipe 0.10.21 is the last wheel that ships its models; its metadata pins numpy<2 and pulls
# jax and opencv-contrib, none of which FaceMesh needs, so its own requirements are listed in
# pyproject.toml and the wheel goes in without them.
$pip install -q --no-deps mediapipe==0.10.21
