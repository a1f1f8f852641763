"""The TensorRT plan cache (trt_plans/): one plan per GPU, TensorRT version and output size,
built on first use, rebuilt when stale or corrupt. Nothing here imports TensorRT: building
and loading a plan are passed in, so the cache's rules are tested on any machine."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

PLAN_DIR = Path(__file__).resolve().parents[2] / "trt_plans"


@dataclass(frozen=True)
class PlanKey:
    gpu: str  # the device's name, e.g. "NVIDIA H100 80GB HBM3"
    tensorrt: str  # TensorRT's version
    size: tuple[int, int]  # output (W, H)
    graph: str  # fingerprint of the ONNX graph the plan is built from (the code's version)

    @property
    def file_name(self) -> str:
        gpu = re.sub(r"[^A-Za-z0-9.]+", "_", self.gpu).strip("_")
        return f"{gpu}-{self.tensorrt}-{self.size[0]}x{self.size[1]}.plan"


def graph_fingerprint(onnx_graph: bytes) -> str:
    return hashlib.sha256(onnx_graph).hexdigest()[:16]


class PlanCache:
    """`build(path)` writes a plan for the key to `path`; `load(data)` turns plan bytes into
    what runs them (a TensorRT engine), or None where they cannot be read. `say` gets one line
    for each build and why (the app shows it)."""

    def __init__(self, build: Callable[[Path], None], load: Callable[[bytes], Any],
                 folder: Path = PLAN_DIR, say: Callable[[str], None] = print):
        self._build, self._load, self._say = build, load, say
        self.folder = folder

    def plan(self, key: PlanKey) -> Any:
        """The loaded plan for `key`, built first if it is missing, stale or corrupt."""
        path = self.folder / key.file_name
        data = path.read_bytes() if path.is_file() else None
        problem = self._problem(key, path, data)
        if problem is None:
            loaded = self._load(data)
            if loaded is not None:
                return loaded
            problem = "the file is corrupt (TensorRT cannot read it)"
        self._say(f"building the TensorRT plan for {key.size[0]}x{key.size[1]} on {key.gpu} "
                  f"({problem}); this takes a minute or two, once")
        loaded = self._load(self._rebuild(key, path))
        if loaded is None:
            raise RuntimeError(f"TensorRT built a plan it cannot read back ({path})")
        return loaded

    @staticmethod
    def _problem(key: PlanKey, path: Path, data: bytes | None) -> str | None:
        """Why the stored plan (`data`, None where there is none) cannot be used, or None."""
        if data is None:
            return "none built yet"
        try:
            meta = json.loads(_meta_path(path).read_text())
        except (OSError, ValueError):
            return "its description is missing or unreadable"
        if meta.get("key") != _jsonable(key):
            built = meta.get("key", {})
            return (f"stale: built for TensorRT {built.get('tensorrt', '?')}, graph "
                    f"{built.get('graph', '?')}")
        if meta.get("sha256") != hashlib.sha256(data).hexdigest():
            return "the file is corrupt (it does not match what was built)"
        return None

    def _rebuild(self, key: PlanKey, path: Path) -> bytes:
        """Build to a temporary file, then move it in place: an interrupted build leaves no
        half plan. Plans of this GPU and size for other TensorRT versions are removed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".building")
        self._build(temporary)
        data = temporary.read_bytes()
        meta = {"key": _jsonable(key), "sha256": hashlib.sha256(data).hexdigest()}
        os.replace(temporary, path)
        _meta_path(path).write_text(json.dumps(meta, indent=1))
        prefix, suffix = key.file_name.split(f"-{key.tensorrt}-")
        for old in self.folder.glob(f"{prefix}-*-{suffix}"):
            if old != path:
                old.unlink()
                _meta_path(old).unlink(missing_ok=True)
        return data


def _meta_path(plan: Path) -> Path:
    return plan.with_suffix(".json")


def _jsonable(key: PlanKey) -> dict:
    return {**asdict(key), "size": list(key.size)}
