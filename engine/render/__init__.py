"""Render backends: turn a backward map into pixels sampled from the portrait."""
from .cpu import CpuRenderer

__all__ = ["CpuRenderer"]
