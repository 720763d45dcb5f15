"""Reductions with numpy's ``axis``/``keepdims`` (PyTorch's ``dim``/``keepdim`` also work):
sum, mean, prod, var, std, logsumexp, norm. The extremes are in
:mod:`~autograd_np.ops.extrema`, the scans in :mod:`~autograd_np.ops.cumulative`.

Rules every reduction here follows, stated once: ``axis`` (``dim``) is an int or a tuple of
ints, the axes to reduce, and None reduces all; with ``keepdims`` (``keepdim``) the reduced
axes stay with length 1. The result has ``x``'s shape without the reduced axes (with them
as 1 when ``keepdims``). ``dtype``, where taken, converts ``x`` first.

``prod`` never divides, so its gradient is exact (to every order) when inputs contain zeros.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.dtypes import check_kind
from autograd_np.ops._axes import Axis, count, kept_shape, normalize_axes
from autograd_np.ops._reduce_utils import (
    check_nonempty,
    float_tensor,
    kept,
    reduction_args,
)
from autograd_np.ops.arithmetic import divide, multiply, power, square, subtract
from autograd_np.ops.comparison import not_equal
from autograd_np.ops.conversion import astype
from autograd_np.ops.cumulative import _cumprod_axis, _shift
from autograd_np.ops.extrema import _amax, _amin
from autograd_np.ops.piecewise import _where, abs, masked_grad, sign
from autograd_np.ops.shape import broadcast_to
from autograd_np.ops.specs import reduction, unary
from autograd_np.ops.transcendental import exp
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sampler

__all__ = ["logsumexp", "mean", "norm", "prod", "std", "sum", "var"]


# ---------------------------------------------------------------------- sum, mean, prod
@primitive(
    "sum",
    spec=reduction(),
    ref=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    saves=(),
)
def _sum(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    if x.dtype == np.float16:  # accumulate in float32 (float16 ends at 65504), as PyTorch
        total = np.sum(x, axis=axis, keepdims=keepdims, dtype=np.float32)
        with np.errstate(over="ignore"):  # a total past 65504 is inf, as there
            return total.astype(x.dtype)
    return np.sum(x, axis=axis, keepdims=keepdims)


@_sum.defvjp
def _sum_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool) -> Tensor:
    # d sum(x) = broadcast of the gradient over the summed axes
    return broadcast_to(kept(g, x.shape, axis, keepdims), x.shape)


@_sum.expose
def sum(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Sum of the elements over the given axes.

    Without ``dtype``, bool and integer tensors are summed in int64 and float16 in float32
    (the result is float16), as in PyTorch.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.sum(ag.ones((2, 3)), axis=0)
    tensor([2., 2., 2.])
    """
    t, axes, keepdims = reduction_args("sum", x, axis, keepdims, dim, keepdim, dtype)
    return _sum(_int64_if_integer(t, dtype), axis=axes, keepdims=keepdims)


def _int64_if_integer(t: Tensor, dtype: Any) -> Tensor:
    """Bool and integer tensors as int64 (sum and prod count in int64, as in PyTorch)."""
    if dtype is None and t.dtype.kind in "biu" and t.dtype != np.int64:
        return astype(t, np.int64)
    return t


def _in_float32(t: Tensor, fn: Any) -> Tensor:
    """``fn(t)`` computed in float32 when ``t`` is float16, cast back: PyTorch's float16
    statistics accumulate in float32 (a float16 sum overflows past 65504)."""
    if t.dtype != np.float16:
        return fn(t)
    return astype(fn(astype(t, np.float32)), np.float16)


