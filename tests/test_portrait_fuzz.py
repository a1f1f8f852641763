"""Portrait loading against 200+ bad files (tests/bad_portraits.py), in a separate process so
that a crash or a hang is caught and named: each file loads, or gives a clear message (what is
wrong with which file, and what to do) within 5 s, and memory stays bounded."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from .bad_portraits import make_bad_portraits

ROOT = Path(__file__).resolve().parents[1]
SECONDS_EACH = 5.0
PEAK_MB = 1000  # the tracker's models take about 400 MB; a 20000x20000 image would take 1.2 GB
LOAD_ALL = textwrap.dedent("""
    import json, sys, time
    from engine.errors import StandinError
    from engine.portrait import load_portrait
    for path in sys.argv[1:]:
        print(json.dumps({"path": path, "started": True}), flush=True)
        start = time.perf_counter()
        try:
            portrait = load_portrait(path)
            result = {"outcome": "loaded", "notices": portrait.notices}
        except StandinError as error:
            result = {"outcome": "message", "message": str(error)}
        except Exception as error:  # what must never happen
            result = {"outcome": "failure", "message": repr(error)}
        result.update(path=path, seconds=time.perf_counter() - start)
        print(json.dumps(result), flush=True)
    try:  # VmHWM: this process's own peak (Linux's ru_maxrss keeps the forking test runner's)
        with open("/proc/self/status") as status:
            peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except OSError:
        import resource
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mb": peak_kb / 1024}))
""")
FIXES = ("choose", "use a", "check", "crop")  # every message says what to do


def test_bad_portrait_files_load_or_say_why_quickly_with_bounded_memory(tmp_path):
    paths = make_bad_portraits(tmp_path / "bad")
    assert len(paths) >= 200
    done = subprocess.run([sys.executable, "-c", LOAD_ALL, *map(str, paths)], cwd=ROOT,
                          capture_output=True, text=True, timeout=SECONDS_EACH * len(paths))
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    results = {r["path"]: r for r in lines if "outcome" in r}
    last = [r["path"] for r in lines if "started" in r][-1:]
    assert done.returncode == 0, f"crashed on {last}: {done.stderr[-2000:]}"
    assert len(results) == len(paths)
    for path, result in results.items():
        assert result["outcome"] != "failure", result
        assert result["seconds"] <= SECONDS_EACH, result
        if result["outcome"] == "message":
            message = result["message"]
            assert Path(path).name in message and any(f in message for f in FIXES), result
    assert lines[-1]["peak_mb"] <= PEAK_MB, lines[-1]

    def outcome(name: str) -> dict:
        return results[str(tmp_path / "bad" / name)]

    for name in ("huge.png", "huge.jpg", "huge.gif", "huge.bmp", "huge.tif"):
        assert "use a smaller photo" in outcome(name)["message"], outcome(name)
    assert "is empty (0 bytes)" in outcome("empty.jpg")["message"]
    assert "not an image" in outcome("text.jpg")["message"]
    assert "no face found" in outcome("coffee-no-face.jpg")["message"]
    assert "2 faces found" in outcome("two-faces.png")["notices"][0]
    for name in ("grey.jpg", "rgba-half.png", "16-bit.png", "16-bit.tif", "cmyk.jpg",
                 "animated.gif", "png-named.jpg", "rotated-exif.jpg", "photo.webp"):
        assert outcome(name)["outcome"] == "loaded", outcome(name)
    counts = {kind: sum(r["outcome"] == kind for r in results.values())
              for kind in ("loaded", "message")}
    print(f"{len(paths)} bad files: {counts}; slowest "
          f"{max(r['seconds'] for r in results.values()):.2f} s; peak {lines[-1]['peak_mb']:.0f} MB")
