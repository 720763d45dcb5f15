"""Loss layers, one per loss of ``nn.functional``; each holds its options (and class
weights, as buffers) and calls the function of the same name.

As in PyTorch, the deprecated ``size_average`` and ``reduce`` arguments are still accepted
(with a warning) and translated into ``reduction``.
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType
from typing import Any

import autograd_np.nn.functional as F
from autograd_np.nn.modules.module import Module
from autograd_np.tensor import Tensor

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]


def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """PyTorch's translation of the deprecated ``size_average``/``reduce`` pair.

    The warning points at the line that built the loss, however many ``__init__`` of this
    module lie between."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    level = 1
    frame: FrameType | None = sys._getframe()
    while frame is not None and frame.f_code.co_filename == __file__:
        level += 1
        frame = frame.f_back
    warnings.warn(
        "size_average and reduce args will be deprecated, please use reduction="
        f"'{'mean' if size_average and reduce else 'sum' if reduce else 'none'}' instead.",
        stacklevel=level,
    )
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _as_tensor(value: Any) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(value)


class _Loss(Module):
    """What the losses share: ``reduction`` (checked, or translated from the deprecated
    ``size_average``/``reduce``)."""

    _reductions: tuple[str, ...] = ("none", "mean", "sum")

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in self._reductions:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {self._reductions}, got "
                f"{reduction!r}"
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional ``weight``, kept as a buffer."""

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor(weight))


class L1Loss(_Loss):
    """The mean (or sum) absolute error ``|input - target|``.

    Parameters
    ----------
    size_average, reduce : deprecated
        Use ``reduction``.
    reduction : {"mean", "sum", "none"}, default "mean"

    Shapes
    ------
    input, target : the same shape; output : scalar, or that shape with "none".
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.l1_loss(input, target)``."""
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """The mean (or sum) squared error ``(input - target) ** 2``.

    Parameters are those of :class:`L1Loss`.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.MSELoss()(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 4.0])).item()
    2.0
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.mse_loss(input, target)``."""
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 * d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta``
    (``d = input - target``).

    Parameters
    ----------
    size_average, reduce : deprecated
    reduction : {"mean", "sum", "none"}, default "mean"
    beta : float, default 1.0
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.smooth_l1_loss(input, target, beta=beta)``."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 * d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
    delta : float, default 1.0
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.huber_loss(input, target, delta=delta)``."""
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    Parameters
    ----------
    weight : Tensor or array, optional
        A rescaling weight broadcast against the input; kept as the buffer ``weight``.
    size_average, reduce : deprecated
    reduction : {"mean", "sum", "none"}, default "mean"
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.binary_cross_entropy(input, target, weight)``."""
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (a sigmoid and BCE in one stable step).

    Parameters
    ----------
    weight : Tensor or array, optional
        A rescaling weight broadcast against the input (buffer ``weight``).
    size_average, reduce : deprecated
    reduction : {"mean", "sum", "none"}, default "mean"
    pos_weight : Tensor or array, optional
        The weight of positive examples, broadcast along the last dim (buffer
        ``pos_weight``).
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor(weight))
        self.register_buffer("pos_weight", _as_tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.binary_cross_entropy_with_logits(input, target, weight, pos_weight=...)``."""
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class KLDivLoss(_Loss):
    """The Kullback-Leibler divergence ``target * (log(target) - input)``, with ``input``
    given as log-probabilities.

    Parameters
    ----------
    size_average, reduce : deprecated
    reduction : {"mean", "batchmean", "sum", "none"}, default "mean"
        "batchmean" (the sum divided by the batch size) is the mathematically correct KL;
        "mean" averages over every element, as PyTorch does.
    log_target : bool, default False
        Whether ``target`` is given as log-probabilities too.
    """

    _reductions = ("none", "batchmean", "mean", "sum")

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.kl_div(input, target, log_target=log_target)``."""
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class NLLLoss(_WeightedLoss):
    """The negative log-likelihood of class indices, given log-probabilities.

    Parameters
    ----------
    weight : Tensor or array of shape (C,), optional
        Per-class weights (buffer ``weight``).
    size_average, reduce : deprecated
    ignore_index : int, default -100
        Targets with this value contribute nothing (and are left out of the mean).
    reduction : {"mean", "sum", "none"}, default "mean"

    Shapes
    ------
    input : (N, C) or (N, C, d1, ...); target : (N,) or (N, d1, ...) int class indices.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.nll_loss(input, target, weight, ignore_index=...)``."""
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between logits and class indices (or class probabilities):
    ``log_softmax`` and ``nll_loss`` in one stable step.

    Parameters
    ----------
    weight : Tensor or array of shape (C,), optional
        Per-class weights (buffer ``weight``).
    size_average, reduce : deprecated
    ignore_index : int, default -100
    reduction : {"mean", "sum", "none"}, default "mean"
    label_smoothing : float, default 0.0
        Mix the targets with the uniform distribution by this amount.

    Shapes
    ------
    input : (N, C) or (N, C, d1, ...) logits; target : (N,) / (N, d1, ...) int class
    indices, or probabilities of the input's shape.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> loss = nn.CrossEntropyLoss()(ag.zeros(4, 10), ag.tensor([1, 0, 4, 9]))
    >>> round(loss.item(), 4)  # log(10)
    2.3026
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        """``F.cross_entropy(input, target, weight, ignore_index=..., label_smoothing=...)``."""
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
