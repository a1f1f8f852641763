"""`standin` command line: render offline, benchmark, evaluate."""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .editing import CONTROLS, Edits
from .errors import StandinError
from .sources import NO_CAMERA
from .voice import MODES

DEMO = "demo"  # --driving value for the generated talking head
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def parse_size(text: str) -> tuple[int, int]:
    """'512' -> (512, 512); '1280x720' -> (1280, 720)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"'{text}' is not a size: write N or WxH, e.g. 512 or 1280x720")
    w = int(m.group(1))
    h = int(m.group(2) or w)
    if not (16 <= w <= 7680 and 16 <= h <= 4320):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is out of range: use 16x16 to 7680x4320")
    return w, h


def _render(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .session import Session, Settings
    from .sinks import check_output_path, open_video_sink
    from .sources import DEFAULT_VIDEO_FPS, open_source

    check_output_path(args.out, overwrite=args.overwrite)  # fail before any work
    portrait = _portraits(args)
    for notice in portrait.notices:
        print(f"note: {notice}", file=sys.stderr)
    if args.audio is not None:
        return _render_voice(args, portrait)
    if args.driving is None:
        raise StandinError("nothing drives the portrait: give --driving VIDEO (or a camera, or "
                           f"'{DEMO}') or --audio SPEECH")
    lost = 0
    if args.driving == DEMO:
        from .demo_driver import DemoDriver

        source = DemoDriver(portrait.main, loop=False)
    else:
        # A still driving image renders one second: a posed portrait, not an endless file.
        source = open_source(args.driving, still_frame_count=round(DEFAULT_VIDEO_FPS))
    settings = Settings(follow_distance=args.follow_distance)
    edits = _edits(args)
    backend = _backend(args)
    with source, Session(portrait, args.size, settings, backend) as session, \
            open_video_sink(args.out, source.fps, session.output_size, lossless=args.lossless,
                            overwrite=args.overwrite) as sink:
        session.edits = edits
        progress = tqdm(total=source.frame_count, unit="frame", desc="rendering",
                        disable=args.quiet, file=sys.stderr)
        for i, frame in enumerate(source):
            result = session.process(frame, i / source.fps)
            lost += not result.face_found
            sink.write(result.image)
            progress.update()
        progress.close()
        written = sink.frames_written
    w, h = session.output_size
    print(f"wrote {written} frames, {w}x{h} at {source.fps:g} fps, to {args.out}")
    if lost:
        print(f"note: no face in {lost} driving frame(s): the last pose was held, then eased to "
              "the portrait at rest", file=sys.stderr)
    return 0


def _render_voice(args: argparse.Namespace, portrait) -> int:
    """The portrait talking with a recorded voice: one frame per 1/fps of the audio."""
    import numpy as np
    from tqdm import tqdm

    from .session import Session, Settings
    from .sinks import open_video_sink
    from .voice.audio_file import mouth_shapes, read_audio, shape_at
    from .voice.driver import VoiceDriver, VoiceSettings
    from .voice.features import SAMPLE_RATE
    from .voice.head_motion import default_bank

    samples = read_audio(args.audio)
    shapes = mouth_shapes(samples)
    times = np.array([shape.time for shape in shapes])
    fps = args.fps or 30.0
    count = round(len(samples) / SAMPLE_RATE * fps)
    settings = Settings(follow_distance=args.follow_distance)
    with Session(portrait, args.size, settings, _backend(args)) as session, \
            open_video_sink(args.out, fps, session.output_size, lossless=args.lossless,
                            overwrite=args.overwrite) as sink:
        session.edits = _edits(args)
        driver = VoiceDriver(portrait.main.landmarks, default_bank(),
                             VoiceSettings(args.liveliness, args.seed))
        for i in tqdm(range(count), unit="frame", desc="rendering", disable=args.quiet,
                      file=sys.stderr):
            t = i / fps
            sink.write(session.render(driver.analysis(t, shape_at(shapes, times, t))).image)
        written = sink.frames_written
    w, h = session.output_size
    print(f"wrote {written} frames, {w}x{h} at {fps:g} fps, to {args.out} (voice: "
          f"{len(samples) / SAMPLE_RATE:.2f} s of {args.audio}, seed {args.seed})")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import run_bench, run_latency_bench

    backend = _backend(args)
    if args.soak is not None:
        from .soak import run_soak

        run_soak(_portraits(args), args.driving or DEMO, (args.sizes or [(512, 512)])[0],
                 args.soak, backend)
        return 0
    if args.latency:
        run_latency_bench(_portraits(args), args.driving, (args.sizes or [(512, 512)])[0], backend)
        return 0
    run_bench(_portraits(args), args.driving, args.sizes or [(512, 512), (1280, 720)], backend,
              args.frames)
    return 0


def parse_factor(text: str) -> tuple[float, float]:
    """'0.75x1' -> (0.75, 1.0): horizontal and vertical stretch."""
    m = re.fullmatch(r"\s*(\d*\.?\d+)\s*[xX×]\s*(\d*\.?\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"'{text}' is not a stretch: write FXxFY, e.g. 0.75x1")
    fx, fy = float(m.group(1)), float(m.group(2))
    if not (0.25 <= fx <= 4 and 0.25 <= fy <= 4):
        raise argparse.ArgumentTypeError(f"stretch {text} is out of range: use 0.25 to 4 each way")
    return fx, fy


def parse_count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a count: write a whole number, "
                                         "1 or more")
    return int(text)


def number_in(low: float, high: float):
    """An argparse type: a number from `low` to `high`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number from {low:g} to {high:g}")
        return value
    return parse


