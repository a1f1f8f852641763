"""engine.image_io: every kind of photo a user may pick, and every kind that must be refused."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from engine.errors import OutputError, PortraitError
from engine.image_io import read_image, write_image

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
ASTRONAUT = data.astronaut()  # 512x512 RGB


def _png(
    width: int, height: int, color_type: int, bit_depth: int, pixels: np.ndarray | None
) -> bytes:
    """A hand-built PNG, for layouts OpenCV cannot write (grey+alpha) or headers that lie."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    idat = b""
    if pixels is not None:
        rows = pixels.astype(">u2" if bit_depth == 16 else np.uint8).reshape(height, -1)
        idat = zlib.compress(b"".join(b"\x00" + row.tobytes() for row in rows))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _write_bgr(path: Path, rgb: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))
    return path


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(PortraitError) as info:
        read_image(path)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


# --- images that must load ---------------------------------------------------------------


def test_png_round_trip_is_exact(tmp_path: Path) -> None:
    write_image(tmp_path / "a.png", ASTRONAUT)
    image = read_image(tmp_path / "a.png")
    assert image.dtype == np.uint8 and image.flags.c_contiguous
    np.testing.assert_array_equal(image, ASTRONAUT)


def test_jpeg_round_trip_keeps_colour_order(tmp_path: Path) -> None:
    write_image(tmp_path / "a.jpg", ASTRONAUT)
    image = read_image(str(tmp_path / "a.jpg"))
    assert image.shape == ASTRONAUT.shape
    assert np.abs(image.astype(int) - ASTRONAUT).mean() < 3  # swapped R/B would be ~40


def test_grayscale_becomes_three_equal_channels(tmp_path: Path) -> None:
    gray = ASTRONAUT[..., 1]
    assert cv2.imwrite(str(tmp_path / "g.png"), gray)
    image = read_image(tmp_path / "g.png")
    assert image.shape == (512, 512, 3)
    for channel in range(3):
        np.testing.assert_array_equal(image[..., channel], gray)


def test_rgba_is_composited_on_white(tmp_path: Path) -> None:
    alpha = np.zeros((512, 512), np.uint8)
    alpha[:, 256:] = 255
    alpha[:100, :100] = 128
    rgba = np.dstack([ASTRONAUT, alpha])
    rgba[:100, :100, :3] = 0  # half-transparent black over white -> mid grey
    assert cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    image = read_image(tmp_path / "a.png")
    assert (image[100:, :256] == 255).all()
    np.testing.assert_array_equal(image[:, 256:], ASTRONAUT[:, 256:])
    assert (np.abs(image[:100, :100].astype(int) - 128) <= 1).all()


def test_gray_alpha_png_is_composited_on_white(tmp_path: Path) -> None:
    gray = ASTRONAUT[..., 0]
    alpha = np.where(np.arange(512) < 256, 0, 255).astype(np.uint8)[None, :].repeat(512, 0)
    (tmp_path / "la.png").write_bytes(_png(512, 512, 4, 8, np.dstack([gray, alpha])))
    image = read_image(tmp_path / "la.png")
    assert (image[:, :256] == 255).all()
    np.testing.assert_array_equal(image[:, 256:, 2], gray[:, 256:])


def test_16_bit_png_becomes_8_bit(tmp_path: Path) -> None:
    assert cv2.imwrite(str(tmp_path / "16.png"), ASTRONAUT[..., ::-1].astype(np.uint16) * 257)
    image = read_image(tmp_path / "16.png")
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, ASTRONAUT)


