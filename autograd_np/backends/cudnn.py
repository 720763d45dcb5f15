"""``torch.backends.cudnn``: settable flags (nothing reads them; there is no cuDNN here)."""

from __future__ import annotations

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: there is no cuDNN."""
    return False


def version() -> None:
    """None, as PyTorch returns without cuDNN."""
    return None
