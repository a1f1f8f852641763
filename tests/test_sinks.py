"""engine.sinks: output reads back with the same frames, count and rate, or fails up front."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from engine.errors import OutputError
from engine.image_io import read_image
from engine.sinks import check_output_path, open_video_sink

REPO = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 160, 120


def smooth_frame(index: int, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """Soft colour waves that drift with `index`: easy on H.264, different in every frame."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = index / 4.0
    rgb = np.stack(
        [
            128 + 90 * np.sin(x / 23 + phase),
            128 + 90 * np.cos(y / 17 - phase),
            128 + 90 * np.sin((x + y) / 31 + 2 * phase),
        ],
        axis=-1,
    )
    return rgb.round().astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.PSNR(np.ascontiguousarray(a), np.ascontiguousarray(b)))


def read_pyav(path: Path) -> tuple[list[np.ndarray], Fraction]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [f.to_ndarray(format="rgb24") for f in container.decode(stream)], stream.average_rate


def read_opencv(path: Path) -> tuple[list[np.ndarray], float, int]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])
    return frames, capture.get(cv2.CAP_PROP_FPS), int(capture.get(cv2.CAP_PROP_FRAME_COUNT))


def write(path: Path | str, frames: list[np.ndarray], fps: float, **options: bool) -> int:
    size = (frames[0].shape[1], frames[0].shape[0])
    with open_video_sink(path, fps, size, **options) as sink:
        for frame in frames:
            sink.write(frame)
    return sink.frames_written


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lossless"),
    [
        ("out.mp4", False),
        ("out.mov", False),
        ("out.mkv", False),
        ("out.mp4", True),
        ("out.mkv", True),
        ("out.avi", False),
    ],
)
def test_video_round_trip(tmp_path: Path, name: str, lossless: bool) -> None:
    frames = [smooth_frame(i) for i in range(20)]
    path = tmp_path / name
    assert write(path, frames, 25, lossless=lossless) == 20

    decoded, rate = read_pyav(path)
    assert rate == 25 and len(decoded) == 20
    cv_frames, cv_fps, cv_count = read_opencv(path)
    assert cv_fps == 25.0 and cv_count == 20 and len(cv_frames) == 20
    exact = lossless or path.suffix == ".avi"
    for reader in (decoded, cv_frames):
        for got, sent in zip(reader, frames):
            assert got.shape == sent.shape
            if exact:
                np.testing.assert_array_equal(got, sent)
            else:
                assert psnr(got, sent) > 35


@pytest.mark.parametrize(
    ("fps", "stored"),
    [(30000 / 1001, Fraction(30000, 1001)), (29.97, Fraction(2997, 100)), (12.5, Fraction(25, 2))],
)
def test_frame_rate_is_kept_exactly(tmp_path: Path, fps: float, stored: Fraction) -> None:
    path = tmp_path / "rate.mp4"
    write(path, [smooth_frame(i) for i in range(8)], fps)
    decoded, rate = read_pyav(path)
    assert rate == stored and len(decoded) == 8
    _, cv_fps, cv_count = read_opencv(path)
    assert abs(cv_fps - fps) < 1e-6 and cv_count == 8


def test_odd_size_is_padded_for_h264(tmp_path: Path) -> None:
    frames = [smooth_frame(i, 161, 121) for i in range(5)]
    write(tmp_path / "odd.mp4", frames, 25)
    decoded, _ = read_pyav(tmp_path / "odd.mp4")
    assert decoded[0].shape == (122, 162, 3)
    assert psnr(decoded[0][:121, :161], frames[0]) > 35
    # the extra column repeats the last one rather than adding a black edge
    assert np.abs(decoded[0][:121, 161].astype(int) - frames[0][:, 160]).mean() < 4


def test_odd_size_lossless_is_not_padded(tmp_path: Path) -> None:
    frames = [smooth_frame(i, 161, 121) for i in range(3)]
    write(tmp_path / "odd.mp4", frames, 25, lossless=True)
    decoded, _ = read_pyav(tmp_path / "odd.mp4")
    np.testing.assert_array_equal(np.stack(decoded), np.stack(frames))


@pytest.mark.parametrize("folder", ["frames/", "frames"])
def test_png_folder(tmp_path: Path, folder: str) -> None:
    frames = [smooth_frame(i) for i in range(3)]
    write(f"{tmp_path}/{folder}", frames, 25)
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
    np.testing.assert_array_equal(read_image(tmp_path / "frames" / "frame_000002.png"), frames[2])


