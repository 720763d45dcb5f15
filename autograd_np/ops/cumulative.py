"""Scans: ``cumsum`` and ``cumprod``, and the primitives they and ``prod`` build on (prefix
sums and products along one axis, a shift along an axis, and the linear recurrence
``h_i = a_i h_{i-1} + b_i`` that differentiates ``cumprod`` without division).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.dtypes import DEFAULT_INT
from autograd_np.ops._axes import normalize_axis, resolve_axis
from autograd_np.ops.arithmetic import multiply
from autograd_np.ops.conversion import astype
from autograd_np.ops.shape import _reshape
from autograd_np.ops.specs import along_axis
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["cumprod", "cumsum"]


def _direction(s: Sampler, shape: tuple[int, ...], axis: int) -> dict[str, Any]:
    return {"reverse": s.boolean()}


def _cumsum_ref(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    if reverse:
        return np.sum(x, axis=axis, keepdims=True) - np.cumsum(x, axis=axis) + x
    return np.cumsum(x, axis=axis)


@primitive("cumsum_axis", spec=along_axis(options=_direction), ref=_cumsum_ref, saves=())
def _cumsum_axis(x: np.ndarray, *, axis: int, reverse: bool) -> np.ndarray:
    """Prefix sums along ``axis`` (suffix sums when ``reverse``)."""
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis), axis)
    return np.cumsum(x, axis=axis)


@_cumsum_axis.defvjp
def _cumsum_axis_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int, reverse: bool) -> Tensor:
    return _cumsum_axis(g, axis=axis, reverse=not reverse)  # adjoint of prefix sums: suffix sums


def _cumprod_ref(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    n = x.shape[axis]
    parts = [
        np.prod(np.take(x, range(i, n) if reverse else range(i + 1), axis=axis), axis=axis)
        for i in range(n)
    ]
    return np.stack(parts, axis=axis)


@primitive(
    "cumprod_axis",
    spec=along_axis(low=-1.6, high=1.6, options=_direction),
    ref=_cumprod_ref,
    saves=(0,),
    saves_output=True,
)
def _cumprod_axis(x: np.ndarray, *, axis: int, reverse: bool) -> np.ndarray:
    """Prefix products along ``axis`` (suffix products when ``reverse``)."""
    if reverse:
        return np.flip(np.cumprod(np.flip(x, axis), axis=axis), axis)
    return np.cumprod(x, axis=axis)


@_cumprod_axis.defvjp
def _cumprod_axis_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int, reverse: bool) -> Tensor:
    # d out_i / dx_j = prod_{k <= i, k != j} x_k (i >= j), summed without division:
    # gx_j = (prod_{k<j} x_k) * t_j with t_j = g_j + x_{j+1} t_{j+1}; mirrored when reverse
    if not reverse:
        before = _shift(out, axis=axis, offset=1, fill=1.0)
        return multiply(before, _scan(x, g, axis=axis, reverse=True))
    after = _shift(out, axis=axis, offset=-1, fill=1.0)
    return multiply(
        after, _scan(_shift(x, axis=axis, offset=1, fill=0.0), g, axis=axis, reverse=False)
    )


def _scan_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, max_side=6)
    axis = s.integers(-len(shape), len(shape) - 1)
    a = s.array(shape, low=-1.5, high=1.5)
    return Sample((a, s.array(shape)), {"axis": axis, "reverse": s.boolean()})


def _scan_ref(a: np.ndarray, b: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    a, b = np.moveaxis(a, axis, -1), np.moveaxis(b, axis, -1)
    h = np.zeros(np.broadcast_shapes(a.shape, b.shape))
    n = a.shape[-1]
    for i in range(n - 1, -1, -1) if reverse else range(n):
        if reverse:
            h[..., i] = b[..., i] + (a[..., i + 1] * h[..., i + 1] if i + 1 < n else 0)
        else:
            h[..., i] = b[..., i] + (a[..., i] * h[..., i - 1] if i > 0 else 0)
    return np.moveaxis(h, -1, axis)


@primitive("linear_recurrence", spec=_scan_spec, ref=_scan_ref, saves=(0,), saves_output=True)
def _scan(a: np.ndarray, b: np.ndarray, *, axis: int, reverse: bool) -> np.ndarray:
    """The linear recurrence ``h_i = a_i h_{i-1} + b_i`` along ``axis`` (``h_{-1} = 0``);
    with ``reverse``, ``h_i = a_{i+1} h_{i+1} + b_i``. ``a_i`` is the weight between
    positions ``i - 1`` and ``i`` either way, so ``a_0`` is unused.

    A Hillis-Steele scan: ``log2(n)`` vectorised passes, no loop over positions.
    """
    dtype = np.result_type(a, b)
    a, b = np.broadcast_arrays(a, b)
    # (..., n, ...) -> (..., n) with the scanned axis last
    a = np.moveaxis(a, axis, -1)
    b = np.moveaxis(b, axis, -1)
    if reverse:
        a = _shift_data(np.flip(a, -1), -1, 1, 0)
        b = np.flip(b, -1)
    weight = a.astype(dtype, copy=True)
    h = b.astype(dtype, copy=True)
    weight[..., :1] = 0
    n, step = h.shape[-1], 1
    while step < n:
        # compose each position's affine map with the one `step` earlier
        h_new = weight[..., step:] * h[..., :-step] + h[..., step:]
        weight[..., step:] = weight[..., step:] * weight[..., :-step]
        h[..., step:] = h_new
        step *= 2
    if reverse:
        h = np.flip(h, -1)
    return np.moveaxis(h, -1, axis)


@_scan.defvjp
def _scan_vjp(
    g: Tensor, out: Tensor, a: Tensor, b: Tensor, *, axis: int, reverse: bool
) -> tuple[Tensor | None, Tensor]:
    # adjoint recurrence runs the other way: lam_i = g_i + a_{i+1} lam_{i+1}; db = lam,
    # da_i = lam_i h_{i-1} (forward) or lam_{i-1} h_i (reverse)
    lam = _scan(a, g, axis=axis, reverse=not reverse)
    ga = None
    if a.requires_grad:
        if reverse:
            ga = multiply(_shift(lam, axis=axis, offset=1, fill=0.0), out)
        else:
            ga = multiply(lam, _shift(out, axis=axis, offset=1, fill=0.0))
    return ga, lam


def _shift_data(x: np.ndarray, axis: int, offset: int, fill: float) -> np.ndarray:
    out = np.full(x.shape, fill, dtype=x.dtype)
    n = x.shape[axis]
    k = builtins.min(builtins.abs(offset), n)
    dst = [slice(None)] * x.ndim
    src = [slice(None)] * x.ndim
    dst[axis], src[axis] = (
        (slice(k, None), slice(0, n - k)) if offset >= 0 else (slice(0, n - k), slice(k, None))
    )
    out[tuple(dst)] = x[tuple(src)]
    return out


def _shift_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    axis = s.integers(-len(shape), len(shape) - 1)
    kw = {"axis": axis, "offset": s.integers(-2, 2), "fill": s.choice([0.0, 1.0])}
    return Sample((s.array(shape),), kw)


def _shift_ref(x: np.ndarray, axis: int, offset: int, fill: float) -> np.ndarray:
    rolled = np.roll(x, offset, axis=axis)
    position = np.arange(x.shape[axis]).reshape(
        [-1 if i == axis % x.ndim else 1 for i in range(x.ndim)]
    )
    vacated = (position < offset) | (position >= x.shape[axis] + offset)
    return np.where(vacated, fill, rolled)


@primitive("shift", spec=_shift_spec, ref=_shift_ref, saves=())
def _shift(x: np.ndarray, *, axis: int, offset: int, fill: float) -> np.ndarray:
    """``out[i] = x[i - offset]`` along ``axis``, ``fill`` where that is outside ``x``."""
    return _shift_data(x, axis, offset, fill)


@_shift.defvjp
def _shift_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: int, offset: int, fill: float) -> Tensor:
    return _shift(g, axis=axis, offset=-offset, fill=0.0)  # adjoint: the opposite shift


def _cumulative(op: str, prim: Any, x: TensorLike, axis: Any, dim: Any, dtype: Any) -> Tensor:
    t = as_tensor(x)
    if dtype is not None:
        t = astype(t, dtype)
    elif t.dtype.kind in "biu" and t.dtype != DEFAULT_INT:
        t = astype(t, DEFAULT_INT)  # bool and every integer scan in int64, as in PyTorch
    axis, _ = resolve_axis(op, axis, dim, False, None)
    if axis is None:
        t = _reshape(t, shape=(-1,)) if t.ndim != 1 else t  # numpy: None flattens
        axis = 0
    ax = normalize_axis(op, axis, t.ndim)
    if t.ndim == 0:  # (,) -> (1,) -> ()
        return _reshape(prim(_reshape(t, shape=(1,)), axis=0, reverse=False), shape=())
    return prim(t, axis=ax, reverse=False)


def _cumulative_options(s: Sampler, shape: tuple[int, ...], axis: int) -> dict[str, Any]:
    return {"axis": s.choice([axis, None])}


@composite(
    spec=along_axis(options=_cumulative_options),
    ref=lambda x, axis: np.cumsum(x, axis=axis),
)
def cumsum(
    x: TensorLike, axis: int | None = None, *, dim: int | None = None, dtype: Any = None
) -> Tensor:
    """Cumulative sums along ``axis`` (``dim`` in PyTorch); None flattens first (numpy).

    The result has ``x``'s shape (1-d when ``axis`` is None); ``dtype`` converts ``x`` first.
    """
    return _cumulative("cumsum", _cumsum_axis, x, axis, dim, dtype)


@composite(
    spec=along_axis(low=-1.6, high=1.6, options=_cumulative_options),
    ref=lambda x, axis: np.cumprod(x, axis=axis),
)
def cumprod(
    x: TensorLike, axis: int | None = None, *, dim: int | None = None, dtype: Any = None
) -> Tensor:
    """Cumulative products along ``axis`` (arguments and shape as in :func:`cumsum`).

    The gradient is computed without division, so it is exact with zeros in ``x``.
    """
    return _cumulative("cumprod", _cumprod_axis, x, axis, dim, dtype)