@composite(
    spec=reduction(),
    ref=lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
)
def mean(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Arithmetic mean over the given axes; NaN over an empty axis.

    ``x`` must be floating (integer and bool tensors raise, as in PyTorch: pass ``dtype``);
    float16 is accumulated in float32.
    """
    t, axes, keepdims = reduction_args("mean", x, axis, keepdims, dim, keepdim, dtype)
    check_kind("mean", t)
    n = count(t.shape, axes)
    return _in_float32(
        t, lambda u: multiply(_sum(u, axis=axes, keepdims=keepdims), 1.0 / n if n else math.nan)
    )


@primitive(
    "prod",
    spec=reduction(low=-1.6, high=1.6, avoid=(0.0,)),
    ref=lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
)
def _prod(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.prod(x, axis=axis, keepdims=keepdims)


@_prod.defvjp
def _prod_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d prod(x) / dx_i = prod_{k != i} x_k, built from prefix and suffix products
    return multiply(kept(g, x.shape, axis, keepdims), _prod_others(x, axis))


def _prod_others(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """For each element, the product of the other elements of its slice over ``axes``.

    Exclusive prefix times exclusive suffix products along the last axis, times (for the
    remaining axes) the same of the products along it. No division, so it is an exact
    polynomial in ``x``, zeros included, and differentiates correctly to every order.
    """
    if not axes:
        return Tensor.from_array(np.ones(x.shape, dtype=x.dtype))
    *rest, last = axes
    before = _shift(_cumprod_axis(x, axis=last, reverse=False), axis=last, offset=1, fill=1.0)
    after = _shift(_cumprod_axis(x, axis=last, reverse=True), axis=last, offset=-1, fill=1.0)
    others = multiply(before, after)
    if rest:
        slices = _prod(x, axis=(last,), keepdims=True)
        others = multiply(others, _prod_others(slices, tuple(rest)))
    return others


@_prod.expose
def prod(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Product of the elements over the given axes.

    The gradient of each element is the product of the others in its slice, computed
    without division: exact when the inputs contain one zero or several, and twice (or
    more) differentiable there too.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> ag.prod(x).backward()
    >>> x.grad
    tensor([0., 6., 0.])
    """
    t, axes, keepdims = reduction_args("prod", x, axis, keepdims, dim, keepdim, dtype)
    return _prod(_int64_if_integer(t, dtype), axis=axes, keepdims=keepdims)


# ---------------------------------------------------------------------- variance
def _correction(
    op: str, correction: float | None, ddof: float | None, unbiased: bool | None
) -> float:
    given = [c for c in (correction, ddof, unbiased) if c is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: pass at most one of correction, ddof and unbiased")
    if unbiased is not None:
        return 1 if unbiased else 0
    return 1 if not given else given[0]


def _var_options(s: Sampler, shape: tuple[int, ...], axis: Any) -> dict[str, Any]:
    n = count(shape, normalize_axes("var", axis, len(shape)))
    return {"correction": s.choice([0, 1]) if n > 1 else 0}


def _var_ref(x: np.ndarray, axis: Any, keepdims: bool, correction: int) -> np.ndarray:
    return np.var(x, axis=axis, keepdims=keepdims, ddof=correction)


@composite(spec=reduction(options=_var_options), ref=_var_ref)
def var(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    ddof: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Variance over the given axes: ``sum((x - mean)**2) / (N - correction)``.

    ``x`` must be floating (integer and bool tensors raise, as in PyTorch); float16 is
    accumulated in float32.

    Parameters
    ----------
    correction : float, default 1
        Subtracted from the count ``N`` (Bessel's correction, PyTorch's default); numpy's
        ``ddof`` (default 0 there) and PyTorch's older ``unbiased`` are accepted too. When
        ``N - correction <= 0`` the result is inf (or NaN for a zero sum), as in both.
    """
    return _variance("var", x, axis, keepdims, dim, keepdim, correction, ddof, unbiased)


def _variance(
    op: str,
    x: TensorLike,
    axis: Axis,
    keepdims: bool,
    dim: Axis,
    keepdim: bool | None,
    correction: float | None,
    ddof: float | None,
    unbiased: bool | None,
) -> Tensor:
    t, axes, keepdims = reduction_args(op, x, axis, keepdims, dim, keepdim)
    check_kind(op, t)
    dof = count(t.shape, axes) - _correction(op, correction, ddof, unbiased)

    def variance(u: Tensor) -> Tensor:
        centred = subtract(u, mean(u, axes, keepdims=True))
        total = _sum(square(centred), axis=axes, keepdims=keepdims)
        return multiply(total, 1.0 / dof if dof > 0 else math.inf)

    return _in_float32(t, variance)


@composite(
    spec=reduction(options=_var_options),
    ref=lambda x, correction, **kw: np.std(x, ddof=correction, **kw),
)
def std(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    correction: float | None = None,
    ddof: float | None = None,
    unbiased: bool | None = None,
) -> Tensor:
    """Standard deviation, ``sqrt(var(x))`` (see :func:`var` for ``correction``).

    Where the result is 0 (a constant slice) the gradient is 0, as in PyTorch.
    """
    return _sqrt_zero_grad(
        _variance("std", x, axis, keepdims, dim, keepdim, correction, ddof, unbiased)
    )


@primitive(
    "sqrt_zero_grad", spec=unary(low=0.2, high=3.0), ref=np.sqrt, saves=(), saves_output=True
)
def _sqrt_zero_grad(x: np.ndarray) -> np.ndarray:
    """``sqrt(x)`` whose gradient at 0 is 0 (for std and the 2-norm) instead of inf."""
    return np.sqrt(x)


@_sqrt_zero_grad.defvjp
def _sqrt_zero_grad_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    # d sqrt(x) = dx / (2 sqrt x), selected away where sqrt x == 0 (PyTorch's std and norm:
    # a NaN result passes NaN on)
    zero = out.array == 0
    denom = _where(Tensor.from_array(zero), 1.0, multiply(out, 2.0))
    return masked_grad(divide(g, denom), ~zero)


# ---------------------------------------------------------------------- logsumexp and norms
def _logsumexp_ref(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


@primitive("logsumexp", spec=reduction(), ref=_logsumexp_ref, saves=(0,), saves_output=True)
def _logsumexp(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    if count(x.shape, axis) == 0:
        return np.full(np.sum(x, axis=axis, keepdims=keepdims).shape, -np.inf, dtype=x.dtype)
    top = _finite_max(x, axis)  # all -inf (or an inf): shift by 0 instead
    with np.errstate(divide="ignore"):
        acc = np.float32 if x.dtype == np.float16 else None  # as PyTorch: a float32 sum
        total = np.sum(np.exp(x - top), axis=axis, keepdims=True, dtype=acc)
        out = (np.log(total) + top).astype(x.dtype, copy=False)
    return out if keepdims else np.squeeze(out, axis)


@_logsumexp.defvjp
def _logsumexp_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d logsumexp(x) = softmax(x) dx, as exp(x - m) / sum(exp(x - m)) for a constant m (the
    # max): exact whatever m, and accurate in float32 where exp(x - logsumexp) is not
    top = _finite_max(x.array, axis)
    e = exp(subtract(x, Tensor.from_array(top)))
    total = _sum(e, axis=axis, keepdims=True)
    if not total.array.all():  # a slice of only -inf: weights 0 (a NaN-free subgradient)
        total = _where(Tensor.from_array(total.array == 0), 1.0, total)
    weights = divide(e, total)
    return multiply(kept(g, x.shape, axis, keepdims), weights)


def _finite_max(x: np.ndarray, axis: tuple[int, ...]) -> np.ndarray:
    """The max over ``axis`` (kept as length 1), 0 where it is not finite."""
    top = np.amax(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(top), top, 0).astype(x.dtype, copy=False)


@_logsumexp.expose
def logsumexp(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """``log(sum(exp(x)))`` over the given axes, computed stably.

    The maximum of each slice is subtracted before exponentiating, so large inputs (1e4)
    do not overflow; ``-inf`` entries contribute nothing and a slice of only ``-inf``
    gives ``-inf``. The gradient is the softmax of the slice (0 for a slice of only
    ``-inf``, where PyTorch gives NaN). Integer tensors become float32.
    """
    t, axes, keepdims = reduction_args("logsumexp", x, axis, keepdims, dim, keepdim)
    return _logsumexp(float_tensor(t), axis=axes, keepdims=keepdims)


def _pnorm_options(s: Sampler, shape: tuple[int, ...], axis: Any) -> dict[str, Any]:
    return {"p": s.choice([0.5, 1.5, 3.0, 4.0])}


def _pnorm_ref(x: np.ndarray, p: float, axis: Any, keepdims: bool) -> np.ndarray:
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1 / p)


@primitive(
    "pnorm",
    spec=reduction(
        low=0.3, high=2.0, signed_magnitudes=True, tuple_axes=True, options=_pnorm_options
    ),
    ref=_pnorm_ref,
    saves=(0,),
    saves_output=True,
)
def _pnorm(x: np.ndarray, *, p: float, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """The vector p-norm ``sum(|x|**p) ** (1/p)`` over ``axis``, for ``p > 0``."""
    return np.power(np.sum(np.power(np.abs(x), p), axis=axis, keepdims=keepdims), 1.0 / p)


@_pnorm.defvjp
def _pnorm_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, p: float, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d ||x||_p = sign(x) (|x| / ||x||_p)^(p-1) dx; 0 where x == 0 (PyTorch's subgradient)
    size = abs(x)
    total = kept(out, x.shape, axis, keepdims)
    ratio = divide(
        _where(Tensor.from_array(size.array == 0), 1.0, size),
        _where(Tensor.from_array(total.array == 0), 1.0, total),
    )
    local = multiply(sign(x), power(ratio, p - 1.0))
    return multiply(kept(g, x.shape, axis, keepdims), local)


def _norm_options(s: Sampler, shape: tuple[int, ...], axis: Any) -> dict[str, Any]:
    return {"ord": s.choice([None, 2, "fro", 1, math.inf, -math.inf, 0.5, 3])}


def _norm_ref(x: np.ndarray, ord: Any, axis: Any, keepdims: bool) -> np.ndarray:
    axes = normalize_axes("norm", axis, x.ndim)
    rest = [i for i in range(x.ndim) if i not in axes]
    # (..., reduced...) -> (rest..., N): a vector per output element
    flat = np.transpose(x, rest + list(axes)).reshape([x.shape[i] for i in rest] + [-1])
    vector_ord = None if ord == "fro" else ord
    out = np.linalg.norm(flat, ord=vector_ord, axis=-1)
    return out.reshape(kept_shape(x.shape, axes)) if keepdims else out


@composite(
    spec=reduction(low=0.3, high=2.0, unique=True, signed_magnitudes=True, options=_norm_options),
    ref=_norm_ref,
)
def norm(
    x: TensorLike,
    ord: Any = None,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    p: Any = None,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """The vector norm of the elements over the given axes (all by default).

    ``x`` must be floating (integer and bool tensors raise, as in PyTorch); float16 is
    accumulated in float32.

    Parameters
    ----------
    ord : {None, 2, 'fro', 1, inf, -inf, 0} or float > 0, default None (2)
        ``p`` is PyTorch's spelling. None, 2 and 'fro': ``sqrt(sum(x**2))``; 1:
        ``sum(|x|)``; inf / -inf: ``max(|x|)`` / ``min(|x|)``; 0: the number of nonzero
        elements (not differentiable); other ``p > 0``: ``sum(|x|**p) ** (1/p)``. Over
        several axes this is the norm of the flattened slice, as ``torch.linalg.vector_norm``
        (not numpy's matrix norms).

    Notes
    -----
    Gradients: 0 at a zero vector for the 2-norm and wherever ``x == 0`` for the others
    (PyTorch's subgradients, never NaN); inf / -inf split the gradient evenly among the
    tied extreme elements (with their signs), as in PyTorch.
    """
    if p is not None:
        if ord is not None:
            raise TypeError("norm: got both ord and p; pass one")
        ord = p
    t, axes, keepdims = reduction_args("norm", x, axis, keepdims, dim, keepdim)
    check_kind("norm", t)
    if ord is None or (isinstance(ord, str) and ord == "fro"):
        ord = 2.0
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise ValueError(
            f"norm: ord={ord!r} is not supported; expected None, 'fro', inf, -inf or a "
            "number >= 0 (vector norms over the given axes)"
        )
    return _in_float32(t, lambda u: _vector_norm(u, float(ord), axes, keepdims))


def _vector_norm(t: Tensor, ord: float, axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """:func:`norm` once its arguments are checked."""
    if ord == 2.0:
        return _sqrt_zero_grad(_sum(square(t), axis=axes, keepdims=keepdims))
    if ord == 1.0:
        return _sum(abs(t), axis=axes, keepdims=keepdims)
    if ord in (math.inf, -math.inf):
        check_nonempty("norm", t, axes)
        extreme = _amax if ord > 0 else _amin
        return extreme(abs(t), axis=axes, keepdims=keepdims)
    if ord == 0.0:
        return _sum(astype(not_equal(t, 0.0), t.dtype), axis=axes, keepdims=keepdims)
    if ord > 0:
        return _pnorm(t, p=ord, axis=axes, keepdims=keepdims)
    raise ValueError(f"norm: ord must be >= 0, inf or -inf for vector norms, got {ord}")
