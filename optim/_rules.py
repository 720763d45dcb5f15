"""The pieces the update rules share, over numpy arrays and in place: running averages, the
gradient after weight decay and maximization. Bitwise the same as the code they replace, so
every rule still matches PyTorch's arithmetic step for step."""

from __future__ import annotations

import numpy as np

__all__ = ["decay_and_grad", "effective_grad", "ema_square_", "lerp_"]


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, work: np.ndarray) -> None:
    """``start += weight * (end - start)`` in place: the running average
    ``(1 - weight) * start + weight * end``. ``work`` is a scratch array shaped like ``start``.

    As ``torch.lerp``, it computes ``end - (1 - weight) * (end - start)`` when
    ``weight >= 0.5``, so that ``weight == 1`` gives ``end`` exactly (beta1 = 0 in Adam,
    alpha = 0 in centered RMSprop).
    """
    np.subtract(end, start, out=work)
    if abs(weight) < 0.5:
        work *= weight
        start += work
    else:
        work *= 1.0 - weight
        np.subtract(end, work, out=start)


def ema_square_(avg: np.ndarray, g: np.ndarray, decay: float, work: np.ndarray) -> None:
    """``avg = decay * avg + (1 - decay) * g**2`` in place (Adam's ``v``, RMSprop's and
    Adadelta's running means of squares). ``work`` is a scratch array shaped like ``avg``."""
    avg *= decay
    np.multiply(g, 1.0 - decay, out=work)
    work *= g
    avg += work


def effective_grad(
    param: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool
) -> np.ndarray:
    """``±grad + weight_decay * param`` (minus when maximizing); ``grad`` itself when that is
    all it is. A new array otherwise, since the caller's gradient must stay unchanged."""
    if weight_decay != 0:
        out = np.multiply(param, weight_decay)
        if maximize:
            out -= grad
        else:
            out += grad
        return out
    if maximize:
        return np.negative(grad)
    return grad


def decay_and_grad(
    param: np.ndarray,
    grad: np.ndarray,
    *,
    lr: float,
    weight_decay: float,
    decoupled: bool,
    maximize: bool,
) -> np.ndarray:
    """The gradient an Adam-like rule uses, after weight decay: with ``decoupled`` the
    parameter shrinks in place, ``param *= 1 - lr * weight_decay``, and ``±grad`` is
    returned; otherwise the L2 term enters the gradient (:func:`effective_grad`)."""
    if decoupled:
        if weight_decay != 0:
            param *= 1.0 - lr * weight_decay
        return effective_grad(param, grad, 0.0, maximize)
    return effective_grad(param, grad, weight_decay, maximize)
