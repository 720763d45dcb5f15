"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim.optimizer import ParamsT, _RuleOptimizer, elementwise_rule
from autograd_np.tensor import Tensor

__all__ = ["SGD", "sgd_step"]


def sgd_step(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buffer: np.ndarray | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> np.ndarray | None:
    """One SGD update of ``param``, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing)::

        b = g                                   on the first step (dampening ignored)
        b = momentum * b + (1 - dampening) * g  afterwards
        d = g + momentum * b if nesterov else b          (d = g without momentum)
        param -= lr * d

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    momentum_buffer : np.ndarray or None
        The buffer ``b`` (updated in place), or None before the first step.
    lr, momentum, dampening, weight_decay : float
        Hyperparameters, as Python floats.
    nesterov, maximize : bool
        Use Nesterov momentum; ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).

    Returns
    -------
    np.ndarray or None
        The momentum buffer to keep (a new array on the first step), None without momentum.
    """
    work = np.empty_like(param) if scratch is None else scratch
    d = grad
    if weight_decay != 0:
        np.multiply(param, weight_decay, out=work)
        if maximize:
            np.subtract(work, grad, out=work)
        else:
            np.add(work, grad, out=work)
        d = work
    elif maximize:
        np.negative(grad, out=work)
        d = work

    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = np.empty_like(param)
            np.copyto(momentum_buffer, d)
        else:
            momentum_buffer *= momentum
            if dampening == 0:
                momentum_buffer += d
            elif d is work and not nesterov:
                work *= 1.0 - dampening  # d is not needed again
                momentum_buffer += work
            else:
                np.multiply(d, 1.0 - dampening, out=work)
                momentum_buffer += work
        if nesterov:
            if d is work:
                work += momentum_buffer * momentum  # one temporary: d still occupies work
            else:
                np.multiply(momentum_buffer, momentum, out=work)
                work += d
            d = work
        else:
            d = momentum_buffer

    np.multiply(d, -lr, out=work)
    param += work
    return momentum_buffer


class SGD(_RuleOptimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    momentum : float, default 0
        Momentum factor.
    dampening : float, default 0
        Dampening of the momentum (the new gradient enters with weight ``1 - dampening``).
    weight_decay : float, default 0
        L2 penalty: ``weight_decay * param`` is added to the gradient.
    nesterov : bool, default False
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import SGD
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.zero_grad()
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"momentum_buffer"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("momentum", "momentum"),
        ("dampening", "dampening"),
        ("weight_decay", "weight_decay"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "momentum", "dampening", "weight_decay")
    _bool_options: ClassVar[tuple[str, ...]] = ("nesterov", "maximize")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening == 0, got momentum="
                f"{group['momentum']} and dampening={group['dampening']}"
            )

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        buf = self.state[p].get("momentum_buffer") if options["momentum"] != 0 else None
        if buf is not None or options["momentum"] == 0:  # the rule keeps its buffer: split it
            elementwise_rule(sgd_step, p.array, grad, buf, scratch=self._buffer(p.array), **options)
            return
        buf = sgd_step(p.array, grad, buf, scratch=self._buffer(p.array), **options)
        if buf is not None:
            self.state[p]["momentum_buffer"] = buf
