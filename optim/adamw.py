"""AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from autograd_np.optim.adam import Adam, adam_step
from autograd_np.optim.optimizer import ParamsT

__all__ = ["AdamW", "adamw_step"]


def adamw_step(
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
    scratch: np.ndarray | None = None,
) -> None:
    """One AdamW update of ``param``, in place (PyTorch's algorithm).

    The parameter first decays, ``param *= 1 - lr * weight_decay``; then the Adam update of
    :func:`autograd_np.optim.adam.adam_step` follows with no L2 term in the gradient. The
    arguments are those of ``adam_step``.
    """
    if weight_decay != 0:
        param *= 1.0 - lr * weight_decay
    adam_step(
        param,
        grad,
        exp_avg,
        exp_avg_sq,
        max_exp_avg_sq,
        step=step,
        lr=lr,
        beta1=beta1,
        beta2=beta2,
        eps=eps,
        weight_decay=0.0,
        amsgrad=amsgrad,
        maximize=maximize,
        scratch=scratch,
    )


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    Each step shrinks the parameters by ``1 - lr * weight_decay`` before the Adam update,
    instead of adding an L2 term to the gradient.

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
    weight_decay : float, default 1e-2
        Decoupled weight decay coefficient.
    amsgrad : bool, default False
        Use the AMSGrad variant.
    maximize : bool, default False
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import AdamW
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward()
    >>> _ = opt.step()
    >>> w  # decayed by 1 - 0.1 * 0.5, then moved by about lr
    tensor([ 0.85, -1.8 ], requires_grad=True)
    """

    _rule: ClassVar[Callable[..., None]] = staticmethod(adamw_step)

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