def test_png_folder_overwrite_removes_only_stale_frames(tmp_path: Path) -> None:
    write(tmp_path / "frames", [smooth_frame(i) for i in range(4)], 25)
    (tmp_path / "frames" / "notes.txt").write_text("keep me")
    with pytest.raises(
        OutputError, match=r"frames already holds frames: .*--overwrite \(nothing was overwritten\)"
    ):
        check_output_path(tmp_path / "frames")
    write(tmp_path / "frames", [smooth_frame(9)] * 2, 25, overwrite=True)
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        "frame_000000.png",
        "frame_000001.png",
        "notes.txt",
    ]


def test_wrong_frame_shape_is_a_programming_error(tmp_path: Path) -> None:
    with open_video_sink(tmp_path / "x.mp4", 25, (WIDTH, HEIGHT)) as sink:  # noqa: SIM117
        with pytest.raises(ValueError, match=r"expected a \(120, 160, 3\) uint8 frame"):
            sink.write(smooth_frame(0, 120, 160))


def test_failure_while_writing_is_an_output_error(tmp_path: Path) -> None:
    folder = tmp_path / "gone"
    folder.mkdir()
    expected = r"cannot write .*x\.mp4: No such file or directory; free disk space"
    with pytest.raises(OutputError, match=expected):  # noqa: SIM117 - parenthesised with needs 3.10
        with open_video_sink(folder / "x.mp4", 25, (WIDTH, HEIGHT)) as sink:
            folder.rmdir()  # the file is created only with the first packet, after x264's lookahead
            for index in range(40):
                sink.write(smooth_frame(index))
    assert sink.frames_written < 40


# --- refusing up front --------------------------------------------------------------------------


def test_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.mp4"
    with pytest.raises(OutputError) as info:
        open_video_sink(target, 25, (WIDTH, HEIGHT))
    assert str(info.value) == (
        f"cannot write {target}: the folder {tmp_path / 'out'} does not exist; "
        "create it or choose another path"
    )


def test_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "out.mp4"
    target.write_bytes(b"precious")
    with pytest.raises(OutputError) as info:
        open_video_sink(target, 25, (WIDTH, HEIGHT))
    assert (
        str(info.value) == f"{target} already exists: choose another name or pass --overwrite "
        "(nothing was overwritten)"
    )
    assert target.read_bytes() == b"precious"
    write(target, [smooth_frame(0)], 25, overwrite=True)
    assert len(read_pyav(target)[0]) == 1


def test_unknown_extension_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"out\.webm: .*use \.mp4, \.mkv, \.avi or a folder name"):
        open_video_sink(tmp_path / "out.webm", 25, (WIDTH, HEIGHT))
    assert list(tmp_path.iterdir()) == []


def test_folder_with_a_video_name(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").mkdir()
    with pytest.raises(OutputError, match="a folder has that name; choose another file name"):
        check_output_path(tmp_path / "clip.mp4", overwrite=True)


def test_unwritable_folder(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
    elif Path("/sys").is_dir():
        locked = Path(
            "/sys"
        )  # root ignores permission bits, but sysfs refuses new files even to root
    else:
        pytest.skip("running as root without /sys: no folder here is unwritable")
    with pytest.raises(
        OutputError, match=r"x\.mp4: the folder .* is not writable .*; choose another folder"
    ):
        check_output_path(locked / "x.mp4")


# --- crash safety -------------------------------------------------------------------------------

_RECORDER = textwrap.dedent(
    """
    import sys, time
    from engine.sinks import open_video_sink
    from tests.test_sinks import smooth_frame
    sink = open_video_sink(sys.argv[1], 25, (160, 120))
    for i in range(int(sys.argv[2])):
        sink.write(smooth_frame(i))
    print("written", flush=True)
    time.sleep(60)  # killed here, with the encoder and muxer still holding the tail
    """
)


def test_mp4_survives_sigkill(tmp_path: Path) -> None:
    # 110 is the worst case for 25 fps: keyframe 100 is still inside x264 (about 11 frames of
    # lookahead), so the fragment 75-99 has not been closed yet and frames 75-109 are lost.
    written, fps, encoder_delay = 110, 25, 12
    target = tmp_path / "live.mp4"
    child = subprocess.Popen(
        [sys.executable, "-c", _RECORDER, str(target), str(written)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "written"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    decoded, rate = read_pyav(target)
    cv_frames, cv_fps, _ = read_opencv(target)
    assert rate == 25 and cv_fps == 25.0
    assert len(cv_frames) == len(decoded)
    assert written - fps - encoder_delay <= len(decoded) < written
    for index, frame in enumerate(decoded):
        assert psnr(frame, smooth_frame(index)) > 35, index
