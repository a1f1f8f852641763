"""`standin`: with no command, or with --portrait/--camera, opens the app; `standin render`,
`bench`, `eval` ... are the engine's command line (engine/cli.py)."""
from __future__ import annotations

import argparse
import os
import platform
import sys

# engine.render.BACKENDS (a test keeps them equal), not imported: the engine takes a second to
# load, and `standin --help` or the no-display message should not wait for it.
BACKENDS = ("auto", "cpu", "torch", "tensorrt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="standin",
        description="Open the Stand-in app. Commands (standin COMMAND --help): render, run, "
                    "bench, eval; `standin bench --ui` measures the app's UI thread; "
                    "`standin doctor` checks this machine when something does not work.")
    parser.add_argument("--portrait", help="portrait photo to start with (default: the last "
                                           "one used, or the bundled one)")
    parser.add_argument("--camera", help="camera index, video file, or 'demo' (default: the "
                                         "last one used, or the first camera found)")
    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="renderer: auto (TensorRT, else torch CUDA, else the CPU; the "
                             "default), or one of them by name")
    return parser


def _has_display() -> bool:
    if platform.system() != "Linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"] and "--ui" in argv:  # the app's own bench
        from .ui_bench import run_ui_bench
        return run_ui_bench()
    if argv[:1] == ["doctor"]:
        if argv[1:]:
            print("usage: standin doctor   (checks this machine for Stand-in; no options)",
                  file=sys.stderr)
            return 2
        from .doctor import main as doctor_main
        return doctor_main()
    if argv and not argv[0].startswith("-"):  # a command
        from engine.cli import main as engine_main
        return engine_main(argv)
    args = _parser().parse_args(argv)
    if not _has_display():
        print("standin: no display to open the app on. Run it on a desktop session; on a "
              "server use `xvfb-run standin`, or `standin render` for files.", file=sys.stderr)
        return 2
    from engine.tracking import route_native_logs_away

    from .run import run_app
    route_native_logs_away()  # mediapipe's native warnings would fill the terminal
    return run_app(args.portrait, args.camera, args.backend)
