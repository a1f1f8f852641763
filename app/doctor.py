"""`standin doctor`: what this machine has for Stand-in, one line per check, each OK or the
problem and its fix. The app's Help shows the same report. Exit 0 when the app can run.

A check ends in one of three states: OK; WARN (the app runs, a feature is missing: voice mode
without a microphone, say); FAIL (the app cannot run). Qt and the system packages are checked
in child processes: a Qt platform plugin that cannot load aborts the process that loads it."""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from engine import cameras
from engine.render.backends import GPU_INSTALL, choose_backend
from engine.render.plans import PLAN_DIR
from engine.tracking import MEDIAPIPE_VERSION
from engine.user_data import data_folder
from engine.virtual_camera import NATIVE_BACKENDS, has_backend, setup_hint

SUPPORTED_PYTHON = ((3, 9), (3, 12))  # mediapipe 0.10.21 has wheels for these
SYSTEM_PACKAGES = Path(__file__).resolve().parents[1] / "build_tools" / "system_packages.sh"
SYS_MODULES = Path("/sys/module")  # loaded kernel modules and their parameters
NVIDIA_DRIVER = Path("/proc/driver/nvidia/version")
CHILD_TIMEOUT_S = 60
QT_PROBE = ("import sys; from PySide6.QtGui import QGuiApplication; "
            "print(QGuiApplication(sys.argv[:1]).platformName())")


@dataclass(frozen=True)
class Finding:
    check: str  # what was checked, e.g. "Microphones"
    status: str  # OK, WARN or FAIL
    detail: str  # what was found; for WARN and FAIL, the problem and its fix


def ok(check: str, detail: str) -> Finding:
    return Finding(check, "OK", detail)


def warn(check: str, detail: str) -> Finding:
    return Finding(check, "WARN", detail)


def fail(check: str, detail: str) -> Finding:
    return Finding(check, "FAIL", detail)


def check_python() -> Finding:
    version = sys.version_info
    (low_major, low), (high_major, high) = SUPPORTED_PYTHON
    found = f"{version.major}.{version.minor}.{version.micro}"
    if (low_major, low) <= (version.major, version.minor) <= (high_major, high):
        return ok("Python", f"{found} ({low_major}.{low} to {high_major}.{high} supported)")
    return fail("Python", f"{found} is not supported: the face tracker (mediapipe "
                          f"{MEDIAPIPE_VERSION}) runs on Python {low_major}.{low} to "
                          f"{high_major}.{high}. Make the venv again with one of those: "
                          "rm -r .venv && make PYTHON=python3.12 run")


def _requirements() -> list[str]:
    """What the app needs to run: its own requirements (no extras) and the tracker's pin."""
    from packaging.requirements import Requirement

    wanted = [f"mediapipe=={MEDIAPIPE_VERSION}"]
    for text in metadata.requires("standin") or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            wanted.append(text)
    return wanted


def check_packages() -> Finding:
    try:
        from packaging.requirements import Requirement

        wanted = [Requirement(text) for text in _requirements()]
    except ImportError:
        return fail("Packages", "packaging is missing. Fix: rm .venv/installed && make run")
    except metadata.PackageNotFoundError:
        return fail("Packages", "Stand-in itself is not installed in this Python: run "
                                "`make run` in the project folder")
    problems = []
    for requirement in wanted:
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{requirement.name} is missing")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name} is {version}, needs {requirement.specifier}")
    if problems:
        return fail("Packages", f"{'; '.join(problems)}. Fix: rm .venv/installed && make run "
                                "(installs them as pinned)")
    pins = ", ".join(f"{r.name} {metadata.version(r.name)}" for r in wanted
                     if str(r.specifier).startswith("=="))
    return ok("Packages", f"all {len(wanted)} the app needs, as pinned ({pins})")


