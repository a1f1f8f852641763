"""What the user keeps survives: a damaged settings file costs at most the damaged values (the
portrait library comes back from the last good copy), and a save killed at any moment leaves
a whole file, for the settings and for the learned motion bank."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from app.store import AppState, ControlValues, Store  # noqa: E402
from engine.voice.personal_bank import PersonalBank  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
KILLS = 20


def _state(photos: int) -> AppState:
    return AppState(library=[f"/home/me/Pictures/photo {i}.jpg" for i in range(photos)],
                    controls=ControlValues(smile=0.3), presets={"talk": ControlValues(yaw=5)},
                    voice_mode="voice", liveliness=0.7)


def _damage_line(text: str, name: str, cut: bool = False) -> str:
    """`text` with the value of `name` replaced by words (a hand edit), or cut in the middle
    (an unclosed quote: Qt then reads on into the following lines)."""
    return "\n".join((line[:len(line) // 2] if cut else f"{name}=not what it was")
                     if line.startswith(f"{name}=") else line for line in text.splitlines())


def test_one_damaged_value_costs_only_that_value(tmp_path):
    store = Store(tmp_path / "standin.ini")
    store.save(_state(3))
    store.last_good.unlink()  # no copy to fall back on: the damaged value gets its default
    store.path.write_text(_damage_line(store.path.read_text(), "controls"))
    loaded = Store(store.path)
    state = loaded.load()
    assert state.controls == ControlValues()
    assert state.library == _state(3).library and state.presets == _state(3).presets
    assert state.voice_mode == "voice" and state.liveliness == 0.7
    assert "Some of your settings could not be read (controls): defaults are in use" \
        in loaded.notice


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "cut value"])
def test_a_damaged_settings_file_comes_back_from_the_last_good_copy(tmp_path, damage):
    store = Store(tmp_path / "standin.ini")
    store.save(_state(5))
    text = store.path.read_bytes()
    store.path.write_bytes({"garbage": bytes(range(256)) * 4, "empty": b"",
                            "truncated": text[:len(text) // 3],
                            "cut value": _damage_line(text.decode(), "controls", cut=True).encode()}[damage])
    loaded = Store(store.path)
    assert loaded.load() == _state(5)
    assert "the last good copy is in use" in loaded.notice
    kept = list(tmp_path.glob("standin.ini.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == store.path.read_bytes()  # nothing lost


SAVE_FOREVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tests.test_saving import _state
    from app.store import Store
    from engine.voice.personal_bank import PersonalBank
    from engine.voice.head_motion import MotionClip
    import numpy as np
    store = Store(Path(sys.argv[1]))
    bank = PersonalBank(Path(sys.argv[2]))
    clips = [MotionClip(np.full((90, 3), float(i)), "personal") for i in range(100)]
    print("saving", flush=True)
    i = 0
    while True:
        store.save(_state(3 if i % 2 else 400))
        bank.clips, bank._unsaved = clips[:3 if i % 2 else 100], True
        bank.save()
        i += 1
""")


def test_a_save_killed_at_any_moment_leaves_a_whole_file(tmp_path):
    """SIGKILL (a crash, a power cut as far as the process knows) in the middle of saving, at
    twenty different moments: the settings and the motion bank each read back whole, as one
    of the two versions being written in turn."""
    settings, bank_path = tmp_path / "standin.ini", tmp_path / "motion_bank.npz"
    rng = np.random.default_rng(3)
    for _ in range(KILLS):
        saver = subprocess.Popen([sys.executable, "-c", SAVE_FOREVER, str(settings),
                                  str(bank_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert saver.stdout.readline().strip() == "saving"
        time.sleep(float(rng.uniform(0.02, 0.3)))
        os.kill(saver.pid, signal.SIGKILL)
        saver.wait()
        store = Store(settings)
        state = store.load()
        assert store.notice is None
        assert len(state.library) in (3, 400) and state.presets == _state(3).presets
        assert len(PersonalBank(bank_path).clips) in (3, 100)
