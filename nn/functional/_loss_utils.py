"""What the losses share: the ``reduction`` argument and the check of the target's shape."""

from __future__ import annotations

import warnings

import numpy as np

from autograd_np.ops.reduction import mean, sum
from autograd_np.tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(op: str, reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    """Raise unless ``reduction`` is one of ``allowed``."""
    if reduction not in allowed:
        choices = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{op}: reduction must be one of {choices}, got {reduction!r}")


def reduce_loss(loss: Tensor, reduction: str) -> Tensor:
    """The mean or the sum of the elementwise losses, or the losses themselves (``'none'``)."""
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def check_target_shape(op: str, x: Tensor, t: Tensor, *, strict: bool = False) -> None:
    """PyTorch broadcasts a target of another shape with a warning (``strict``: an error).

    The warning points at the caller of the loss function (``stacklevel=3``).
    """
    if x.shape == t.shape:
        return
    message = (
        f"{op}: target of shape {t.shape} differs from input of shape {x.shape}; "
        "they will be broadcast, which is likely not what you want"
    )
    if strict:
        raise ValueError(f"{op}: target of shape {t.shape} must match input of shape {x.shape}")
    try:
        np.broadcast_shapes(x.shape, t.shape)
    except ValueError:
        raise ValueError(
            f"{op}: target of shape {t.shape} does not broadcast with input of shape {x.shape}"
        ) from None
    warnings.warn(message, UserWarning, stacklevel=3)
