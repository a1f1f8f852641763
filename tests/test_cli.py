"""`standin` as a user runs it: real files in, real files out, one-line errors, no tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from engine import metrics
from engine.demo_driver import DemoDriver
from engine.sinks import open_video_sink

REPO = Path(__file__).resolve().parents[1]


def standin(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=300)


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    with open_video_sink(path, fps, (frames[0].shape[1], frames[0].shape[0])) as sink:
        for f in frames:
            sink.write(f)
    return path


@pytest.fixture(scope="module")
def portrait_file(tmp_path_factory, astronaut) -> Path:
    path = tmp_path_factory.mktemp("portrait") / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="module")
def driving_file(tmp_path_factory, astronaut_portrait) -> Path:
    demo = DemoDriver(astronaut_portrait, seconds=1.0)
    frames = [demo.read() for _ in range(20)]
    return _write_video(tmp_path_factory.mktemp("driving") / "talk.mp4", frames)


def _read(path: Path) -> tuple[int, float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return sum(1 for _ in container.decode(stream)), float(stream.average_rate)


def _assert_clean_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("standin: error: "), result.stderr
    for word in words:
        assert word in lines[0]


def test_render_keeps_frame_count_and_rate(tmp_path, portrait_file, driving_file):
    out = tmp_path / "out.mp4"
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file,
                     "--out", out, "--size", "256")
    assert result.returncode == 0, result.stderr
    assert "wrote 20 frames, 256x256 at 25 fps" in result.stdout
    assert "Traceback" not in result.stderr and "W0000" not in result.stderr
    assert _read(out) == (20, 25.0)


def test_render_lossless_png_folder(tmp_path, portrait_file, driving_file):
    out = tmp_path / "frames"
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file,
                     "--out", out, "--size", "128x96")
    assert result.returncode == 0, result.stderr
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == 20
    assert cv2.imread(str(pngs[0])).shape == (96, 128, 3)


def test_driving_frames_without_a_face_are_held_and_said(tmp_path, portrait_file, astronaut_portrait):
    demo = DemoDriver(astronaut_portrait, seconds=0.5)
    frames = [demo.read() for _ in range(6)] + [np.full((512, 512, 3), 80, np.uint8)] * 6
    driving = _write_video(tmp_path / "gap.mp4", frames)
    out = tmp_path / "out.mp4"
    result = standin("render", "--portrait", portrait_file, "--driving", driving, "--out", out,
                     "--size", "128", "--quiet")
    assert result.returncode == 0, result.stderr
    assert "no face in 6 driving frame(s): the last pose was held, then eased" in result.stderr
    assert _read(out)[0] == 12


def test_portrait_without_a_face(tmp_path, driving_file):
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    result = standin("render", "--portrait", blank, "--driving", driving_file, "--out",
                     tmp_path / "o.mp4")
    _assert_clean_error(result, "no face found in wall.png")
    assert not (tmp_path / "o.mp4").exists()


def test_portrait_that_is_not_an_image(tmp_path, driving_file):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    result = standin("render", "--portrait", text, "--driving", driving_file, "--out",
                     tmp_path / "o.mp4")
    _assert_clean_error(result, "notes.jpg")


def test_output_that_cannot_be_written(tmp_path, portrait_file, driving_file):
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file, "--out",
                     tmp_path / "missing" / "o.mp4")
    _assert_clean_error(result, "does not exist")


def test_existing_output_is_never_overwritten(tmp_path, portrait_file, driving_file):
    out = tmp_path / "mine.mp4"
    out.write_bytes(b"precious")
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file, "--out", out)
    _assert_clean_error(result, "already exists", "--overwrite")
    assert out.read_bytes() == b"precious"


def test_missing_driving_video(tmp_path, portrait_file):
    result = standin("render", "--portrait", portrait_file, "--driving", tmp_path / "nope.mp4",
                     "--out", tmp_path / "o.mp4")
    _assert_clean_error(result, "nope.mp4")


def test_bad_size_is_a_usage_error(tmp_path, portrait_file, driving_file):
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file, "--out",
                     tmp_path / "o.mp4", "--size", "big")
    assert result.returncode == 2 and "write N or WxH" in result.stderr
    assert "Traceback" not in result.stderr


def test_follow_distance_outside_0_to_1_is_a_usage_error(tmp_path, portrait_file, driving_file):
    result = standin("render", "--portrait", portrait_file, "--driving", driving_file, "--out",
                     tmp_path / "o.mp4", "--follow-distance", "1.5")
    assert result.returncode == 2 and "not a number from 0 to 1" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o.mp4").exists()


def test_edit_options_reach_the_output(tmp_path, portrait_file, astronaut):
    still = tmp_path / "still.png"  # a still driving image renders one second
    cv2.imwrite(str(still), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    outputs = {}
    for name, extra in (("plain", []), ("edited", ["--yaw", "20", "--smile", "0.8"])):
        out = tmp_path / f"{name}.avi"
        result = standin("render", "--portrait", portrait_file, "--driving", still, "--out", out,
                         *extra)
        assert result.returncode == 0, result.stderr
        with av.open(str(out)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert len(frames) == 25
        outputs[name] = frames[-1]
    assert metrics.psnr(outputs["plain"], astronaut) >= 40  # no edits: the portrait itself
    assert metrics.psnr(outputs["edited"], astronaut) < 30  # the edits changed it


def test_bench_prints_stages_and_fps():
    result = standin("bench", "--frames", "20", "--sizes", "256x256")
    assert result.returncode == 0, result.stderr
    line = [l for l in result.stdout.splitlines() if l.startswith("256x256:")][0]
    for stage in ("track", "motion", "retarget", "warp", "render", "total"):
        assert f"{stage} " in line
    assert "FPS" in line


def test_still_video_of_the_portrait_renders_the_portrait(tmp_path, portrait_file, astronaut):
    """A video of the portrait itself, not moving, drives it: the output is the portrait."""
    driving = _write_video(tmp_path / "still.mp4", [astronaut] * 25)
    out = tmp_path / "still.avi"
    result = standin("render", "--portrait", portrait_file, "--driving", driving, "--out", out)
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 25
    psnrs = [metrics.psnr(f, astronaut) for f in frames]
    assert min(psnrs) >= 40, psnrs


def test_soak_reports_rate_work_and_memory(driving_file):
    """`standin bench --soak N` (the real soak is 20000 frames; 150 here): a line per 1000
    frames would not come, but the summary compares the first and last fifths."""
    result = standin("bench", "--soak", "150", "--driving", str(driving_file), "--sizes", "256")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("soak: 150 frames of")
    rate = next(line for line in lines if line.startswith("output rate: first 30 frames"))
    work = next(line for line in lines if line.startswith("work per frame: first 30"))
    memory = next(line for line in lines if line.startswith("resident memory:"))
    assert float(rate.split()[5]) > 5  # FPS, measured
    assert float(work.split()[4]) > 1  # ms of tracking and rendering
    assert "after 150:" in memory and memory.rstrip().endswith("MB")


def test_no_camera_is_for_live_use_only(tmp_path):
    """'none' (no camera) has no end: `render` takes it as a file name and says it is not
    there, instead of rendering for ever."""
    result = standin("render", "--driving", "none", "--out", tmp_path / "out.mp4")
    _assert_clean_error(result, "none", "does not exist")


def test_render_with_a_portrait_set(tmp_path, portrait_file, driving_file):
    """--portrait-extra adds photos to the main one; a set folder works as --portrait-set or
    --portrait; naming the main photo twice is a clean error."""
    extra = tmp_path / "set" / "open.png"
    extra.parent.mkdir()
    extra.write_bytes(portrait_file.read_bytes())
    (tmp_path / "set" / "main.png").write_bytes(portrait_file.read_bytes())
    result = standin("render", "--portrait", portrait_file, "--portrait-extra", extra,
                     "--driving", driving_file, "--size", "128", "--out", tmp_path / "a.mp4",
                     "--quiet")
    assert result.returncode == 0, result.stderr
    assert _read(tmp_path / "a.mp4")[0] == 20
    for option in ("--portrait-set", "--portrait"):
        result = standin("render", option, tmp_path / "set", "--driving", driving_file,
                         "--size", "128", "--out", tmp_path / f"b{option}.mp4", "--quiet")
        assert result.returncode == 0, result.stderr
    _assert_clean_error(standin("render", "--portrait", portrait_file, "--portrait-set",
                                tmp_path / "set", "--out", tmp_path / "c.mp4"),
                        "--portrait and --portrait-set both name the main photo")
    _assert_clean_error(standin("render", "--portrait-set", tmp_path / "nothing",
                                "--out", tmp_path / "d.mp4"), "does not exist")