def check_face_tracker() -> Finding:
    """Loads FaceMesh's models and finds the face in a test photo."""
    start = time.perf_counter()
    try:
        from skimage import data

        from engine.tracking import FaceTracker

        with FaceTracker(video=False) as tracker:
            found = tracker.track(data.astronaut()).found
    except Exception as error:  # mediapipe missing, a model file missing or unreadable
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return fail("Face tracker", f"FaceMesh could not load ({type(error).__name__}: "
                                    f"{first_line[:160]}). Fix: .venv/bin/pip install "
                                    f"--force-reinstall --no-deps mediapipe=={MEDIAPIPE_VERSION}")
    if not found:
        return fail("Face tracker", "FaceMesh loaded but found no face in its test photo: "
                                    "its models are damaged. Fix: .venv/bin/pip install "
                                    f"--force-reinstall --no-deps mediapipe=={MEDIAPIPE_VERSION}")
    return ok("Face tracker", f"FaceMesh loaded its models and found the test face "
                              f"({time.perf_counter() - start:.1f} s)")


def missing_system_packages(groups: tuple[str, ...] = ("core", "desktop")) -> str | None:
    """The command that installs the system packages missing here, as
    build_tools/system_packages.sh gives it; None when none are missing."""
    if platform.system() != "Linux" or not SYSTEM_PACKAGES.is_file():
        return None
    result = subprocess.run(["bash", str(SYSTEM_PACKAGES), "--check", *groups],
                            env={**os.environ, "PYTHON": sys.executable}, capture_output=True,
                            text=True, timeout=CHILD_TIMEOUT_S)
    if result.returncode == 0:
        return None
    return result.stdout.strip() or result.stderr.strip()


def check_system_packages(install: str | None) -> Finding:
    if platform.system() != "Linux":
        return ok("System packages", "bundled with the Python packages on this system")
    if install:
        return warn("System packages", f"some are missing. Fix: {install} (`make run` "
                                       "installs them)")
    return ok("System packages", "all of build_tools/system_packages.txt are installed")


def _portaudio_fix(install: str | None) -> str:
    return install or "install PortAudio (Debian/Ubuntu: sudo apt-get install libportaudio2)"


def check_sound(install: str | None) -> list[Finding]:
    """PortAudio, then the microphones it finds: voice mode needs both."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
    except (OSError, ImportError) as error:
        return [warn("Sound", f"PortAudio cannot be loaded ({error}): voice mode needs it. "
                              f"Fix: {_portaudio_fix(install)}"),
                warn("Microphones", "not looked for (no PortAudio)")]
    sound = ok("Sound", sd.get_portaudio_version()[1])
    inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
    if not inputs:
        return [sound, warn("Microphones", "none found: voice mode needs one. Plug one in, or "
                                           "check that the system's sound settings show it")]
    return [sound, ok("Microphones", ", ".join(inputs))]


def _is_virtual(index: int) -> bool:
    """A Linux video device with no hardware behind it: v4l2loopback's."""
    return "/virtual/" in str((cameras.V4L2_DEVICES / f"video{index}").resolve())


def check_cameras() -> Finding:
    found = cameras.list_cameras()
    real = [camera for camera in found
            if platform.system() != "Linux" or not _is_virtual(camera.index)]
    labels = ", ".join(camera.label + ("" if camera in real else " (virtual)")
                       for camera in found)
    if not real:
        return warn("Cameras", f"{'only virtual ones: ' + labels if found else 'none found'}. "
                               "The app runs on its demo driver or a video file (standin "
                               "--camera talk.mp4); plug in a webcam, or close the program "
                               "that holds it")
    return ok("Cameras", labels)


def _loopback_devices() -> list[str]:
    """v4l2loopback's video devices, in the order of its parameters."""
    return [f"/dev/video{camera.index}" for camera in cameras.list_cameras()
            if _is_virtual(camera.index)]


