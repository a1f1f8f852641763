"""Bad portrait files, made from the astronaut (public domain) and a fixed seed: truncated and
corrupted JPEGs and PNGs, empty files, wrong extensions, 20000x20000-pixel images in five
formats, grey, RGBA, 16-bit, CMYK, palette and animated images, text and random bytes under
image names, tiny and extreme sizes, no face and two faces."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

HUGE = 20000


def _encode(rgb: np.ndarray, suffix: str) -> bytes:
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return encoded.tobytes()


def _pillow(image: Image.Image, fmt: str, **options) -> bytes:
    from io import BytesIO

    out = BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _huge_png() -> bytes:
    """A valid 20000x20000 grey PNG (1 MB on disk, 400 MB of pixels): zero rows, streamed."""
    squash = zlib.compressobj(9)
    row = bytes(HUGE + 1)  # filter byte + pixels
    body = b"".join(squash.compress(row) for _ in range(HUGE)) + squash.flush()
    header = struct.pack(">IIBBBBB", HUGE, HUGE, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body)
            + _png_chunk(b"IEND", b""))


def _huge_jpeg(small: bytes) -> bytes:
    """A real JPEG whose frame header says 20000x20000."""
    at = next(i for i in range(2, len(small) - 9) if small[i] == 0xFF and small[i + 1] == 0xC0)
    return small[:at + 5] + struct.pack(">HH", HUGE, HUGE) + small[at + 9:]


def _huge_gif() -> bytes:
    """A GIF whose screen and image are 20000x20000, with a few bytes of picture."""
    return (b"GIF89a" + struct.pack("<HH", HUGE, HUGE) + b"\x80\x00\x00" + bytes(6)
            + b"\x2c" + struct.pack("<HHHH", 0, 0, HUGE, HUGE) + b"\x00" + b"\x02\x02\x4c\x01\x00"
            + b"\x3b")


def _huge_bmp() -> bytes:
    """A BMP header for 20000x20000x24 bits with no pixels after it."""
    size = HUGE * HUGE * 3
    return (b"BM" + struct.pack("<IHHI", 54 + size, 0, 0, 54)
            + struct.pack("<IiiHHIIiiII", 40, HUGE, HUGE, 1, 24, 0, size, 2835, 2835, 0, 0))


def make_bad_portraits(folder: Path) -> list[Path]:
    """Writes the files into `folder` (made if needed) and returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    face = data.astronaut()
    jpeg, png = _encode(face, ".jpg"), _encode(face, ".png")
    files: dict[str, bytes] = {}

    for k, cut in enumerate(np.linspace(0, len(jpeg), 42)[1:-1].astype(int)):
        files[f"truncated-{k:02d}.jpg"] = jpeg[:cut]
    for k, cut in enumerate(np.linspace(0, len(png), 42)[1:-1].astype(int)):
        files[f"truncated-{k:02d}.png"] = png[:cut]
    for name, whole in (("jpg", jpeg), ("png", png)):
        for k in range(30):
            damaged = bytearray(whole)
            for at in rng.integers(0, len(whole), size=1 + k % 8):
                damaged[at] ^= 1 << int(rng.integers(0, 8))
            files[f"flipped-{k:02d}.{name}"] = bytes(damaged)
    for suffix in ("jpg", "png", "webp", "gif", "tif"):
        files[f"empty.{suffix}"] = b""

    grey = cv2.cvtColor(face, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([face, np.full(face.shape[:2], 255, np.uint8)])
    half = rgba.copy()
    half[:, :, 3] = 128
    clear = rgba.copy()
    clear[:, :, 3] = 0
    pil = Image.fromarray(face)
    gif = _pillow(pil.convert("P"), "GIF")
    files.update({
        "png-named.jpg": png, "jpeg-named.png": jpeg, "gif-named.jpg": gif,
        "tiff-named.png": _pillow(pil, "TIFF"), "webp-named.jpg": _pillow(pil, "WEBP"),
        "bmp-named.png": _encode(face, ".bmp"),
        "huge.png": _huge_png(), "huge.jpg": _huge_jpeg(jpeg), "huge.gif": _huge_gif(),
        "huge.bmp": _huge_bmp(),
        "huge.tif": _pillow(Image.new("L", (HUGE, HUGE)), "TIFF", compression="tiff_deflate"),
        "grey.png": _pillow(Image.fromarray(grey), "PNG"),
        "grey.jpg": _pillow(Image.fromarray(grey), "JPEG"),
        "rgba-opaque.png": _pillow(Image.fromarray(rgba), "PNG"),
        "rgba-half.png": _pillow(Image.fromarray(half), "PNG"),
        "rgba-clear.png": _pillow(Image.fromarray(clear), "PNG"),
        "grey-alpha.png": _pillow(pil.convert("LA"), "PNG"),
        "16-bit.png": cv2.imencode(".png", cv2.cvtColor(face, cv2.COLOR_RGB2BGR)
                                   .astype(np.uint16) * 257)[1].tobytes(),
        "16-bit-grey.png": cv2.imencode(".png", grey.astype(np.uint16) * 257)[1].tobytes(),
        "16-bit.tif": cv2.imencode(".tif", cv2.cvtColor(face, cv2.COLOR_RGB2BGR)
                                   .astype(np.uint16) * 257)[1].tobytes(),
        "cmyk.jpg": _pillow(pil.convert("CMYK"), "JPEG"),
        "palette.png": _pillow(pil.convert("P"), "PNG"),
        "animated.gif": _pillow(pil.convert("P"), "GIF", save_all=True, duration=100,
                                append_images=[Image.fromarray(face[:, ::-1]).convert("P")]),
        "animated-blank-first.gif": _pillow(Image.new("P", pil.size), "GIF", save_all=True,
                                            append_images=[pil.convert("P")]),
        "photo.webp": _pillow(pil, "WEBP"), "photo.bmp": _encode(face, ".bmp"),
        "photo.tif": _pillow(pil, "TIFF"),
        "rotated-exif.jpg": _pillow(pil, "JPEG", exif=_exif_rotated()),
        "text.jpg": b"this is not a picture\n" * 20, "page.png": b"<html><body>hi</body></html>",
        "data.jpeg": b'{"portrait": true}', "one-byte.png": b"\x89",
        "drawing.png": b'<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"/>',
        "document.jpg": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        "1x1.png": _encode(face[:1, :1], ".png"), "10x10.jpg": _encode(face[:10, :10], ".jpg"),
        "63x63.png": _encode(face[:63, :63], ".png"),
        "sliver.png": _encode(cv2.resize(face, (5000, 20)), ".png"),
        "coffee-no-face.jpg": _encode(data.coffee(), ".jpg"),
        "noise.png": _encode(rng.integers(0, 256, (512, 512, 3), dtype=np.uint8), ".png"),
        "two-faces.png": _encode(np.hstack([face, face[:, ::-1]]), ".png"),
    })
    for k in range(10):
        files[f"random-{k}.{('jpg', 'png', 'gif', 'webp', 'tif')[k % 5]}"] = \
            rng.integers(0, 256, int(rng.integers(10, 5000)), dtype=np.uint8).tobytes()
    for k in range(5):
        files[f"jpeg-magic-{k}.jpg"] = b"\xff\xd8\xff\xe0" + rng.bytes(int(rng.integers(10, 3000)))
        files[f"png-magic-{k}.png"] = b"\x89PNG\r\n\x1a\n" + rng.bytes(int(rng.integers(10, 3000)))

    paths = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    (folder / "folder.jpg").mkdir(exist_ok=True)
    (folder / "dangling.png").unlink(missing_ok=True)
    (folder / "dangling.png").symlink_to(folder / "nowhere.png")
    return paths + [folder / "folder.jpg", folder / "dangling.png"]


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    return exif.tobytes()
