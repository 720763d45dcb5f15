"""Adamax (Kingma & Ba, 2015, section 7): Adam with the infinity norm in place of the second
moment."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import effective_grad, lerp_
from autograd_np.optim.adam import AdamFamily
from autograd_np.optim.optimizer import ParamsT
from autograd_np.tensor import Tensor

__all__ = ["Adamax", "adamax_step"]


def adamax_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_inf: np.ndarray,
    *,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One Adamax update of ``param`` and its state, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing) and ``t = step``::

        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)
        param -= lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    exp_avg, exp_inf : np.ndarray
        The first moment ``m`` and the exponentially weighted infinity norm ``u`` (updated
        in place).
    step : int
        The number of this step, counting from 1 (for the bias correction).
    lr, beta1, beta2, eps, weight_decay : float
        Hyperparameters, as Python floats.
    maximize : bool
        Ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = effective_grad(param, grad, weight_decay, maximize)
    lerp_(exp_avg, g, 1.0 - beta1, work)
    exp_inf *= beta2
    np.abs(g, out=work)
    work += eps
    np.maximum(exp_inf, work, out=exp_inf)
    clr = lr / (1.0 - beta1**step)
    np.divide(exp_avg, exp_inf, out=work)
    work *= -clr
    param += work


class Adamax(AdamFamily):
    """Adamax, as ``torch.optim.Adamax``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 2e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first moment and of the infinity norm, each in [0, 1).
    eps : float, default 1e-8
        Added to ``|g|`` for numerical stability.
    weight_decay : float, default 0
        L2 penalty added to the gradient.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``exp_avg`` and ``exp_inf``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import Adamax
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adamax([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w  # the first step moves each coordinate by lr
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "exp_avg", "exp_inf"})

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(p, "exp_avg", "exp_inf")
        adamax_step(
            p.array,
            grad,
            state["exp_avg"],
            state["exp_inf"],
            step=state["step"],
            scratch=self._buffer(p.array),
            **options,
        )
