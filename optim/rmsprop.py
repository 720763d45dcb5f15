"""RMSprop (Hinton's lecture 6e), with momentum and the centered variant of Graves (2013)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import effective_grad, ema_square_, lerp_
from autograd_np.optim.optimizer import ParamsT, _RuleOptimizer
from autograd_np.tensor import Tensor

__all__ = ["RMSprop", "rmsprop_step"]


def rmsprop_step(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    grad_avg: np.ndarray | None,
    momentum_buffer: np.ndarray | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One RMSprop update of ``param`` and its state, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing)::

        v = alpha * v + (1 - alpha) * g**2
        a = alpha * a + (1 - alpha) * g          (centered)
        s = sqrt(v - a**2) + eps if centered else sqrt(v) + eps
        b = momentum * b + g / s;  param -= lr * b     (momentum > 0)
        param -= lr * g / s                              (otherwise)

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    square_avg : np.ndarray
        ``v``, the running mean of the squared gradient (updated in place).
    grad_avg : np.ndarray or None
        ``a``, the running mean of the gradient; needed when ``centered``.
    momentum_buffer : np.ndarray or None
        ``b``; needed when ``momentum > 0``.
    lr, alpha, eps, weight_decay, momentum : float
        Hyperparameters, as Python floats.
    centered, maximize : bool
        Normalize by the estimated variance instead of the second moment; ascend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = effective_grad(param, grad, weight_decay, maximize)
    ema_square_(square_avg, g, alpha, work)
    if centered:
        if grad_avg is None:
            raise ValueError("rmsprop_step: centered needs the grad_avg array")
        lerp_(grad_avg, g, 1.0 - alpha, work)
        np.multiply(grad_avg, grad_avg, out=work)
        np.subtract(square_avg, work, out=work)
        np.sqrt(work, out=work)
    else:
        np.sqrt(square_avg, out=work)
    work += eps  # the denominator s
    np.divide(g, work, out=work)
    if momentum > 0:
        if momentum_buffer is None:
            raise ValueError("rmsprop_step: momentum > 0 needs the momentum_buffer array")
        momentum_buffer *= momentum
        momentum_buffer += work
        np.multiply(momentum_buffer, -lr, out=work)
    else:
        work *= -lr
    param += work


class RMSprop(_RuleOptimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Smoothing constant of the running averages.
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    momentum : float, default 0
        Momentum factor.
    centered : bool, default False
        Normalize the gradient by an estimate of its variance.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``square_avg``, and ``momentum_buffer`` (momentum
    > 0) and ``grad_avg`` (centered).

    As in PyTorch, the centered variance estimate ``v - a**2`` tends to 0 when a gradient
    stays constant, and rounding can then take it below 0: the update becomes NaN (with
    numpy's "invalid value encountered in sqrt" warning). The variance is not clamped, so
    that every finite result equals PyTorch's.
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset(
        {"step", "square_avg", "momentum_buffer", "grad_avg"}
    )
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("eps", "eps"),
        ("momentum", "momentum"),
        ("weight_decay", "weight_decay"),
        ("alpha", "alpha"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "alpha", "eps", "weight_decay", "momentum")
    _bool_options: ClassVar[tuple[str, ...]] = ("centered", "maximize")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(
            p,
            "square_avg",
            momentum_buffer=options["momentum"] > 0,
            grad_avg=options["centered"],
        )
        rmsprop_step(
            p.array,
            grad,
            state["square_avg"],
            state.get("grad_avg"),
            state.get("momentum_buffer"),
            scratch=self._buffer(p.array),
            **options,
        )
