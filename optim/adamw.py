"""AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient.

As in PyTorch, AdamW is :class:`~autograd_np.optim.Adam` with
``decoupled_weight_decay=True`` and a default ``weight_decay`` of 1e-2.
"""

from __future__ import annotations

from typing import Any

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
    **options: Any,
) -> None:
    """One AdamW update of ``param``, in place (PyTorch's algorithm): ``adam_step`` with
    ``decoupled_weight_decay=True``, so the parameter first decays,
    ``param *= 1 - lr * weight_decay``, and the Adam update follows with no L2 term in the
    gradient. The arguments are those of :func:`autograd_np.optim.adam.adam_step`.
    """
    adam_step(
        param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, decoupled_weight_decay=True, **options
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
            decoupled_weight_decay=True,
        )

    def _normalize_group(self, group: dict[str, Any]) -> None:
        super()._normalize_group(group)
        group["decoupled_weight_decay"] = True  # as torch's AdamW.__setstate__
