"""Adagrad (Duchi, Hazan & Singer, 2011), with learning-rate decay and weight decay."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import effective_grad
from autograd_np.optim.optimizer import ParamsT, _RuleOptimizer
from autograd_np.tensor import Tensor

__all__ = ["Adagrad", "adagrad_step"]


def adagrad_step(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    *,
    step: int,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One Adagrad update of ``param`` and its accumulator, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing) and ``t = step``::

        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        param -= clr * g / (sqrt(s) + eps)

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    state_sum : np.ndarray
        ``s``, the sum of squared gradients (updated in place).
    step : int
        The number of this step, counting from 1.
    lr, lr_decay, weight_decay, eps : float
        Hyperparameters, as Python floats.
    maximize : bool
        Ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = effective_grad(param, grad, weight_decay, maximize)
    clr = lr / (1.0 + (step - 1) * lr_decay)
    np.multiply(g, g, out=work)
    state_sum += work
    np.sqrt(state_sum, out=work)
    work += eps
    np.divide(g, work, out=work)
    work *= -clr
    param += work


class Adagrad(_RuleOptimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    lr_decay : float, default 0
        Learning-rate decay: step t uses ``lr / (1 + (t - 1) * lr_decay)``.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    initial_accumulator_value : float, default 0
        Starting value of the sum of squared gradients.
    eps : float, default 1e-10
        Added to the denominator for numerical stability.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int) and ``sum``; like PyTorch, the state of the
    parameters given to the constructor is created at once.
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "sum"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("lr_decay", "lr_decay"),
        ("weight_decay", "weight_decay"),
        ("initial_accumulator_value", "initial_accumulator_value"),
        ("eps", "eps"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "lr_decay", "weight_decay", "eps")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> None:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = np.full_like(p.array, float(group["initial_accumulator_value"]))

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self.state[p]
        if "sum" not in state:  # a parameter added later with add_param_group
            self._init_state(p, group)
        state["step"] += 1
        adagrad_step(
            p.array,
            grad,
            state["sum"],
            step=state["step"],
            scratch=self._buffer(p.array),
            **options,
        )
