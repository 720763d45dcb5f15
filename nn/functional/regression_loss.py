"""Regression losses (``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``) and the
KL divergence, with PyTorch's semantics and ``reduction='mean' | 'sum' | 'none'``.

They are composites of engine ops; their sample specifications and numpy references are in
``_loss_specs.py``.
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd_np.autograd import composite
from autograd_np.creation import as_tensor
from autograd_np.nn.functional._loss_specs import (
    _huber_ref,
    _huber_spec,
    _kl_ref,
    _kl_spec,
    _reduce_ref,
    _regression_spec,
    _smooth_l1_ref,
    _smooth_l1_spec,
)
from autograd_np.nn.functional._loss_utils import check_reduction, check_target_shape, reduce_loss
from autograd_np.ops.arithmetic import multiply, square, subtract
from autograd_np.ops.piecewise import abs, where
from autograd_np.ops.reduction import sum as _sum
from autograd_np.ops.transcendental import exp, log
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["huber_loss", "kl_div", "l1_loss", "mse_loss", "smooth_l1_loss"]


# ---------------------------------------------------------------------- regression losses
@composite(
    "nn.functional.mse_loss",
    spec=_regression_spec(),
    ref=lambda x, t, reduction="mean": _reduce_ref((x - t) ** 2, reduction),
)
def mse_loss(input: TensorLike, target: TensorLike, *, reduction: str = "mean") -> Tensor:
    """The squared error ``(input - target)^2``, reduced.

    Parameters
    ----------
    input, target : Tensor
        The same shape (a different, broadcastable shape warns, as in PyTorch).
    reduction : {'mean', 'sum', 'none'}, default 'mean'

    Returns
    -------
    Tensor
        A scalar, or the elementwise losses for ``'none'``.
    """
    check_reduction("mse_loss", reduction)
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("mse_loss", x, t)
    return reduce_loss(square(subtract(x, t)), reduction)


@composite(
    "nn.functional.l1_loss",
    spec=_regression_spec(avoid=(0.0,)),
    ref=lambda x, t, reduction="mean": _reduce_ref(np.abs(x - t), reduction),
)
def l1_loss(input: TensorLike, target: TensorLike, *, reduction: str = "mean") -> Tensor:
    """The absolute error ``|input - target|``, reduced (see :func:`mse_loss`)."""
    check_reduction("l1_loss", reduction)
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("l1_loss", x, t)
    return reduce_loss(abs(subtract(x, t)), reduction)


def _piecewise_quadratic(d: Tensor, beta: float) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2`` (``|d|`` at 0)."""
    ad = abs(d)
    if beta == 0:
        return ad
    inside = ad.array < beta
    return where(inside, multiply(square(d), 0.5 / beta), subtract(ad, 0.5 * beta))


@composite("nn.functional.smooth_l1_loss", spec=_smooth_l1_spec, ref=_smooth_l1_ref)
def smooth_l1_loss(
    input: TensorLike, target: TensorLike, *, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (``d = input -
    target``), reduced; ``beta = 0`` gives :func:`l1_loss`.

    Parameters
    ----------
    input, target : Tensor
        The same shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    beta : float, default 1.0
        Where the quadratic turns linear (non-negative).
    """
    check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("smooth_l1_loss", x, t)
    return reduce_loss(_piecewise_quadratic(subtract(x, t), float(beta)), reduction)


@composite("nn.functional.huber_loss", spec=_huber_spec, ref=_huber_ref)
def huber_loss(
    input: TensorLike, target: TensorLike, *, reduction: str = "mean", delta: float = 1.0
) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, reduced
    (``delta`` times :func:`smooth_l1_loss` with ``beta = delta``).

    Parameters
    ----------
    input, target : Tensor
        The same shape.
    reduction : {'mean', 'sum', 'none'}, default 'mean'
    delta : float, default 1.0
        Where the quadratic turns linear (positive).
    """
    check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("huber_loss", x, t)
    loss = _piecewise_quadratic(subtract(x, t), float(delta))
    return reduce_loss(multiply(loss, float(delta)), reduction)


@composite("nn.functional.kl_div", spec=_kl_spec, ref=_kl_ref)
def kl_div(
    input: TensorLike, target: TensorLike, *, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """The Kullback-Leibler divergence ``target * (log target - input)`` with ``input`` given
    as log-probabilities (``0`` where ``target == 0``), reduced.

    Parameters
    ----------
    input : Tensor
        Log-probabilities.
    target : Tensor
        Probabilities (log-probabilities with ``log_target=True``), the same shape.
    reduction : {'mean', 'batchmean', 'sum', 'none'}, default 'mean'
        ``'mean'`` averages over every element (and warns, as PyTorch does);
        ``'batchmean'`` divides the sum by the batch size, the mathematical KL divergence.
    log_target : bool, default False
        Whether ``target`` holds log-probabilities: then the loss is
        ``exp(target) * (target - input)``.
    """
    check_reduction("kl_div", reduction, ("none", "mean", "sum", "batchmean"))
    x, t = as_tensor(input), as_tensor(target)
    check_target_shape("kl_div", x, t)
    if log_target:
        loss = multiply(exp(t), subtract(t, x))
    else:
        positive = t.array > 0
        xlogx = where(positive, multiply(t, log(where(positive, t, 1.0))), 0.0)
        loss = subtract(xlogx, multiply(t, x))
    if reduction == "batchmean":
        batch = x.shape[0] if x.ndim else 1
        return multiply(_sum(loss), 1.0 / batch)
    if reduction == "mean":
        warnings.warn(
            "kl_div: reduction='mean' divides the total loss by the number of elements; "
            "'batchmean' divides by the batch size, which matches the definition of KL",
            UserWarning,
            stacklevel=2,
        )
    return reduce_loss(loss, reduction)