def _files_or_fixtures(given: list[Path] | None, fixtures: list[Path], example: str
                       ) -> list[Path]:
    """The files given, else those of the `fixtures` (../shared/fixtures) that exist."""
    found = given or [f for f in fixtures if f.is_file()]
    if not found:
        raise StandinError(f"none given and no fixtures found in {FIXTURES}: pass files, e.g. "
                           f"{example}")
    return found


CROSS_PORTRAITS = ("astronaut.png", "obama.jpg", "young_woman_long_hair.jpg")


def _clips(args: argparse.Namespace, motion: bool = False) -> list[Path]:
    """The clips given, else GRID's (and with `motion`, the motion set's: real footage)."""
    fixtures = sorted((FIXTURES / "driving").glob("*.mpg"))
    if motion:
        fixtures += sorted((FIXTURES / "motion").glob("*.mp4"))
    return _files_or_fixtures(args.clips, fixtures, f"standin eval {args.protocol} talk.mp4")


def _eval_self(args: argparse.Namespace) -> int:
    from .evaluate import print_self_reenactment

    print_self_reenactment(_clips(args, motion=True), args.save, args.frames)
    return 0


def _eval_cross(args: argparse.Namespace) -> int:
    from .evaluate import print_cross_identity

    portraits = _files_or_fixtures(
        args.portrait, [FIXTURES / "portraits" / n for n in CROSS_PORTRAITS],
        "standin eval cross-identity --portrait me.jpg")
    print_cross_identity(_clips(args, motion=True), portraits, args.frames)
    return 0


def _eval_sets(args: argparse.Namespace) -> int:
    from .evaluate import print_set_comparison

    print_set_comparison(_clips(args), args.save, args.save_sets, args.frames)
    return 0


def _eval_scale(args: argparse.Namespace) -> int:
    from .evaluate import print_different_scale
    from .evaluate.scale import DEFAULT_FACTORS

    print_different_scale(_clips(args), args.portrait, tuple(args.factor or DEFAULT_FACTORS),
                          args.frames)
    return 0


