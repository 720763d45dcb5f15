"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import decay_and_grad, ema_square_, lerp_
from autograd_np.optim.adam import AdamFamily
from autograd_np.optim.optimizer import ParamsT
from autograd_np.tensor import Tensor

__all__ = ["NAdam", "nadam_step"]


def nadam_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    *,
    step: int,
    mu_product: float,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    scratch: np.ndarray | None = None,
) -> float:
    """One NAdam update of ``param`` and its moments, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (or, decoupled, ``param *= 1 - lr *
    weight_decay`` and ``g = ±grad``), ``t = step`` and ``P`` the product of the ``mu``s so
    far::

        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))      (and mu_{t+1} alike)
        P = P * mu_t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        s = sqrt(v / (1 - beta2**t)) + eps
        param -= lr * (1 - mu_t) / (1 - P) * g / s
        param -= lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / s

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    exp_avg, exp_avg_sq : np.ndarray
        The moments ``m`` and ``v`` (updated in place).
    step : int
        The number of this step, counting from 1.
    mu_product : float
        ``P`` before this step (1 before the first).
    lr, beta1, beta2, eps, weight_decay, momentum_decay : float
        Hyperparameters, as Python floats.
    decoupled_weight_decay, maximize : bool
        AdamW-style decay (NAdamW); ascend instead of descend.
    scratch : np.ndarray, optional
        A work array shaped like ``param`` (allocated when omitted).

    Returns
    -------
    float
        ``P`` after this step, to pass to the next one.
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
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product *= mu
    lerp_(exp_avg, g, 1.0 - beta1, work)
    ema_square_(exp_avg_sq, g, beta2, work)

    denom = np.divide(exp_avg_sq, 1.0 - beta2**step, out=np.empty_like(exp_avg_sq))
    np.sqrt(denom, out=denom)
    denom += eps
    np.divide(g, denom, out=work)
    work *= -lr * (1.0 - mu) / (1.0 - mu_product)
    param += work
    np.divide(exp_avg, denom, out=work)
    work *= -lr * mu_next / (1.0 - mu_product * mu_next)
    param += work
    return mu_product


class NAdam(AdamFamily):
    """NAdam, as ``torch.optim.NAdam``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups.
    lr : float, default 2e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default 0
        Weight decay: an L2 penalty added to the gradient, or with
        ``decoupled_weight_decay`` a shrinking of the parameters by ``1 - lr * weight_decay``.
    momentum_decay : float, default 4e-3
        The ``psi`` of the momentum schedule ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * psi))``.
    decoupled_weight_decay : bool, default False
        Decay as AdamW does (NAdamW).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Notes
    -----
    State per parameter: ``step`` (int), ``mu_product`` (float), ``exp_avg`` and
    ``exp_avg_sq``. PyTorch keeps ``mu_product`` as a 0-d tensor of its default scalar
    dtype (float32 unless the default dtype is float64); here it is a Python float.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import NAdam
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = NAdam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w.array.round(3)  # lr * (1 - mu_1) / (1 - mu_1) + lr * mu_2 * 0.1 / (1 - mu_1 mu_2)
    array([ 0.894, -1.894], dtype=float32)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset(
        {"step", "mu_product", "exp_avg", "exp_avg_sq"}
    )
    _scalar_state_keys: ClassVar[frozenset[str]] = frozenset({"mu_product"})
    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        *AdamFamily._nonnegative,
        ("momentum_decay", "momentum_decay"),
    )
    _float_options: ClassVar[tuple[str, ...]] = (*AdamFamily._float_options, "momentum_decay")
    _bool_options: ClassVar[tuple[str, ...]] = ("maximize", "decoupled_weight_decay")

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(p, "exp_avg", "exp_avg_sq")
        state.setdefault("mu_product", 1.0)
        state["mu_product"] = nadam_step(
            p.array,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            step=state["step"],
            mu_product=state["mu_product"],
            scratch=self._buffer(p.array),
            **options,
        )
