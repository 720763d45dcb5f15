"""Adadelta (Zeiler, 2012): steps scaled by running averages of squared gradients and of
squared updates."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import effective_grad, ema_square_
from autograd_np.optim.optimizer import ParamsT, _number, _RuleOptimizer
from autograd_np.tensor import Tensor

__all__ = ["Adadelta", "adadelta_step"]


def adadelta_step(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    acc_delta: np.ndarray,
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One Adadelta update of ``param`` and its state, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing)::

        v = rho * v + (1 - rho) * g**2
        dx = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx**2
        param -= lr * dx

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    square_avg, acc_delta : np.ndarray
        ``v`` and ``u``, the running means of the squared gradient and of the squared
        update (updated in place).
    lr, rho, eps, weight_decay : float
        Hyperparameters, as Python floats.
    maximize : bool
        Ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = effective_grad(param, grad, weight_decay, maximize)
    ema_square_(square_avg, g, rho, work)
    delta = np.add(acc_delta, eps, out=np.empty_like(acc_delta))
    np.sqrt(delta, out=delta)
    np.add(square_avg, eps, out=work)
    np.sqrt(work, out=work)  # the std
    delta /= work
    delta *= g
    ema_square_(acc_delta, delta, rho, work)
    delta *= -lr
    param += delta


class Adadelta(_RuleOptimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1.0
        Scales the update before it is applied.
    rho : float, default 0.9
        Decay rate of the running averages, in [0, 1].
    eps : float, default 1e-6
        Added inside both square roots for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``square_avg`` and ``acc_delta``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import Adadelta
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adadelta([w])
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w.array.round(4)  # the first steps are about sqrt(eps / (1 - rho)) long
    array([ 0.9968, -1.9968], dtype=float32)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "square_avg", "acc_delta"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("eps", "eps"),
        ("weight_decay", "weight_decay"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "rho", "eps", "weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        if not 0.0 <= _number("Adadelta", "rho", group["rho"]) <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {group['rho']!r}; expected a number in [0, 1]")

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(p, "square_avg", "acc_delta")
        adadelta_step(
            p.array,
            grad,
            state["square_avg"],
            state["acc_delta"],
            scratch=self._buffer(p.array),
            **options,
        )