def _run(args: argparse.Namespace) -> int:
    from .headless import run_headless
    from .session import Settings
    from .virtual_camera import VirtualCameraSettings

    if args.microphone == "list":
        return _list_microphones()
    vcam = VirtualCameraSettings(args.size, args.fps, args.mirror, args.vcam_backend,
                                 args.vcam_device) if args.virtual_camera else None
    from .voice.driver import VoiceSettings
    from .voice.listening import Listening

    voice = None if args.voice == "camera" else Listening(
        args.voice, _microphone(args.microphone), VoiceSettings(args.liveliness, args.seed),
        say=lambda message: print(message, file=sys.stderr, flush=True))
    return run_headless(_portraits(args), args.camera, args.size, args.fps, vcam, args.record,
                        _edits(args), Settings(follow_distance=args.follow_distance),
                        _backend(args), args.seconds, voice=voice)


def _list_microphones() -> int:
    from .voice.microphone import NO_MICROPHONE_FIX, list_microphones

    found = list_microphones()
    for microphone in found:
        print(f"{microphone.index}: {microphone.name}")
    if not found:
        print(f"no microphone found: {NO_MICROPHONE_FIX}", file=sys.stderr)
    return 0


def _microphone(spec: str | None) -> int | None:
    """--microphone: an index, a device's name, or None for the system's default."""
    from .voice.listening import microphone_index

    if spec is None or spec.isdigit():
        return None if spec is None else int(spec)
    index = microphone_index(spec)
    if index is None:
        raise StandinError(f"no microphone called '{spec}': see `standin run --microphone list`")
    return index


def _edits(args: argparse.Namespace) -> Edits:
    return Edits(**{c.name: getattr(args, c.name) for c in CONTROLS},
                 lock_pose=args.lock_pose, lock_expression=args.lock_expression)


