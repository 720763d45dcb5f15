"""Adam (Kingma & Ba, 2015), with the AMSGrad variant, L2 or decoupled weight decay, and the
pieces its relatives (AdamW, Adamax, NAdam, RAdam) share: running averages, the effective
gradient and the validation of ``betas``."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim.optimizer import ParamsT, _RuleOptimizer, check_beta, check_nonnegative
from autograd_np.tensor import Tensor

__all__ = ["Adam", "adam_step"]


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


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    *,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled_weight_decay: bool = False,
    scratch: np.ndarray | None = None,
) -> None:
    """One Adam update of ``param`` and its moments, in place (PyTorch's algorithm).

    With ``g = ±grad + weight_decay * param`` (minus when maximizing) and ``t = step``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        vmax = max(vmax, v)                      (amsgrad; then v is replaced by vmax)
        param -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    param, grad : np.ndarray
        The parameter (updated in place) and its gradient, of one shape and dtype.
    exp_avg, exp_avg_sq : np.ndarray
        The first and second moment estimates ``m`` and ``v`` (updated in place).
    max_exp_avg_sq : np.ndarray or None
        ``vmax``, the running maximum of ``v`` (updated in place); needed with ``amsgrad``.
    step : int
        The number of this step, counting from 1 (for the bias corrections).
    lr, beta1, beta2, eps, weight_decay : float
        Hyperparameters, as Python floats.
    amsgrad, maximize : bool
        Use the AMSGrad variant; ascend instead of descend.
    decoupled_weight_decay : bool, default False
        AdamW's decay: ``param *= 1 - lr * weight_decay`` before the update, and no L2 term
        in ``g``.
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
    exp_avg_sq *= beta2
    np.multiply(g, 1.0 - beta2, out=work)
    work *= g
    exp_avg_sq += work

    bias_correction1 = 1.0 - beta1**step
    bias_correction2_sqrt = (1.0 - beta2**step) ** 0.5
    step_size = lr / bias_correction1
    if amsgrad:
        if max_exp_avg_sq is None:
            raise ValueError("adam_step: amsgrad needs the max_exp_avg_sq array")
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=work)
    else:
        np.sqrt(exp_avg_sq, out=work)
    work /= bias_correction2_sqrt
    work += eps  # the denominator
    np.divide(exp_avg, work, out=work)
    work *= -step_size
    param += work


class AdamFamily(_RuleOptimizer):
    """The hyperparameters Adam and its relatives share (``lr``, ``betas``, ``eps``,
    ``weight_decay``): ``betas`` kept as a tuple and each checked as PyTorch does."""

    def _normalize_group(self, group: dict[str, Any]) -> None:
        betas = group["betas"]
        if isinstance(betas, (list, tuple)):
            group["betas"] = tuple(betas)

    def _validate_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        check_nonnegative(name, "learning rate", group["lr"])
        check_nonnegative(name, "eps", group["eps"])
        betas = group["betas"]
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_beta(name, "beta1 (betas[0])", betas[0])
        check_beta(name, "beta2 (betas[1])", betas[1])
        check_nonnegative(name, "weight_decay", group["weight_decay"])

    def _common_options(self, group: dict[str, Any]) -> dict[str, Any]:
        beta1, beta2 = (float(b) for b in group["betas"])
        return {
            "lr": float(group["lr"]),
            "beta1": beta1,
            "beta2": beta2,
            "eps": float(group["eps"]),
            "weight_decay": float(group["weight_decay"]),
            "maximize": bool(group["maximize"]),
        }

    def _moments(self, p: Tensor, second: str) -> dict[str, Any]:
        """``p``'s state, with ``step = 0``, ``exp_avg`` and the ``second`` moment array
        created (zeros) on its first update."""
        state = self.state[p]
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.array)
            state[second] = np.zeros_like(p.array)
        return state


class Adam(AdamFamily):
    """Adam, as ``torch.optim.Adam``.

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
        ``decoupled_weight_decay`` the AdamW shrinking of the parameters.
    amsgrad : bool, default False
        Use the AMSGrad variant (normalize by the running maximum of the second moment).
    maximize : bool, default False
        Maximize the objective instead of minimizing it.
    decoupled_weight_decay : bool, default False
        Decay the parameters by ``1 - lr * weight_decay`` before each update instead of
        adding an L2 term to the gradient; this is AdamW (:class:`AdamW`).

    Notes
    -----
    State per parameter: ``step`` (int), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
    ``max_exp_avg_sq`` (arrays of the parameter's shape and dtype).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import Adam
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w.array.round(4)  # the first Adam step moves each coordinate by about lr
    array([ 0.9, -1.9], dtype=float32)
    """

    _state_keys: ClassVar[frozenset[str]] = frozenset(
        {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    )

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        return self._common_options(group) | {
            "amsgrad": bool(group["amsgrad"]),
            "decoupled_weight_decay": bool(group.get("decoupled_weight_decay", False)),
        }

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._moments(p, "exp_avg_sq")
        if options["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(p.array)
        state["step"] += 1
        adam_step(
            p.array,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            state.get("max_exp_avg_sq"),
            step=state["step"],
            scratch=self._buffer(p.array),
            **options,
        )
