"""Reading portraits and writing single images; frames are RGB uint8 (H, W, 3)."""

from __future__ import annotations

import io
import os
import struct
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.errors import OutputError, PortraitError

MAX_PIXELS = 100_000_000
MAX_FILE_MB = 400  # larger is not a photo (100 MP uncompressed is 300 MB); never read whole
MIN_SIDE = 64

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header without decoding pixels; None otherwise."""
    if data.startswith(_PNG_SIGNATURE) and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(_JPEG_SIGNATURE):
        pos = 2
        while pos + 9 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte before a marker
                pos += 1
            elif marker in _JPEG_SOF:
                height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
                return width, height
            else:
                pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return None


def _stored_size(name: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) of any other format Pillow knows (TIFF, BMP, GIF, WebP, ...), from its
    header, without decoding pixels; None where Pillow cannot read the header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:  # Pillow's own limit, above ours
        raise PortraitError(f"{name} is over {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} MP: "
                            f"the limit is {MAX_PIXELS // 1_000_000} MP; use a smaller photo"
                            ) from None
    except Exception:  # not an image Pillow knows, or a damaged one: OpenCV has the last word
        return None


def _check_size(path: str, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise PortraitError(
            f"{path} is {width}x{height} pixels ({width * height / 1e6:.0f} MP): "
            f"the limit is {MAX_PIXELS // 1_000_000} MP; use a smaller photo"
        )
    if min(width, height) < MIN_SIDE:
        raise PortraitError(
            f"{path} is only {width}x{height} pixels: "
            f"use a photo at least {MIN_SIDE} px on each side"
        )


def _composite_on_white(bgra: np.ndarray) -> np.ndarray:
    """BGRA of any depth -> RGB uint8 over a white background."""
    scale = float(np.iinfo(bgra.dtype).max) if bgra.dtype.kind in "ui" else 1.0
    pixels = bgra.astype(np.float32) / scale
    alpha = pixels[..., 3:]
    rgb = pixels[..., 2::-1] * alpha + (1.0 - alpha)
    return np.ascontiguousarray(np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8))


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Load a photo as RGB uint8 (H, W, 3): EXIF rotation applied, transparency over white,
    grey/16-bit/CMYK converted, first frame of a GIF. Raises PortraitError with the fix."""
    name = os.fspath(path)
    file = Path(name)
    if not file.exists():
        raise PortraitError(f"{name} does not exist: check the path")
    if file.is_dir():
        raise PortraitError(f"{name} is a folder, not an image: choose a JPEG or PNG photo")
    try:
        megabytes = file.stat().st_size / 2**20
        if megabytes > MAX_FILE_MB:
            raise PortraitError(f"{name} is {megabytes:.0f} MB, too large for a photo (the "
                                f"limit is {MAX_FILE_MB} MB): use a smaller photo")
        data = file.read_bytes()
    except OSError as err:
        raise PortraitError(
            f"cannot read {name}: {err.strerror}; check the file's permissions"
        ) from None
    if not data:
        raise PortraitError(f"{name} is empty (0 bytes): choose a JPEG or PNG photo")
    header_size = _header_size(data) or _stored_size(name, data)
    if header_size is not None:
        _check_size(name, *header_size)  # before decoding, so a huge image never gets allocated

    buffer = np.frombuffer(data, np.uint8)
    try:
        # JPEG has no transparency, and OpenCV applies the EXIF rotation only in colour mode;
        # other formats are first decoded as stored so an alpha channel survives.
        raw = (
            None if data.startswith(_JPEG_SIGNATURE) else cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
        )
        if raw is not None and raw.ndim == 3 and raw.shape[2] == 4:
            rgb = _composite_on_white(raw)
        else:
            bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
            rgb = None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    except cv2.error:
        rgb = None
    if rgb is None:
        raise PortraitError(
            f"cannot read {name}: the file is not an image (or is damaged or truncated); "
            "choose a JPEG or PNG photo"
        )
    _check_size(name, rgb.shape[1], rgb.shape[0])  # formats whose header is not parsed above
    return rgb


def write_image(path: str | os.PathLike[str], rgb: np.ndarray) -> None:
    """Write an RGB uint8 image as PNG or JPEG (chosen by suffix); raises OutputError."""
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise OutputError(f"cannot write {name}: use a .png, .jpg or .jpeg name")
    params = [] if suffix == ".png" else [cv2.IMWRITE_JPEG_QUALITY, 95]
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise OutputError(
            f"cannot write {name}: the image could not be encoded; choose another format"
        )
    try:
        # tofile instead of cv2.imwrite: it reports why a write failed and handles non-ASCII paths.
        encoded.tofile(name)
    except OSError as err:
        raise OutputError(f"cannot write {name}: {err.strerror}; choose another path") from None
