#!/usr/bin/env bash
# Download, into gpu_wheels/ (git-ignored), the Python 3.12 x86-64 wheels that the lent GPU
# machine lacks for the engine's render and bench paths (README, 'NVIDIA GPUs'). Run here, where
# pip reaches PyPI; the device tool carries the folder (`carry: ["gpu_wheels"]`) and its command
# installs the wheels with --no-index (that machine has no network).
#
# mediapipe is missing there, and protobuf 6 is carried beside it. The rest of what those paths
# import is in the machine's image: torch, numpy, scipy, scikit-image, opencv-python-headless,
# matplotlib, tqdm, pillow, absl-py, attrs, flatbuffers, onnx, onnxruntime, pytest. mediapipe
# goes in without its metadata's requirements (as in install.sh): FaceMesh needs neither jax,
# opencv-contrib nor sounddevice (mediapipe imports the last only if present). Its protobuf<5
# pin is not carried (the image's onnx, for torch's ONNX export, needs protobuf >= 5, and
# FaceMesh gives the same landmarks on protobuf 6), but protobuf 6 is: the image moved to
# protobuf 7 (seen 2026-12-04), whose descriptors lack the `label` mediapipe's graph set-up
# reads (FaceMesh fails to start there). The carried wheel comes first on PYTHONPATH.
#   PYTHON=python3 build_tools/gpu_wheels.sh   (default: .venv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=gpu_wheels
LIMIT=$((64 * 1024 * 1024))  # what the device tool sends: working tree plus carried paths
PYTHON="${PYTHON:-$( [[ -x .venv/bin/python ]] && echo .venv/bin/python || echo python3 )}"
mediapipe=$(sed -n 's/^MEDIAPIPE_VERSION = "\(.*\)"/\1/p' engine/tracking.py)
WHEELS=("mediapipe==$mediapipe" "protobuf>=6,<7")

# A fresh folder each time: two versions of one package stop the install there.
rm -rf "$DEST"
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d "$DEST" "${WHEELS[@]}"

size() { stat -c %s "$@" | awk '{ total += $1 } END { print total + 0 }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
for wheel in "$DEST"/*.whl; do
    printf '%-72s %10s\n' "$wheel" "$(mib "$(size "$wheel")")"
done
wheels=$(size "$DEST"/*.whl)
# What travels besides the carried folder: tracked files and untracked ones git does not ignore.
mapfile -d '' tree_files < <(git ls-files -z --cached --others --exclude-standard)
tree=0
for file in "${tree_files[@]}"; do
    [[ -f "$file" ]] && tree=$((tree + $(stat -c %s "$file")))
done
echo "wheels $(mib "$wheels") + working tree $(mib "$tree") = $(mib $((wheels + tree))) of" \
     "the device tool's $(mib "$LIMIT")"
if (( wheels + tree > LIMIT )); then
    echo "gpu_wheels.sh: over the device tool's limit by $(mib $((wheels + tree - LIMIT))):" \
         "the machine would refuse the call; carry fewer wheels or ignore large untracked files" >&2
    exit 1
fi
cat <<'EOF'
device command (run, carry ["gpu_wheels"], timeout_s 360):
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site gpu_wheels/*.whl && PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 python3 build_tools/gpu_check.py
EOF
