"""Averaged SGD (Polyak & Juditsky, 1992), with the decaying step size of Bottou's
``eta_t = lr / (1 + lambd * lr * t)**alpha``."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import effective_grad
from autograd_np.optim.optimizer import ParamsT, _number, _RuleOptimizer
from autograd_np.tensor import Tensor

__all__ = ["ASGD", "asgd_step"]


def asgd_step(
    param: np.ndarray,
    grad: np.ndarray,
    ax: np.ndarray,
    *,
    step: int,
    eta: float,
    mu: float,
    lr: float,
    lambd: float,
    alpha: float,
    t0: float,
    weight_decay: float,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> tuple[float, float]:
    """One ASGD update of ``param`` and its average, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing) and ``t = step``::

        param = param * (1 - lambd * eta) - eta * g
        ax = ax + mu * (param - ax)          (ax = param while mu == 1)
        eta = lr / (1 + lambd * lr * t)**alpha
        mu = 1 / max(1, t - t0)

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    ax : np.ndarray
        The running average of the parameter (updated in place).
    step : int
        The number of this step, counting from 1.
    eta, mu : float
        The step size and the averaging weight for this step (``lr`` and 1 at first).
    lr, lambd, alpha, t0, weight_decay : float
        Hyperparameters, as Python floats.
    maximize : bool
        Ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).

    Returns
    -------
    (float, float)
        ``eta`` and ``mu`` for the next step.
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = effective_grad(param, grad, weight_decay, maximize)
    param *= 1.0 - lambd * eta
    np.multiply(g, -eta, out=work)
    param += work
    if mu != 1:
        np.subtract(param, ax, out=work)
        work *= mu
        ax += work
    else:
        np.copyto(ax, param)
    new_eta = lr / (1.0 + lambd * lr * step) ** alpha
    new_mu = 1.0 / max(1.0, step - t0)
    return new_eta, new_mu


class ASGD(_RuleOptimizer):
    """Averaged stochastic gradient descent, as ``torch.optim.ASGD``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-2
        Learning rate.
    lambd : float, default 1e-4
        Decay term.
    alpha : float, default 0.75
        Power of the step-size decay.
    t0 : float, default 1e6
        The step at which averaging starts.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``eta`` and ``mu`` (floats) and ``ax``, the
    averaged parameter (copy it into the model for evaluation, as with PyTorch's). PyTorch
    keeps ``eta`` and ``mu`` as 0-d tensors of its default scalar dtype (float32 unless the
    default dtype is float64); here they are Python floats.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import ASGD
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = ASGD([w], lr=0.1, lambd=0.0)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "eta", "mu", "ax"})
    _scalar_state_keys: ClassVar[frozenset[str]] = frozenset({"eta", "mu"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("lambd", "lambd"),
        ("weight_decay", "weight_decay"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "lambd", "alpha", "t0", "weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        _number("ASGD", "alpha", group["alpha"])
        _number("ASGD", "t0", group["t0"])

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self.state[p]
        if "step" not in state:
            state["step"] = 0
            state["eta"] = float(group["lr"])
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(p.array)
        state["step"] += 1
        state["eta"], state["mu"] = asgd_step(
            p.array,
            grad,
            state["ax"],
            step=state["step"],
            eta=state["eta"],
            mu=state["mu"],
            scratch=self._buffer(p.array),
            **options,
        )
