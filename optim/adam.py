"""Adam (Kingma & Ba, 2015), with the AMSGrad variant, L2 or decoupled weight decay, and the
base its relatives (AdamW, Adamax, NAdam, RAdam) share: the validation of ``betas`` and the
moment state."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd_np.optim._rules import decay_and_grad, ema_square_, lerp_
from autograd_np.optim.optimizer import ParamsT, _RuleOptimizer, check_beta, elementwise_rule
from autograd_np.tensor import Tensor

__all__ = ["Adam", "adam_step"]


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
    ema_square_(exp_avg_sq, g, beta2, work)

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

    _nonnegative: ClassVar[tuple[tuple[str, str], ...]] = (
        ("lr", "learning rate"),
        ("eps", "eps"),
        ("weight_decay", "weight_decay"),
    )
    _float_options: ClassVar[tuple[str, ...]] = ("lr", "eps", "weight_decay")

    def _normalize_group(self, group: dict[str, Any]) -> None:
        betas = group["betas"]
        if isinstance(betas, (list, tuple)):
            group["betas"] = tuple(betas)

    def _validate_group(self, group: dict[str, Any]) -> None:
        super()._validate_group(group)
        name = type(self).__name__
        betas = group["betas"]
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        check_beta(name, "beta1 (betas[0])", betas[0])
        check_beta(name, "beta2 (betas[1])", betas[1])

    def _options(self, group: dict[str, Any]) -> dict[str, Any]:
        beta1, beta2 = (float(b) for b in group["betas"])
        return super()._options(group) | {"beta1": beta1, "beta2": beta2}


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
    _bool_options: ClassVar[tuple[str, ...]] = ("amsgrad", "maximize", "decoupled_weight_decay")

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

    def _update(
        self, p: Tensor, grad: np.ndarray, options: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state = self._next_state(p, "exp_avg", "exp_avg_sq", max_exp_avg_sq=options["amsgrad"])
        elementwise_rule(
            adam_step,
            p.array,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            state.get("max_exp_avg_sq"),
            step=state["step"],
            scratch=self._buffer(p.array),
            **options,
        )
