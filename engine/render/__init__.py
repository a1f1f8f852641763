"""Render backends: turn a backward map into pixels sampled from the portrait. The CPU one
(cpu.py) is always there; torch and TensorRT are imported only when chosen (backends.py)."""
from .backends import BACKENDS, Choice, Renderer, choose_backend, make_renderer

__all__ = ["BACKENDS", "Choice", "Renderer", "choose_backend", "make_renderer"]