def _add_portrait(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("portrait (one photo, or a set of photos of one person)")
    group.add_argument("--portrait", default=None,
                       help="portrait photo (JPEG, PNG, ...), or a set folder; default: the "
                            "bundled portrait")
    group.add_argument("--portrait-extra", action="append", default=[], metavar="PHOTO",
                       help="an extra photo of the same person (smiling with teeth, mouth open, "
                            "eyes closed, head turned...), repeatable: its real content is used "
                            "where it is nearer what the face must show")
    group.add_argument("--portrait-set", default=None, metavar="FOLDER",
                       help="a set folder: main.jpg (or .png...) and the extra photos")


def _portraits(args: argparse.Namespace):
    """The portrait set the arguments name: --portrait (a photo or a set folder) or
    --portrait-set, plus any --portrait-extra photos."""
    from .portrait_set import load_portrait_set, set_photos

    if args.portrait_set is not None and args.portrait is not None:
        raise StandinError("--portrait and --portrait-set both name the main photo: give one "
                           "(a set folder's main photo is its main.jpg)")
    main, extras = args.portrait_set or args.portrait, list(args.portrait_extra)
    folder = Path(main) if main is not None and Path(main).is_dir() else None
    if folder is not None:
        main, in_folder = set_photos(folder)
        extras = [*in_folder, *extras]
    loaded = load_portrait_set(main, extras)
    if folder is not None:
        loaded.name = folder.name
    return loaded


def _add_backend(parser: argparse.ArgumentParser) -> None:
    from .render import BACKENDS

    parser.add_argument("--backend", choices=BACKENDS, default="auto",
                        help="renderer: auto (TensorRT, else torch CUDA, else the CPU; the "
                             "default), or one of them by name")


def _backend(args: argparse.Namespace):
    """The renderer chosen by --backend, said on stderr."""
    from .render import choose_backend

    choice = choose_backend(args.backend)
    print(f"renderer: {choice.backend} ({choice.why})", file=sys.stderr)
    return choice


def _add_editing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--follow-distance", type=number_in(0, 1), default=0.0,
                        metavar="F", help="how far the portrait follows the driver leaning in and "
                        "out: 0 keeps its size (default), 1 follows fully")
    edit = parser.add_argument_group("editing (on top of the driver's motion)")
    for control in CONTROLS:
        edit.add_argument("--" + control.name.replace("_", "-"),
                          type=number_in(control.low, control.high),
                          default=getattr(Edits, control.name), metavar="X",
                          help=f"{control.help}; {control.low:g} to {control.high:g}")
    edit.add_argument("--lock-pose", action="store_true", help="hold the head still")
    edit.add_argument("--lock-expression", action="store_true", help="hold the face still")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="standin",
        description="Stand-in: a portrait takes your place on video calls. Your face (webcam or "
                    "video) drives the portrait's head pose, mouth, eyes and brows.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser("render", help="animate a portrait with a driving video, to a file")
    _add_portrait(render)
    render.add_argument("--driving", default=None,
                        help=f"driving video file (or a camera index, a still image for one "
                             f"second, or '{DEMO}' for a generated talking head)")
    render.add_argument("--audio", type=Path, default=None,
                        help="drive by a recorded voice instead (WAV, MP3, or a video's sound): "
                             "the mouth follows the speech, the head moves naturally")
    render.add_argument("--fps", type=number_in(1, 120), default=None,
                        help="with --audio: output frame rate (default 30)")
    render.add_argument("--seed", type=int, default=0,
                        help="with --audio: the same seed gives the same head motion")
    render.add_argument("--liveliness", type=number_in(0, 1), default=0.5,
                        help="with --audio: how much the head moves, 0 still to 1 animated")
    render.add_argument("--out", required=True,
                        help="output: .mp4/.mkv (H.264), .avi (FFV1, lossless) or a folder (PNGs)")
    render.add_argument("--size", type=parse_size, default=None,
                        help="output size, N or WxH (default: the portrait's own size)")
    render.add_argument("--lossless", action="store_true",
                        help="lossless video (.mp4/.mkv: H.264 RGB, qp 0)")
    _add_backend(render)
    _add_editing(render)
    render.add_argument("--overwrite", action="store_true", help="replace an existing output")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(run=_render)

    run = sub.add_parser("run", help="animate live without a window: camera in, virtual "
                         "camera and/or recording out (Ctrl-C stops)")
    _add_portrait(run)
    run.add_argument("--camera", default="0",
                     help=f"camera index (default 0), a video file (looped), '{DEMO}', or "
                          f"'{NO_CAMERA}' (the voice alone drives)")
    run.add_argument("--virtual-camera", action="store_true",
                     help="send the output to the virtual camera (v4l2loopback / OBS)")
    run.add_argument("--size", type=parse_size, default=(1280, 720),
                     help="output size, N or WxH (default 1280x720)")
    run.add_argument("--fps", type=number_in(1, 120), default=30.0,
                     help="frames per second sent and recorded (default 30)")
    run.add_argument("--mirror", action="store_true", help="flip the virtual camera left-right")
    run.add_argument("--record", type=Path, default=None,
                     help="also record the output to this .mp4 (H.264)")
    run.add_argument("--vcam-backend", default=None, metavar="NAME",
                     help="pyvirtualcam backend (default: the system's; 'recording' keeps the "
                          "frames in memory, for machines without a device)")
    run.add_argument("--vcam-device", default=None, metavar="DEVICE",
                     help="virtual camera device, e.g. /dev/video10 (default: the first free one)")
    run.add_argument("--seconds", type=number_in(0.1, 1e9), default=None,
                     help="stop after this many seconds (default: run until Ctrl-C)")
    voice = run.add_argument_group("voice (drives the portrait when the camera cannot)")
    voice.add_argument("--voice", choices=MODES, default="auto",
                       help="auto: your voice takes over when your face has been lost for a "
                            "second (the default); voice: always; camera: never")
    voice.add_argument("--microphone", default=None, metavar="DEVICE",
                       help="input device index or name (default: the system's); "
                            "'list' lists them")
    voice.add_argument("--liveliness", type=number_in(0, 1), default=0.5,
                       help="how much the head moves under the voice, 0 still to 1 animated")
    voice.add_argument("--seed", type=int, default=0,
                       help="the same seed gives the same head motion")
    _add_backend(run)
    _add_editing(run)
    run.set_defaults(run=_run)

    bench = sub.add_parser("bench", help="print per-stage milliseconds and end-to-end FPS")
    _add_portrait(bench)
    bench.add_argument("--driving", default=None,
                       help="driving video (default: a generated talking head)")
    bench.add_argument("--sizes", type=parse_size, nargs="+", default=None,
                       help="output sizes (default: 512x512 1280x720)")
    bench.add_argument("--frames", type=int, default=300, help="timed frames per size")
    bench.add_argument("--latency", action="store_true",
                       help="capture-to-virtual-camera latency of the live pipeline (a 30 FPS "
                            "camera, 10 s, the recording virtual-camera backend)")
    bench.add_argument("--soak", type=parse_count, default=None, metavar="FRAMES",
                       help="a long call: standin run's pipeline (the --driving video looped as "
                            "the camera, the recording virtual camera) for FRAMES frames; prints "
                            "the rate, the work per frame and the memory as it goes (20000 for "
                            "a soak test)")
    bench.add_argument("--ui", action="store_true",
                       help="the app's UI thread: its longest stall while rendering at 512x512")
    _add_backend(bench)
    bench.set_defaults(run=_bench)

    evaluate = sub.add_parser("eval", help="measure quality (DESIGN §7)")
    protocols = evaluate.add_subparsers(dest="protocol", metavar="PROTOCOL", required=True)

    def protocol(name: str, run, description: str,
                 default_clips: str = "the GRID fixtures") -> argparse.ArgumentParser:
        p = protocols.add_parser(name, help=description)
        p.add_argument("clips", nargs="*", type=Path,
                       help=f"talking-face videos (default: {default_clips})")
        p.add_argument("--frames", type=parse_count, default=None, metavar="N",
                       help="use only the first N frames of each clip")
        p.set_defaults(run=run)
        return p

    selfr = protocol("self-reenactment", _eval_self,
                     "frame 0 of each clip is the portrait; the clip drives it and is the "
                     "ground truth", "the GRID and motion fixtures")
    selfr.add_argument("--save", type=Path, default=None,
                       help="folder to save side-by-side PNGs (truth | output) of each clip")
    cross = protocol("cross-identity", _eval_cross,
                     "each clip drives each portrait; pose, mouth and eyes of the output vs "
                     "the driver, shape leak, jitter", "the GRID and motion fixtures")
    cross.add_argument("--portrait", type=Path, action="append", default=None,
                       help="portrait photo, repeatable (default: the fixtures "
                            + ", ".join(CROSS_PORTRAITS) + ")")
    sets = protocol("portrait-set", _eval_sets,
                    "a set built from each clip's first half (frame 0, the widest mouth, the "
                    "most closed eyes, the largest turn each way) vs frame 0 alone, both driven "
                    "by the second half, which is the ground truth")
    sets.add_argument("--save", type=Path, default=None,
                      help="folder for side-by-side PNGs (frame 0 alone | set | truth) at the "
                           "widest mouth, the most closed eyes and the largest turn")
    sets.add_argument("--save-sets", type=Path, default=None, metavar="FOLDER",
                      help="also save each clip's set as a set folder in FOLDER (for "
                           "standin bench/render --portrait-set)")
    scale = protocol("different-scale", _eval_scale,
                     "the portrait driven by each clip stretched, vs by the clip itself")
    scale.add_argument("--factor", type=parse_factor, action="append", default=None,
                       metavar="FXxFY",
                       help="horizontal x vertical stretch, repeatable (default: 0.75x1 1x0.75 "
                            "1.3x1 1x1.3)")
    scale.add_argument("--portrait", type=Path, default=None,
                       help="portrait photo (default: the bundled portrait)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    from .tracking import route_native_logs_away

    route_native_logs_away()
    try:
        return args.run(args)
    except StandinError as err:
        print(f"standin: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("standin: stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