def test_16_bit_rgba_is_scaled_and_composited(tmp_path: Path) -> None:
    rgba = np.dstack([ASTRONAUT, np.full((512, 512), 255, np.uint8)]).astype(np.uint16) * 257
    rgba[:, :256, 3] = 0
    assert cv2.imwrite(str(tmp_path / "16a.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    image = read_image(tmp_path / "16a.png")
    assert (image[:, :256] == 255).all()
    np.testing.assert_array_equal(image[:, 256:], ASTRONAUT[:, 256:])


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    wide = np.ascontiguousarray(ASTRONAUT[:256])  # 512 wide, 256 high
    ok, jpeg = cv2.imencode(".jpg", wide[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    # Exif APP1 with a single tag: Orientation (0x0112) = 6, "rotate 90 degrees clockwise to view".
    tiff = (
        b"MM\x00\x2a"
        + struct.pack(">IH", 8, 1)
        + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0)
        + b"\x00" * 4
    )
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    (tmp_path / "rotated.jpg").write_bytes(jpeg.tobytes()[:2] + app1 + jpeg.tobytes()[2:])
    image = read_image(tmp_path / "rotated.jpg")
    assert image.shape == (512, 256, 3)
    assert np.abs(image.astype(int) - np.rot90(wide, -1)).mean() < 3


def test_cmyk_jpeg_is_converted(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image", reason="Pillow writes the CMYK JPEG; OpenCV cannot")
    pil.fromarray(ASTRONAUT).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    image = read_image(tmp_path / "cmyk.jpg")
    assert image.shape == (512, 512, 3)
    assert np.abs(image.astype(int) - ASTRONAUT).mean() < 4  # inverted CMYK would be ~100


def test_animated_gif_gives_its_first_frame(tmp_path: Path) -> None:
    if not hasattr(cv2, "imwriteanimation"):
        pytest.skip("OpenCV < 4.11 cannot write GIF animations")
    animation = cv2.Animation()
    animation.frames = [
        np.ascontiguousarray(ASTRONAUT[..., ::-1]),
        np.ascontiguousarray(255 - ASTRONAUT[..., ::-1]),
    ]
    animation.durations = [100, 100]
    assert cv2.imwriteanimation(str(tmp_path / "a.gif"), animation)
    image = read_image(tmp_path / "a.gif")
    assert np.abs(image.astype(int) - ASTRONAUT).mean() < 20  # 256-colour palette
    assert np.abs(image.astype(int) - (255 - ASTRONAUT)).mean() > 60


# --- images that must be refused -----------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    _refused(tmp_path / "nope.jpg", "nope.jpg does not exist", "check the path")


def test_directory(tmp_path: Path) -> None:
    _refused(tmp_path, "is a folder", "choose a JPEG or PNG")


def test_zero_bytes(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    _refused(tmp_path / "empty.png", "empty.png is empty", "choose a JPEG or PNG")


def test_text_file_named_jpg(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("this is not a photo\n" * 50)
    _refused(
        tmp_path / "notes.jpg", "cannot read", "notes.jpg", "not an image", "choose a JPEG or PNG"
    )


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_image(tmp_path: Path, suffix: str, keep: float) -> None:
    ok, encoded = cv2.imencode(suffix, ASTRONAUT[..., ::-1])
    assert ok
    (tmp_path / f"cut{suffix}").write_bytes(encoded.tobytes()[: int(encoded.size * keep)])
    _refused(
        tmp_path / f"cut{suffix}", "cannot read", "damaged or truncated", "choose a JPEG or PNG"
    )


def test_huge_png_header_fails_fast(tmp_path: Path) -> None:
    # Only a header: had the size check not come first, OpenCV would try to allocate 1.2 GB.
    (tmp_path / "huge.png").write_bytes(_png(20000, 20000, 2, 8, None))
    start = time.perf_counter()
    message = _refused(
        tmp_path / "huge.png", "20000x20000 pixels (400 MP)", "limit is 100 MP", "smaller photo"
    )
    assert time.perf_counter() - start < 0.5, message


def test_huge_jpeg_header_fails_fast(tmp_path: Path) -> None:
    ok, small = cv2.imencode(".jpg", ASTRONAUT[..., ::-1])
    assert ok
    jpeg = bytearray(small.tobytes())
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = struct.pack(">HH", 15000, 12000)  # height, width
    (tmp_path / "huge.jpg").write_bytes(bytes(jpeg))
    _refused(tmp_path / "huge.jpg", "12000x15000 pixels (180 MP)", "limit is 100 MP")


def test_tiny_image(tmp_path: Path) -> None:
    _write_bgr(tmp_path / "tiny.png", ASTRONAUT[:30, :40])
    _refused(tmp_path / "tiny.png", "only 40x30 pixels", "at least 64 px on each side")


def test_tiny_image_in_unparsed_format_is_refused_after_decoding(tmp_path: Path) -> None:
    _write_bgr(tmp_path / "tiny.bmp", ASTRONAUT[:30, :40])
    _refused(tmp_path / "tiny.bmp", "only 40x30 pixels")


# --- writing ----------------------------------------------------------------------------------


def test_write_image_into_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot write .*out\.png: .*choose another path"):
        write_image(tmp_path / "missing" / "out.png", ASTRONAUT)


def test_write_image_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"use a \.png, \.jpg or \.jpeg name"):
        write_image(tmp_path / "out.gifx", ASTRONAUT)
    assert not (tmp_path / "out.gifx").exists()


# --- real photos --------------------------------------------------------------------------


@pytest.mark.fixtures
@pytest.mark.skipif(
    not (FIXTURES / "portraits").is_dir(), reason=f"{FIXTURES / 'portraits'} is absent"
)
def test_fixture_portraits_load() -> None:
    photos = sorted((FIXTURES / "portraits").glob("*.*g"))
    assert photos
    for photo in photos:
        image = read_image(photo)
        expected = cv2.imread(str(photo), cv2.IMREAD_COLOR)
        assert image.shape == expected.shape, photo
        np.testing.assert_array_equal(image, expected[..., ::-1])
