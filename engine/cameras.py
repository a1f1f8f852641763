"""The cameras on this machine, with names where the OS gives them."""
from __future__ import annotations

import platform
from dataclasses import dataclass
from pathlib import Path

import cv2

V4L2_DEVICES = Path("/sys/class/video4linux")
PROBE_INDICES = 4  # elsewhere, indices 0..3 are opened to see which answer


@dataclass(frozen=True)
class Camera:
    index: int
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.index})"


def list_cameras() -> list[Camera]:
    """Capture devices, by index. On Linux read from sysfs (names, no device opened: fast,
    and a camera in use elsewhere is still listed); elsewhere found by opening each index."""
    if platform.system() == "Linux":
        return _linux_cameras()
    found = []
    for index in range(PROBE_INDICES):
        capture = cv2.VideoCapture(index)
        if capture.isOpened():
            found.append(Camera(index, f"Camera {index}"))
        capture.release()
    return found


def _linux_cameras() -> list[Camera]:
    if not V4L2_DEVICES.is_dir():
        return []
    cameras = []
    for device in sorted(V4L2_DEVICES.glob("video*")):
        index = device.name.removeprefix("video")
        if not index.isdigit():
            continue
        # A camera exposes a metadata node beside its capture node; only index 0 of a
        # device's nodes captures pictures.
        node_index = (device / "index").read_text().strip() if (device / "index").exists() else "0"
        if node_index != "0":
            continue
        name_file = device / "name"
        name = name_file.read_text().strip() if name_file.exists() else f"Camera {index}"
        cameras.append(Camera(int(index), name))
    return cameras
