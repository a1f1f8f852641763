"""`standin doctor` (app/doctor.py) and build_tools/system_packages.sh: each check on this
machine as it is, and with its missing piece made missing at the edge (the file system, the
library loader, the package database, the environment), never inside the check."""
from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections import namedtuple
from importlib import metadata
from pathlib import Path

import pytest

from app import doctor
from engine import cameras

from .speech import SpeakingMicrophone, _reload_portaudio, utterance

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "build_tools" / "system_packages.sh"


def statuses(findings) -> dict[str, str]:
    return {finding.check: finding.status for finding in findings}


def unwritable(tmp_path: Path) -> Path:
    """A folder that cannot be made, even by root: its parent is a file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return blocker / "folder"


# Python and its packages

def test_python_in_range_is_ok_and_outside_it_fails_naming_the_versions(monkeypatch):
    assert doctor.check_python().status == "OK"
    Version = namedtuple("Version", "major minor micro releaselevel serial")
    monkeypatch.setattr(sys, "version_info", Version(3, 13, 1, "final", 0))
    finding = doctor.check_python()
    assert finding.status == "FAIL"
    assert "3.13.1 is not supported" in finding.detail and "3.9 to 3.12" in finding.detail


def test_packages_as_pinned_are_ok_and_a_missing_or_wrong_one_fails(monkeypatch):
    finding = doctor.check_packages()
    assert finding.status == "OK", finding.detail
    assert "mediapipe 0.10.21" in finding.detail and "PySide6-Essentials" in finding.detail
    real_version = metadata.version

    def version(name: str) -> str:
        if name == "sounddevice":
            raise metadata.PackageNotFoundError(name)
        return "0.10.22" if name == "mediapipe" else real_version(name)
    monkeypatch.setattr(doctor.metadata, "version", version)
    finding = doctor.check_packages()
    assert finding.status == "FAIL"
    assert "sounddevice is missing" in finding.detail
    assert "mediapipe is 0.10.22, needs ==0.10.21" in finding.detail
    assert "make run" in finding.detail


# System packages

def _script_with(tmp_path: Path, rows: str) -> Path:
    """build_tools/system_packages.sh beside a list of its own."""
    folder = tmp_path / "build_tools"
    folder.mkdir(parents=True)
    shutil.copy(SCRIPT, folder / SCRIPT.name)
    (folder / "system_packages.txt").write_text("# group library apt dnf pacman\n" + rows)
    return folder / SCRIPT.name


def test_system_packages_check_names_the_command_for_what_is_missing(tmp_path):
    present = "core libc.so.6 libc6 glibc glibc\ncore python:json python3 python3 python\n"
    script = _script_with(tmp_path, present)
    assert subprocess.run(["bash", str(script), "--check", "core"]).returncode == 0
    script = _script_with(tmp_path / "b", present +
                          "core libstandin-none.so.7 standin-none standin-none standin-none\n"
                          "desktop python:standin_none_module standin-py standin-py standin-py\n")
    core = subprocess.run(["bash", str(script), "--check", "core"], capture_output=True,
                          text=True)
    assert core.returncode == 1
    sudo = "" if os.getuid() == 0 else "sudo "
    assert core.stdout.strip() == f"{sudo}apt-get install -y standin-none"
    both = subprocess.run(["bash", str(script), "--check", "core", "desktop"],
                          capture_output=True, text=True)
    assert both.stdout.strip() == f"{sudo}apt-get install -y standin-none standin-py"
    assert len(both.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.getuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root to run the script as a user who cannot install")
def test_a_user_who_cannot_install_gets_one_line_and_nothing_is_installed():
    folder = Path(tempfile.mkdtemp())  # pytest's own folders are root's alone
    folder.chmod(0o755)
    script = _script_with(folder, "core libstandin-none.so.7 standin-none x x\n")
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "bash", str(script), "core"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "Stand-in needs system packages that are missing (standin-none): run `sudo apt-get "
        "install -y standin-none`, then run the command again.")
    shutil.rmtree(folder)


def test_doctor_reports_missing_system_packages_with_the_command(tmp_path, monkeypatch):
    script = _script_with(tmp_path, "core libstandin-none.so.7 standin-none x x\n")
    monkeypatch.setattr(doctor, "SYSTEM_PACKAGES", script)
    install = doctor.missing_system_packages()
    assert install is not None and install.endswith("apt-get install -y standin-none")
    finding = doctor.check_system_packages(install)
    assert finding.status == "WARN" and install in finding.detail
    assert doctor.check_system_packages(None).status == "OK"


# The face tracker

def test_face_tracker_loads_and_a_tracker_that_cannot_load_fails_with_the_fix(monkeypatch):
    assert doctor.check_face_tracker().status == "OK"
    import mediapipe as mp

    def missing_model(**_):  # what mediapipe raises when a model file is gone
        raise RuntimeError("ValidatedGraphConfig Initialization failed.\nNo such file: "
                           "mediapipe/modules/face_landmark/face_landmark_with_attention.tflite")
    monkeypatch.setattr(mp.solutions.face_mesh, "FaceMesh", missing_model)
    finding = doctor.check_face_tracker()
    assert finding.status == "FAIL"
    assert "ValidatedGraphConfig Initialization failed." in finding.detail
    assert "pip install --force-reinstall --no-deps mediapipe==0.10.21" in finding.detail


# Sound

def test_no_portaudio_warns_with_the_fix(monkeypatch):
    real_find = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: None if "portaudio" in name else real_find(name))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    sound, microphones = doctor.check_sound("apt-get install -y libportaudio2")
    assert sound.status == "WARN" and "PortAudio library not found" in sound.detail
    assert sound.detail.endswith("Fix: apt-get install -y libportaudio2")
    assert microphones.status == "WARN"


def _sound_cards() -> bool:
    cards = Path("/proc/asound/cards")
    return cards.is_file() and "no soundcards" not in cards.read_text()


@pytest.mark.skipif(_sound_cards(), reason="this machine's own sound cards would be listed")
def test_microphones_found_and_none_found(tmp_path):
    with SpeakingMicrophone(tmp_path, utterance(1.0)[0]):
        sound, microphones = doctor.check_sound(None)
    assert sound.status == "OK" and "PortAudio" in sound.detail
    assert microphones.status == "OK" and microphones.detail == "default"
    # No card, and a default device that cannot be opened: no microphone at all
    config = tmp_path / "no-input.conf"
    config.write_text("pcm.!default {\n  type hw\n  card 99\n}\n")
    os.environ["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{config}"
    try:
        _reload_portaudio()
        sound, microphones = doctor.check_sound(None)
    finally:
        del os.environ["ALSA_CONFIG_PATH"]
        _reload_portaudio()
    assert sound.status == "OK"
    assert microphones.status == "WARN" and "none found" in microphones.detail


# Cameras and the virtual camera (Linux: read from sysfs)

def _sysfs(tmp_path: Path, devices: dict[str, tuple[str, bool]]) -> Path:
    """A /sys/class/video4linux with `devices`: node -> (name, virtual)."""
    classes = tmp_path / "class" / "video4linux"
    classes.mkdir(parents=True)
    for node, (name, virtual) in devices.items():
        place = tmp_path / "devices" / ("virtual" if virtual else "pci0000:00/usb1") / node
        place.mkdir(parents=True)
        (place / "name").write_text(name + "\n")
        (place / "index").write_text("0\n")
        (classes / node).symlink_to(place)
    return classes


@pytest.mark.skipif(sys.platform != "linux", reason="sysfs is Linux's")
def test_cameras_found_none_or_only_virtual(tmp_path, monkeypatch):
    monkeypatch.setattr(cameras, "V4L2_DEVICES", _sysfs(tmp_path / "a", {}))
    finding = doctor.check_cameras()
    assert finding.status == "WARN" and "none found" in finding.detail
    monkeypatch.setattr(cameras, "V4L2_DEVICES", _sysfs(tmp_path / "b", {
        "video0": ("Integrated Camera", False), "video10": ("Stand-in", True)}))
    finding = doctor.check_cameras()
    assert finding.status == "OK"
    assert finding.detail == "Integrated Camera (0), Stand-in (10) (virtual)"
    monkeypatch.setattr(cameras, "V4L2_DEVICES", _sysfs(tmp_path / "c", {
        "video10": ("Stand-in", True)}))
    assert doctor.check_cameras().status == "WARN"


@pytest.mark.skipif(sys.platform != "linux", reason="sysfs is Linux's")
def test_virtual_camera_module_missing_without_exclusive_caps_and_ready(tmp_path, monkeypatch):
    modules = tmp_path / "module"
    modules.mkdir()
    monkeypatch.setattr(doctor, "SYS_MODULES", modules)
    monkeypatch.setattr(cameras, "V4L2_DEVICES", _sysfs(tmp_path, {
        "video0": ("Integrated Camera", False), "video10": ("Stand-in", True)}))
    finding = doctor.check_virtual_camera()
    assert finding.status == "WARN" and "v4l2loopback is not loaded" in finding.detail
    assert "sudo modprobe v4l2loopback" in finding.detail
    parameters = modules / "v4l2loopback" / "parameters"
    parameters.mkdir(parents=True)
    (parameters / "exclusive_caps").write_text("N,N,N,N\n")
    finding = doctor.check_virtual_camera()
    assert finding.status == "WARN" and "/dev/video10 without exclusive_caps=1" in finding.detail
    (parameters / "exclusive_caps").write_text("Y,N,N,N\n")
    finding = doctor.check_virtual_camera()
    assert finding.status == "OK" and finding.detail.startswith("/dev/video10")


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_virtual_camera_elsewhere_is_whatever_pyvirtualcam_opens(monkeypatch):
    """On macOS the OBS camera: missing here (pyvirtualcam has no such backend on Linux), then
    a real pyvirtualcam backend registered under its name."""
    import pyvirtualcam

    from engine import recording_backend

    monkeypatch.setattr(doctor.platform, "system", lambda: "Darwin")
    monkeypatch.delitem(pyvirtualcam.camera.BACKENDS, "obs", raising=False)
    finding = doctor.check_virtual_camera()
    assert finding.status == "WARN" and "OBS Studio" in finding.detail
    monkeypatch.setitem(pyvirtualcam.camera.BACKENDS, "obs", recording_backend.RecordingBackend)
    finding = doctor.check_virtual_camera()
    assert finding.status == "OK" and finding.detail == "obs answers"


# Qt and the display

def test_qt_loads_offscreen_and_a_missing_display_warns(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    qt, display = doctor.check_qt(None)
    assert qt.status == "OK" and "PySide6 6.11.3" in qt.detail
    assert display.status == "WARN" and "xvfb-run standin" in display.detail


@pytest.mark.skipif(sys.platform != "linux", reason="X11 displays are Linux's here")
def test_a_display_qt_cannot_open_fails_with_the_fix(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":97")  # no X server answers there
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM")
    _, display = doctor.check_qt(None)
    assert display.status == "FAIL" and "Qt cannot open the display" in display.detail
    assert "DISPLAY=':97'" in display.detail
    _, display = doctor.check_qt("apt-get install -y libxcb-cursor0")
    assert display.detail.endswith("Fix: apt-get install -y libxcb-cursor0")


# The GPU backends

def test_renderer_without_a_gpu_is_the_cpu_and_an_unused_nvidia_gpu_warns(tmp_path,
                                                                          monkeypatch):
    renderer, = doctor.check_gpu()  # no CUDA device on this machine
    assert renderer.status == "OK" and renderer.detail.startswith("the CPU")
    driver = tmp_path / "version"
    driver.write_text("NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.65\n")
    monkeypatch.setattr(doctor, "NVIDIA_DRIVER", driver)
    renderer, = doctor.check_gpu()
    assert renderer.status == "WARN" and "pip install -e '.[gpu]'" in renderer.detail


def test_plan_cache_writable_or_not(tmp_path, monkeypatch):
    plans = tmp_path / "trt_plans"
    plans.mkdir()
    (plans / "NVIDIA_H200-10.9-1280x720.plan").write_bytes(b"plan")
    monkeypatch.setattr(doctor, "PLAN_DIR", plans)
    finding = doctor.check_plan_cache()
    assert finding.status == "OK" and "1 built, writable" in finding.detail
    monkeypatch.setattr(doctor, "PLAN_DIR", unwritable(tmp_path))
    finding = doctor.check_plan_cache()
    assert finding.status == "WARN" and "not writable" in finding.detail


# Folders

def test_data_and_settings_folders_writable_or_not(tmp_path, monkeypatch):
    monkeypatch.setenv("STANDIN_SETTINGS", str(tmp_path / "settings" / "standin.ini"))
    assert statuses(doctor.check_folders()) == {"Data folder": "OK", "Settings": "OK"}
    monkeypatch.setenv("STANDIN_DATA", str(unwritable(tmp_path)))
    monkeypatch.setenv("STANDIN_SETTINGS", str(unwritable(tmp_path) / "standin.ini"))
    data, settings = doctor.check_folders()
    assert data.status == "WARN" and "portrait sets" in data.detail
    assert settings.status == "WARN" and "forgotten" in settings.detail


# The command

def test_standin_doctor_reports_every_check_and_exits_by_whether_the_app_can_run(tmp_path):
    env = {**os.environ, "STANDIN_SETTINGS": str(tmp_path / "standin.ini")}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)  # as a user's shell has it
    standin = [str(Path(sys.executable).parent / "standin")]
    result = subprocess.run([*standin, "doctor"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    lines = result.stdout.splitlines()
    checks = [line.split()[1] for line in lines[1:-1]]
    assert checks == ["Python", "Packages", "System", "Face", "Sound", "Microphones",
                      "Cameras", "Virtual", "Qt", "Display", "Renderer", "Data", "Settings"]
    assert not any(line.startswith("FAIL") for line in lines)
    assert result.returncode == 0 and lines[-1].startswith("The app can run")
    env["DISPLAY"] = ":97"  # a display Qt cannot open: the app cannot run
    result = subprocess.run([*standin, "doctor"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert "FAIL  Display" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("The app cannot run")
