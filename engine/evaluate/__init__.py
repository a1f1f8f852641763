"""Evaluation protocols (DESIGN §7), each run from files and printed as a table: self-reenactment
(`reenact`), cross-identity (`cross`), different-scale (`scale`), portrait sets (`sets`);
`common` holds what they share.
The metrics themselves are in engine.metrics."""
from .cross import CrossIdentity, cross_identity, print_cross_identity
from .reenact import SelfReenactment, print_self_reenactment, self_reenactment
from .sets import SetComparison, compare_sets, print_set_comparison
from .scale import DifferentScale, different_scale, print_different_scale, stretch_frame

__all__ = ["CrossIdentity", "DifferentScale", "SelfReenactment", "SetComparison",
           "compare_sets", "cross_identity", "different_scale", "print_cross_identity",
           "print_different_scale", "print_self_reenactment", "print_set_comparison",
           "self_reenactment", "stretch_frame"]
