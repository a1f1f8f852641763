#!/usr/bin/env bash
# Install Stand-in into ./.venv from nothing (PyPI only). Used by `make` and CI.
#   install.sh          what the app needs (no GPU packages, no CUDA download)
#   install.sh --test   also what the tests need, with PyTorch's CPU build
#   PYTHON=python3.12 install.sh   with that Python (default: python3 if it is 3.9-3.12)
set -euo pipefail
cd "$(dirname "$0")/.."

supported() { "$1" -c 'import sys; sys.exit(not (3, 9) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; }
if [[ -z "${PYTHON:-}" ]]; then
    for candidate in python3 python3.12 python3.11 python3.10 python3.9; do
        if supported "$candidate"; then PYTHON=$candidate; break; fi
    done
fi
# mediapipe 0.10.21, the last release that ships its models, has wheels for 3.9-3.12 only
if [[ -z "${PYTHON:-}" ]] || ! supported "$PYTHON"; then
    echo "Stand-in needs Python 3.9 to 3.12 (mediapipe 0.10.21 has no wheel for others) and" \
         "found none: install one (e.g. \`uv python install 3.12\` or pyenv), then run" \
         "\`make PYTHON=/path/to/python3.12 ...\`." >&2
    exit 1
fi
# System packages first: where they cannot be installed, nothing else is.
if [[ "${1:-}" == "--test" ]]; then groups="core"; else groups="core desktop"; fi
PYTHON=$PYTHON bash build_tools/system_packages.sh $groups
"$PYTHON" -m venv .venv
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
mediapipe=$(sed -n 's/^MEDIAPIPE_VERSION = "\(.*\)"/\1/p' engine/tracking.py)
$pip install -q --no-deps "mediapipe==$mediapipe"
