"""``torch.backends.mps``: Apple's Metal backend is not available here."""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: autograd_np runs on the CPU only."""
    return False


def is_built() -> bool:
    """False: autograd_np has no MPS support."""
    return False
