"""``torch.backends.cuda``: the settable ``matmul.allow_tf32`` flag (nothing reads it)."""

from __future__ import annotations

__all__ = ["is_built", "matmul"]


class _MatmulFlags:
    """``backends.cuda.matmul``: ``allow_tf32`` and ``allow_fp16_reduced_precision_reduction``."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    """False: autograd_np has no CUDA support."""
    return False
