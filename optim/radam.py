"""RAdam (Liu et al., 2020): Adam with a rectified adaptive learning rate, plain momentum
SGD while the variance estimate is unreliable."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import decay_and_grad, ema_square_, lerp_
from autograd_np.optim.adam import AdamFamily
from autograd_np.optim.optimizer import ParamsT
from autograd_np.tensor import Tensor

__all__ = ["RAdam", "radam_step"]


def radam_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    *,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> None:
    """One RAdam update of ``param`` and its moments, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (or, decoupled, ``param *= 1 - lr *
    weight_decay`` and ``g = ±grad``) and ``t = step``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            param -= lr * m_hat * r * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:
            param -= lr * m_hat

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    exp_avg, exp_avg_sq : np.ndarray
        The moments ``m`` and ``v`` (updated in place).
    step : int
        The number of this step, counting from 1.
    lr, beta1, beta2, eps, weight_decay : float
        Hyperparameters, as Python floats.
    decoupled_weight_decay, maximize : bool
        AdamW-style decay; ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).
    """
    work = np.empty_like(param) if scratch is None else scratch
    g = decay_and_grad(
        param,
        grad,
        lr=lr,
        weight_decay=weight_decay,
        decoupled=decoupled_weight_decay,
        maximize=maximize,
    )
    lerp_(exp_avg, g, 1.0 - beta1, work)
    ema_square_(exp_avg_sq, g, beta2, work)

    bias_correction1 = 1.0 - beta1**step
    bias_correction2 = 1.0 - beta2**step
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * step * beta2**step / bias_correction2
    if rho_t > 5.0:
        rect = (
            (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)
        ) ** 0.5
        np.sqrt(exp_avg_sq, out=work)
        work += eps
        np.divide(exp_avg, work, out=work)
        work *= -lr * rect * bias_correction2**0.5 / bias_correction1
    else:
        np.multiply(exp_avg, -lr / bias_correction1, out=work)
    param += work


class RAdam(AdamFamily):
    """RAdam, as ``torch.optim.RAdam``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        Weight decay: an L2 penalty added to the gradient, or with
        ``decoupled_weight_decay`` a shrinking of the parameters by ``1 - lr * weight_decay``.
    decoupled_weight_decay : bool, default False
        Decay as AdamW does (RAdamW).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``exp_avg`` and ``exp_avg_sq``. With the default
    betas the first five steps are plain momentum steps (``rho_t <= 5``).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import RAdam
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = RAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w  # the first step is lr * gradient
    tensor([ 0.8, -1.6], requires_grad=True)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _bool_options: ClassVar[tuple[str, ...]] = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(p, "exp_avg", "exp_avg_sq")
        radam_step(
            p.array,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            step=state["step"],
            scratch=self._buffer(p.array),
            **options,
        )
