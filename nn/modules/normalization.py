"""Normalization layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm`` and ``GroupNorm``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_np.nn.functional as F
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.modules._utils import check_device, empty_parameter, float_dtype
from autograd_np.nn.modules.module import Module
from autograd_np.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "LayerNorm"]


class _Normalization(Module):
    """What the normalization layers share: a learnable ``weight`` (ones) and ``bias``
    (zeros), each optional."""

    def _affine_parameters(
        self, affine: bool, bias: bool, shape: tuple[int, ...], dtype: np.dtype[Any]
    ) -> None:
        """Register ``weight`` and ``bias`` of ``shape`` (the bias only with ``bias``), or
        None for each without ``affine``."""
        if affine:
            self.weight = empty_parameter(shape, dtype)
            if bias:
                self.bias = empty_parameter(shape, dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Weight to ones, bias to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class _BatchNorm(_Normalization):
    """Shared by BatchNorm1d and BatchNorm2d; subclasses say which input ranks they take."""

    _ranks: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_device(device, name)
        dt = float_dtype(dtype, name)
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self._affine_parameters(affine, bias, (self.num_features,), dt)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(self.num_features, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(self.num_features, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean to 0, running variance to 1, ``num_batches_tracked`` to 0."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, the weight to ones and the bias to zeros."""
        self.reset_running_stats()
        super().reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        """Normalize with the batch statistics (training) or the running ones (eval).

        In training mode with ``track_running_stats`` the running statistics are updated
        by ``F.batch_norm`` (with the unbiased batch variance) and ``num_batches_tracked``
        is incremented; ``momentum=None`` makes the update a cumulative average.
        """
        if input.ndim not in self._ranks:
            expected = " or ".join(f"{r}D" for r in self._ranks)
            raise ValueError(
                f"{type(self).__name__}: expected {expected} input (got {input.ndim}D input "
                f"of shape {input.shape})"
            )
        factor = self._count_batch()
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def _count_batch(self) -> float:
        """The running statistics' update factor for this call: ``momentum``, or 1/count for
        a cumulative average (``momentum=None``); counts the batch in training."""
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        return factor

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over the channel dim of (N, C) or (N, C, L) inputs.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias``, with the mean and (biased)
    variance over every dim but C in training mode, and the running statistics in
    evaluation mode.

    Parameters
    ----------
    num_features : int
        C.
    eps : float, default 1e-5
        Added to the variance.
    momentum : float or None, default 0.1
        ``running = (1 - momentum) * running + momentum * batch`` after each training batch
        (the unbiased batch variance goes into ``running_var``); None gives a cumulative
        moving average (momentum ``1 / num_batches_tracked``).
    affine : bool, default True
        Learn ``weight`` (ones) and ``bias`` (zeros) of shape (C,).
    track_running_stats : bool, default True
        Keep the buffers ``running_mean`` (zeros), ``running_var`` (ones) and
        ``num_batches_tracked`` (int64, 0-d). Without them batch statistics are used in
        evaluation mode too.
    device : None or "cpu"
    dtype : numpy dtype, optional
        Of the parameters and running statistics; float32 by default.
    bias : bool, default True (keyword-only)
        With ``affine``, whether to learn the bias.

    Shapes
    ------
    input : (N, C) or (N, C, L); output : the same.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> bn = nn.BatchNorm1d(4)
    >>> _ = bn(ag.randn(8, 4, generator=0))
    >>> int(bn.num_batches_tracked.item())
    1
    """

    _ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over the channel dim of (N, C, H, W) inputs; statistics over
    N, H and W. The parameters are those of :class:`BatchNorm1d`.

    Shapes
    ------
    input : (N, C, H, W); output : the same.
    """

    _ranks = (4,)


class LayerNorm(_Normalization):
    """Layer normalization over the last dims of the input.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and biased
    variance over the trailing ``len(normalized_shape)`` dims of each sample; the same in
    training and evaluation.

    Parameters
    ----------
    normalized_shape : int or sequence of int
        The trailing shape to normalize over.
    eps : float, default 1e-5
    elementwise_affine : bool, default True
        Learn ``weight`` (ones) and ``bias`` (zeros) of shape ``normalized_shape``.
    bias : bool, default True
        With ``elementwise_affine``, whether to learn the bias.
    device : None or "cpu"
    dtype : numpy dtype, optional
        float32 by default.

    Shapes
    ------
    input : (*, *normalized_shape); output : the same.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.LayerNorm(10)(ag.zeros(20, 5, 10)).shape
    (20, 5, 10)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
    ) -> None:
        super().__init__()
        check_device(device, "LayerNorm")
        dt = float_dtype(dtype, "LayerNorm")
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine_parameters(elementwise_affine, bias, self.normalized_shape, dt)
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        """The normalized input via ``F.layer_norm``."""
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(_Normalization):
    """Group normalization: the channels are split into ``num_groups`` groups, each
    normalized over its channels and the spatial dims of each sample.

    Parameters
    ----------
    num_groups : int
        Must divide ``num_channels``.
    num_channels : int
        C.
    eps : float, default 1e-5
    affine : bool, default True
        Learn per-channel ``weight`` (ones) and ``bias`` (zeros) of shape (C,).
    device : None or "cpu"
    dtype : numpy dtype, optional
        float32 by default.
    bias : bool, default True (keyword-only)
        With ``affine``, whether to learn the bias.

    Shapes
    ------
    input : (N, C, *); output : the same.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.GroupNorm(3, 6)(ag.zeros(20, 6, 10, 10)).shape
    (20, 6, 10, 10)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        check_device(device, "GroupNorm")
        dt = float_dtype(dtype, "GroupNorm")
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        self._affine_parameters(affine, bias, (self.num_channels,), dt)
        self.reset_parameters()

    def forward(self, input: Tensor) -> Tensor:
        """The normalized input via ``F.group_norm``."""
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
