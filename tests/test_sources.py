"""engine.sources: each driving source yields RGB frames at a known rate and fails with a fix."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data

from engine.errors import SourceError
from engine.image_io import write_image
from engine.sources import (
    ArraySource,
    StillImageSource,
    VideoFileSource,
    WebcamSource,
    open_source,
    read_all_frames,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
DRIVING = FIXTURES / "driving"
needs_driving = pytest.mark.skipif(not DRIVING.is_dir(), reason=f"{DRIVING} is absent")
ASTRONAUT = np.ascontiguousarray(data.astronaut()[::4, ::4])  # 128x128 RGB


def _frames(count: int) -> list[np.ndarray]:
    return [np.roll(ASTRONAUT, 8 * i, axis=1) for i in range(count)]


def _write_ffv1(path: Path, frames: list[np.ndarray], fps: int) -> Path:
    """A lossless video written with PyAV directly, so these tests do not depend on engine.sinks."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=fps)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "bgr0"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
    return path


def test_video_file_gives_rgb_frames_count_and_fps(tmp_path: Path) -> None:
    frames = _frames(12)
    path = _write_ffv1(tmp_path / "v.avi", frames, fps=30)
    with VideoFileSource(path) as source:
        assert (source.fps, source.frame_count, source.size, source.name) == (
            30.0,
            12,
            (128, 128),
            str(path),
        )
        got = list(source)
    assert len(got) == 12
    for mine, theirs in zip(got, frames):
        assert mine.dtype == np.uint8 and mine.flags.c_contiguous
        np.testing.assert_array_equal(mine, theirs)  # RGB order, first frame not lost


def test_read_returns_none_at_the_end(tmp_path: Path) -> None:
    with VideoFileSource(_write_ffv1(tmp_path / "v.avi", _frames(2), fps=25)) as source:
        assert source.read() is not None and source.read() is not None
        assert source.read() is None
        assert source.read() is None


def test_read_all_frames(tmp_path: Path) -> None:
    frames, fps = read_all_frames(_write_ffv1(tmp_path / "v.avi", _frames(5), fps=24))
    assert fps == 24.0 and len(frames) == 5
    np.testing.assert_array_equal(frames[4], _frames(5)[4])


def test_video_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"gone\.mp4 does not exist: check the path"):
        VideoFileSource(tmp_path / "gone.mp4")
    (tmp_path / "text.mp4").write_text("not a video\n" * 100)
    with pytest.raises(
        SourceError, match=r"cannot read video .*text\.mp4: .*choose an MP4/AVI/MPG file"
    ):
        VideoFileSource(tmp_path / "text.mp4")
    with pytest.raises(SourceError, match="is a folder"):
        VideoFileSource(tmp_path)


def test_still_image_repeats_a_clean_copy(tmp_path: Path) -> None:
    write_image(tmp_path / "still.png", ASTRONAUT)
    source = StillImageSource(tmp_path / "still.png", fps=10.0, frame_count=3)
    assert (source.fps, source.frame_count, source.size) == (10.0, 3, (128, 128))
    first = source.read()
    first[:] = 0  # a caller drawing on its frame must not change the next one
    rest = list(source)
    assert len(rest) == 2
    np.testing.assert_array_equal(rest[-1], ASTRONAUT)


def test_still_image_without_count_never_ends() -> None:
    source = StillImageSource(ASTRONAUT)
    assert source.fps == 25.0 and source.frame_count is None
    assert all(source.read() is not None for _ in range(100))


def test_still_image_errors_are_source_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(SourceError, match="not an image"):
        StillImageSource(tmp_path / "bad.png")


def test_array_source() -> None:
    frames = _frames(4)
    with ArraySource(frames, fps=12.5) as source:
        assert (source.fps, source.frame_count, source.size) == (12.5, 4, (128, 128))
        assert [id(f) for f in source] == [id(f) for f in frames]
    with pytest.raises(SourceError, match="holds no frames"):
        ArraySource([], fps=25)


def test_open_source_dispatch(tmp_path: Path) -> None:
    write_image(tmp_path / "still.JPG", ASTRONAUT)
    video = _write_ffv1(tmp_path / "v.avi", _frames(3), fps=25)
    with open_source(str(tmp_path / "still.JPG"), still_fps=5.0, still_frame_count=2) as source:
        assert isinstance(source, StillImageSource) and source.fps == 5.0 and len(list(source)) == 2
    with open_source(video) as source:
        assert isinstance(source, VideoFileSource)
    with pytest.raises(SourceError, match=r"missing\.mpg does not exist: check the path"):
        open_source(tmp_path / "missing.mpg")


def test_open_source_digits_mean_a_camera(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[int] = []

    class FakeCamera:
        def __init__(self, index: int) -> None:
            opened.append(index)

    monkeypatch.setattr("engine.sources.WebcamSource", FakeCamera)
    assert isinstance(open_source(2), FakeCamera) and isinstance(open_source("7"), FakeCamera)
    assert opened == [2, 7]


def test_missing_camera() -> None:
    with pytest.raises(
        SourceError, match=r"no camera at index 97: connect a camera or choose another index"
    ):
        WebcamSource(97)


@pytest.mark.fixtures
@needs_driving
def test_grid_fixture_reads_75_frames_at_25_fps() -> None:
    videos = sorted(DRIVING.glob("*.mpg"))
    assert videos
    with open_source(str(videos[0])) as source:
        assert (source.fps, source.frame_count, source.size) == (25.0, 75, (360, 288))
        frames = list(source)
    assert len(frames) == 75
    assert all(f.shape == (288, 360, 3) and f.dtype == np.uint8 for f in frames)
    expected = cv2.VideoCapture(str(videos[0])).read()[1]
    np.testing.assert_array_equal(frames[0], expected[..., ::-1])
