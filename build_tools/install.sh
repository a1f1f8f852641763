#!/usr/bin/env bash
# Install Stand-in into ./.venv from nothing (PyPI only). Used by `make` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
# mediapipe 0.10.21 is the last wheel that ships its models; its metadata pins numpy<2 and pulls
# jax and opencv-contrib, none of which FaceMesh needs, so its own requirements are listed in
# pyproject.toml and the wheel goes in without them.
.venv/bin/python -m pip install -q --no-deps mediapipe==0.10.21