def check_virtual_camera() -> Finding:
    system = platform.system()
    if system == "Linux":
        module = SYS_MODULES / "v4l2loopback"
        if not module.is_dir():
            return warn("Virtual camera", f"v4l2loopback is not loaded: the preview works, "
                                          f"meeting apps cannot see Stand-in. Fix: {setup_hint()}")
        devices = _loopback_devices()
        if not devices:
            return warn("Virtual camera", f"v4l2loopback is loaded with no device. Fix: sudo "
                                          f"modprobe -r v4l2loopback, then {setup_hint()}")
        caps_file = module / "parameters" / "exclusive_caps"
        caps = caps_file.read_text().strip().split(",") if caps_file.is_file() else []
        exclusive = [d for d, cap in zip(devices, caps) if cap.strip() in ("Y", "1")]
        if not exclusive:
            return warn("Virtual camera", f"{', '.join(devices)} without exclusive_caps=1: "
                                          "Chrome, Meet, Teams and Zoom will not list it. Fix: "
                                          f"sudo modprobe -r v4l2loopback, then {setup_hint()}")
        return ok("Virtual camera", f"{', '.join(exclusive)} (v4l2loopback, exclusive_caps=1)")
    import pyvirtualcam

    errors = []
    for backend in NATIVE_BACKENDS.get(system, []):
        if not has_backend(backend):
            errors.append(f"{backend}: not available")
            continue
        try:
            with pyvirtualcam.Camera(320, 240, 30, backend=backend):
                return ok("Virtual camera", f"{backend} answers")
        except Exception as error:  # RuntimeError: the backend's own reason
            errors.append(f"{backend}: {str(error).strip().splitlines()[0]}")
    return warn("Virtual camera", f"none answered ({'; '.join(errors) or 'none on ' + system}). "
                                  f"Fix: {setup_hint(system)}")


def _qt(platform_name: str | None) -> tuple[str | None, str]:
    """Qt started in a child process on `platform_name` (None: as the app would): the platform
    it loaded, or None and what Qt said."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    if platform_name:
        env["QT_QPA_PLATFORM"] = platform_name
    try:
        result = subprocess.run([sys.executable, "-c", QT_PROBE], env=env, capture_output=True,
                                text=True, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, f"Qt did not start within {CHILD_TIMEOUT_S} s"
    if result.returncode == 0:
        return result.stdout.strip(), ""
    said = [line for line in result.stderr.splitlines() if line.strip()]
    return None, " ".join(said[-2:])[:300] or f"exit code {result.returncode}"


def check_qt(install: str | None) -> list[Finding]:
    """Qt's libraries (the offscreen platform, which needs no display), then the display's own
    platform plugin where there is a display."""
    loaded, said = _qt("offscreen")
    if loaded is None:
        fix = install or "make run (reinstalls PySide6)"
        return [fail("Qt", f"Qt's libraries do not load ({said}). Fix: {fix}")]
    qt = ok("Qt", f"its libraries load (PySide6 {metadata.version('PySide6-Essentials')})")
    if platform.system() == "Linux" and not (os.environ.get("DISPLAY")
                                             or os.environ.get("WAYLAND_DISPLAY")):
        return [qt, warn("Display", "none (DISPLAY and WAYLAND_DISPLAY are unset): the app's "
                                    "window needs a desktop session; `xvfb-run standin`, "
                                    "`standin render` and `standin run` work without one")]
    wanted = os.environ.get("QT_QPA_PLATFORM")
    loaded, said = _qt(wanted)
    if loaded is None:
        fix = install or ("check that the display is reachable from this shell "
                          f"(DISPLAY={os.environ.get('DISPLAY', '')!r}, "
                          f"WAYLAND_DISPLAY={os.environ.get('WAYLAND_DISPLAY', '')!r})")
        return [qt, fail("Display", f"Qt cannot open the display ({said}). Fix: {fix}")]
    return [qt, ok("Display", f"Qt's {loaded} platform plugin opens it")]


def check_gpu() -> list[Finding]:
    """Which renderer `auto` picks, and what a GPU here would need."""
    choice = choose_backend("auto")
    names = {"cpu": "the CPU", "torch": "torch CUDA", "tensorrt": "TensorRT"}
    renderer = f"{names[choice.backend]} ({choice.why})"
    if choice.backend == "cpu":
        if NVIDIA_DRIVER.is_file():  # the driver is loaded
            return [warn("Renderer", f"{renderer}, but an NVIDIA GPU is here: for it, "
                                     f"{GPU_INSTALL}")]
        return [ok("Renderer", f"{renderer}; no NVIDIA GPU here, and the CPU path runs "
                               "in real time")]
    findings = [ok("Renderer", renderer)]
    if choice.backend == "torch":
        findings.append(warn("TensorRT", f"not installed: torch CUDA renders (slower). Fix: "
                                         f"{GPU_INSTALL}"))
    else:
        findings.append(check_plan_cache())
    return findings


def check_plan_cache() -> Finding:
    plans = sorted(PLAN_DIR.glob("*.plan"))
    if not _writable(PLAN_DIR):
        return warn("TensorRT plans", f"{PLAN_DIR} is not writable: plans are built anew at "
                                      "every start (a minute or two). Fix: make it writable")
    return ok("TensorRT plans", f"{PLAN_DIR}: {len(plans)} built, writable")


def _writable(folder: Path) -> bool:
    """Whether a file can be made in `folder`, or in its nearest existing parent (the app
    makes the folder when it first saves)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return False
    try:
        with tempfile.TemporaryFile(dir=existing):
            return True
    except OSError:
        return False


