"""Normalization layers' math: layer norm and group norm, composed of engine ops, and the
helpers batch norm (:mod:`autograd_np.nn.functional.batchnorm`) shares with them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import composite
from autograd_np.creation import as_tensor
from autograd_np.nn.functional import _channels as ch
from autograd_np.ops.arithmetic import add, multiply, reciprocal, sqrt, square, subtract
from autograd_np.ops.conversion import astype
from autograd_np.ops.reduction import mean as _mean
from autograd_np.ops.shape import reshape
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["group_norm", "layer_norm"]


def _scale_shift(
    y: Tensor, weight: TensorLike | None, bias: TensorLike | None, shape: tuple[int, ...]
) -> Tensor:
    """``y * weight + bias``, each reshaped to ``shape`` (either may be None)."""
    if weight is not None:
        y = multiply(y, reshape(as_tensor(weight), shape))
    if bias is not None:
        y = add(y, reshape(as_tensor(bias), shape))
    return y


def _scale_shift_ref(y: np.ndarray, weight: Any, bias: Any, shape: tuple[int, ...]) -> np.ndarray:
    """:func:`_scale_shift` in numpy (for the references)."""
    if weight is not None:
        y = y * np.reshape(weight, shape)
    if bias is not None:
        y = y + np.reshape(bias, shape)
    return y


def _channel_vector(op: str, name: str, v: TensorLike | None, c: int) -> Tensor | None:
    if v is None:
        return None
    t = as_tensor(v)
    if t.shape != (c,):
        raise ValueError(f"{op}: {name} must have shape (C,) = ({c},), got {t.shape}")
    return t


def _normalize_ops(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` over ``axes`` (biased variance), in engine ops; in
    float32 for float16 input, cast back (as PyTorch: float16 sums overflow past 65504)."""
    if x.dtype == np.float16:
        return astype(_normalize_ops(astype(x, np.float32), axes, eps), np.float16)
    d = subtract(x, _mean(x, axes, keepdims=True))
    return multiply(d, reciprocal(sqrt(add(_mean(square(d), axes, keepdims=True), eps))))


# ---------------------------------------------------------------------- layer and group norm
def _layer_norm_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    k = s.integers(1, len(shape))
    normalized = shape[len(shape) - k :]
    x = s.array(shape)
    affine = s.boolean()
    w = s.array(normalized, low=0.5, high=2.0) if affine else None
    b = s.array(normalized) if affine else None
    return Sample((x, normalized, w, b), {"eps": s.choice([1e-5, 0.1])})


def _layer_norm_ref(
    x: np.ndarray, normalized_shape: Sequence[int], w: Any = None, b: Any = None, eps: float = 1e-5
) -> np.ndarray:
    axes = tuple(range(x.ndim - len(tuple(normalized_shape)), x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return _scale_shift_ref(y, w, b, tuple(normalized_shape))


@composite("nn.functional.layer_norm", spec=_layer_norm_spec, ref=_layer_norm_ref)
def layer_norm(
    input: TensorLike,
    normalized_shape: int | Sequence[int],
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` axes (biased variance), then scale
    and shift elementwise.

    Parameters
    ----------
    input : Tensor
        ``(*, *normalized_shape)``.
    normalized_shape : int or tuple of int
        The trailing shape to normalize over.
    weight, bias : Tensor, optional
        Of shape ``normalized_shape``.
    eps : float, default 1e-5
        Added to the variance.

    Shapes
    ------
    input (*, *normalized_shape) -> output of the same shape
    """
    op = "layer_norm"
    x = as_tensor(input)
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(ns)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != ns:
        raise ValueError(f"{op}: input of shape {x.shape} does not end with normalized_shape {ns}")
    y = _normalize_ops(x, tuple(range(x.ndim - k, x.ndim)), float(eps))
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None:
            t = as_tensor(v)
            if t.shape != ns:
                raise ValueError(f"{op}: {name} must have shape {ns}, got {t.shape}")
            y = multiply(y, t) if name == "weight" else add(y, t)
    return y


def _group_norm_spec(s: Sampler) -> Sample:
    groups = s.integers(1, 3)
    c = groups * s.integers(1, 2)
    shape = (s.integers(1, 3), c, *(s.integers(1, 3) for _ in range(s.integers(0, 2))))
    if int(np.prod(shape)) // (shape[0] * groups) < 2:
        shape = (*shape[:2], 2, *shape[3:]) if len(shape) > 2 else (*shape, 2)
    x = s.array(shape)
    affine = s.boolean()
    w = s.array((c,), low=0.5, high=2.0) if affine else None
    b = s.array((c,)) if affine else None
    return Sample((x, groups, w, b), {"eps": s.choice([1e-5, 0.1])})


def _group_norm_ref(
    x: np.ndarray, num_groups: int, w: Any = None, b: Any = None, eps: float = 1e-5
) -> np.ndarray:
    n, c = x.shape[:2]
    xg = x.reshape(n, num_groups, -1)
    y = ((xg - xg.mean(2, keepdims=True)) / np.sqrt(xg.var(2, keepdims=True) + eps)).reshape(
        x.shape
    )
    return _scale_shift_ref(y, w, b, ch.per_channel(x.ndim, c))


@composite("nn.functional.group_norm", spec=_group_norm_spec, ref=_group_norm_ref)
def group_norm(
    input: TensorLike,
    num_groups: int,
    weight: TensorLike | None = None,
    bias: TensorLike | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Split the channels into ``num_groups`` groups and normalize each group of each sample
    over its channels and spatial axes; then scale and shift per channel.

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)`` with ``C`` divisible by ``num_groups``.
    num_groups : int
        Number of groups.
    weight, bias : Tensor, optional
        ``(C,)``.
    eps : float, default 1e-5
        Added to the variance.

    Shapes
    ------
    input (N, C, *) -> output of the same shape
    """
    op = "group_norm"
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must have shape (N, C, *), got {x.shape}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ValueError(
            f"{op}: the number of channels ({c}) must be divisible by num_groups ({num_groups})"
        )
    per_group = (c // num_groups) * int(np.prod(x.shape[2:], dtype=np.int64))
    if (n * c // num_groups) * int(np.prod(x.shape[2:], dtype=np.int64)) == 1:
        # PyTorch's check (on the shape (N*C/G, G, *)): one sample, one channel per group
        raise ValueError(
            f"{op}: expected more than 1 value per channel when training, got input of shape "
            f"{x.shape} with {num_groups} groups"
        )
    xg = reshape(x, (n, num_groups, per_group))  # (N, C, *) -> (N, G, C/G * prod(*))
    y = reshape(_normalize_ops(xg, (2,), float(eps)), x.shape)  # back to (N, C, *)
    shape = ch.per_channel(x.ndim, c)
    w = _channel_vector(op, "weight", weight, c)
    b = _channel_vector(op, "bias", bias, c)
    return _scale_shift(y, w, b, shape)