def check_folders() -> list[Finding]:
    from .store import settings_path

    findings = []
    for check, folder, loses in (
            ("Data folder", data_folder(), "portrait sets and what the app learns of your "
                                           "motion are not kept"),
            ("Settings", settings_path().parent, "your portraits and controls are forgotten "
                                                 "when the app closes")):
        if _writable(folder):
            findings.append(ok(check, f"{folder} (writable)"))
        else:
            findings.append(warn(check, f"{folder} is not writable: {loses}. Fix: make it "
                                        "writable, or set STANDIN_DATA / STANDIN_SETTINGS to "
                                        "another place"))
    return findings


def run_checks() -> list[Finding]:
    """Every check, in the order the report shows them."""
    install = missing_system_packages()
    return [check_python(), check_packages(), check_system_packages(install),
            check_face_tracker(), *check_sound(install), check_cameras(),
            check_virtual_camera(), *check_qt(install), *check_gpu(), *check_folders()]


def can_run(findings: list[Finding]) -> bool:
    return all(finding.status != "FAIL" for finding in findings)


def format_report(findings: list[Finding]) -> str:
    width = max(len(finding.check) for finding in findings)
    lines = [f"Stand-in doctor: Stand-in {_version()}, {platform.system()} "
             f"{platform.machine()}, Python {platform.python_version()}"]
    lines += [f"{finding.status:<5} {finding.check:<{width}}  {finding.detail}"
              for finding in findings]
    warnings = sum(finding.status == "WARN" for finding in findings)
    failures = sum(finding.status == "FAIL" for finding in findings)
    if failures:
        lines.append(f"The app cannot run: fix the {failures} FAIL line(s) above.")
    else:
        lines.append("The app can run" + (f"; {warnings} WARN line(s) above say what is "
                                          "missing and how to add it." if warnings else "."))
    return "\n".join(lines)


def _version() -> str:
    try:
        return metadata.version("standin")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def main() -> int:
    from engine.tracking import route_native_logs_away

    route_native_logs_away()  # mediapipe's native warnings would fill the report
    print("Checking this machine for Stand-in (a few seconds)...", file=sys.stderr)
    findings = run_checks()
    print(format_report(findings))
    return 0 if can_run(findings) else 1

