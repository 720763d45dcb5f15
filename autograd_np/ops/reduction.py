"""Reductions and scans with numpy's ``axis``/``keepdims`` (PyTorch's ``dim``/``keepdim``
also work): sum, mean, prod, var, std, amax/amin, max/min, argmax/argmin, logsumexp, norm,
cumsum, cumprod.

Gradients at ties: ``amax``/``amin`` and ``max``/``min`` without a dim split the gradient
evenly among the tied elements; ``max``/``min`` along a dim send it only to the returned
index (both as in PyTorch). ``prod`` never divides, so its gradient is exact (to every
order) when inputs contain zeros.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from autograd_np.function import Sample, Sampler, composite, primitive
from autograd_np.ops._axes import (
    Axis,
    count,
    kept_shape,
    normalize_axes,
    normalize_axis,
    resolve_axis,
)
from autograd_np.ops._specs import along_axis, reduction, unary
from autograd_np.ops.arithmetic import divide, multiply, power, square, subtract
from autograd_np.ops.comparison import not_equal
from autograd_np.ops.conversion import astype, clone
from autograd_np.ops.piecewise import _mask, _where, abs, maximum, minimum, sign
from autograd_np.ops.transcendental import exp
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "ValuesIndices",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "cumprod",
    "cumsum",
    "logsumexp",
    "max",
    "mean",
    "min",
    "norm",
    "prod",
    "std",
    "sum",
    "var",
]


class ValuesIndices(NamedTuple):
    """What :func:`max` and :func:`min` along a dim return (``torch.return_types.max``)."""

    values: Tensor
    indices: Tensor


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _args(
    op: str, x: TensorLike, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None
) -> tuple[Tensor, tuple[int, ...], bool]:
    """The input as a Tensor, the reduced axes (sorted, non-negative) and ``keepdims``."""
    t = _tensor(x)
    axis, keepdims = resolve_axis(op, axis, dim, keepdims, keepdim)
    return t, normalize_axes(op, axis, t.ndim), keepdims


def _float_tensor(t: Tensor) -> Tensor:
    """Integer and bool tensors become float32 (float-valued reductions, as in PyTorch)."""
    return t if t.dtype.kind == "f" else astype(t, np.float32)


def _kept(t: Tensor, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """A reduction's result ``t`` with its reduced axes back as length 1, so it broadcasts
    against the input of ``shape``."""
    from autograd_np.ops.shape import _reshape

    return t if keepdims else _reshape(t, shape=kept_shape(shape, axes))


def _kept_data(
    a: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
) -> np.ndarray:
    return a if keepdims else a.reshape(kept_shape(shape, axes))


# ---------------------------------------------------------------------- sum, mean, prod
@primitive(
    "sum",
    spec=reduction(),
    ref=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    saves=(),
)
def _sum(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


@_sum.defvjp
def _sum_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool) -> Tensor:
    # d sum(x) = broadcast of the gradient over the summed axes
    from autograd_np.ops.shape import broadcast_to

    return broadcast_to(_kept(g, x.shape, axis, keepdims), x.shape)


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

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` is PyTorch's spelling); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.sum(ag.ones((2, 3)), axis=0)
    tensor([2., 2., 2.])
    """
    t, axes, keepdims = _args("sum", x, axis, keepdims, dim, keepdim)
    if dtype is not None:
        t = astype(t, dtype)
    return _sum(t, axis=axes, keepdims=keepdims)


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
    """Arithmetic mean over the given axes; NaN over
    an empty axis. Integer tensors give float32.

    Parameters
    ----------
    x : Tensor
        Input (integer tensors give float32).
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).
    """
    t, axes, keepdims = _args("mean", x, axis, keepdims, dim, keepdim)
    if dtype is not None:
        t = astype(t, dtype)
    n = count(t.shape, axes)
    return multiply(_sum(t, axis=axes, keepdims=keepdims), 1.0 / n if n else math.nan)


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
    return multiply(_kept(g, x.shape, axis, keepdims), _prod_others(x, axis))


def _prod_others(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """For each element, the product of the other elements of its slice over ``axes``.

    Exclusive prefix times exclusive suffix products along the last axis, times (for the
    remaining axes) the same of the products along it. No division, so it is an exact
    polynomial in ``x``, zeros included, and differentiates correctly to every order.
    """
    if not axes:
        return Tensor._make(np.ones(x.shape, dtype=x.dtype))
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

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> ag.prod(x).backward()
    >>> x.grad
    tensor([0., 6., 0.])
    """
    t, axes, keepdims = _args("prod", x, axis, keepdims, dim, keepdim)
    if dtype is not None:
        t = astype(t, dtype)
    return _prod(t, axis=axes, keepdims=keepdims)


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

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).
    axis, keepdims, dim, keepdim
        As in :func:`sum`.
    correction : float, default 1
        Subtracted from the count ``N`` (Bessel's correction, PyTorch's default); numpy's
        ``ddof`` (default 0 there) and PyTorch's older ``unbiased`` are accepted too. When
        ``N - correction <= 0`` the result is inf (or NaN for a zero sum), as in both.

    Returns
    -------
    Tensor
        The reduced shape, as in :func:`sum`.
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
    t, axes, keepdims = _args(op, x, axis, keepdims, dim, keepdim)
    t = _float_tensor(t)
    dof = count(t.shape, axes) - _correction(op, correction, ddof, unbiased)
    centred = subtract(t, mean(t, axes, keepdims=True))
    total = _sum(square(centred), axis=axes, keepdims=keepdims)
    return multiply(total, 1.0 / dof if dof > 0 else math.inf)


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
    """Standard deviation, ``sqrt(var(x))`` (see :func:`var` for the arguments).

    Where the result is 0 (a constant slice) the gradient is 0, as in PyTorch.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).
    correction, ddof, unbiased
        As in :func:`var` (default: correction 1).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).
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
    # d sqrt(x) = dx / (2 sqrt x) where x > 0, else 0
    positive = out.data > 0
    denom = _where(Tensor._make(~positive), 1.0, multiply(out, 2.0))
    return multiply(divide(g, denom), _mask(positive, g.dtype))


# ---------------------------------------------------------------------- extremes
def _extreme_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d amax(x) = g / (number of maxima) at each element equal to the max, 0 elsewhere
    top = _kept_data(out.data, x.shape, axis, keepdims)
    hit = x.data == top
    if np.isnan(top).any():  # NaN is the max of a slice holding one; NaNs share the gradient
        hit |= np.isnan(x.data) & np.isnan(top)
    share = hit / np.sum(hit, axis=axis, keepdims=True)
    return multiply(_kept(g, x.shape, axis, keepdims), Tensor._make(share.astype(g.dtype)))


def _extreme_ref(fn: Any) -> Any:
    return lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims)


@primitive(
    "amax",
    spec=reduction(unique=True),
    ref=_extreme_ref(np.amax),
    saves=(0,),
    saves_output=True,
)
def _amax(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.amax(x, axis=axis, keepdims=keepdims)


@primitive(
    "amin",
    spec=reduction(unique=True),
    ref=_extreme_ref(np.amin),
    saves=(0,),
    saves_output=True,
)
def _amin(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.amin(x, axis=axis, keepdims=keepdims)


_amax.defvjp(_extreme_vjp)
_amin.defvjp(_extreme_vjp)


@_amax.expose
def amax(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Maximum over the given axes; NaN propagates.

    Ties: the gradient is split evenly among the elements equal to the maximum, as in
    ``torch.amax``: ``amax([1, 3, 3])`` sends ``[0, 0.5, 0.5]``.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).
    """
    t, axes, keepdims = _args("amax", x, axis, keepdims, dim, keepdim)
    _check_nonempty("amax", t, axes)
    return _amax(t, axis=axes, keepdims=keepdims)


@_amin.expose
def amin(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Minimum over the given axes; ties split the gradient evenly (see :func:`amax`).

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).
    """
    t, axes, keepdims = _args("amin", x, axis, keepdims, dim, keepdim)
    _check_nonempty("amin", t, axes)
    return _amin(t, axis=axes, keepdims=keepdims)


def _check_nonempty(op: str, t: Tensor, axes: tuple[int, ...]) -> None:
    if count(t.shape, axes) == 0:
        raise ValueError(
            f"{op}: cannot reduce over a zero-length axis (shape {t.shape}, axes {axes}); "
            "the result would have no identity"
        )


def _along_dim(op: str, t: Tensor, axis: Any, keepdims: bool, arg: Any) -> ValuesIndices:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"{op}: dim must be an int or None, got {axis!r} (use a{op} to reduce over "
            "several axes)"
        )
    ax = normalize_axis(op, axis, t.ndim)
    if t.ndim == 0:
        return ValuesIndices(clone(t), Tensor._make(np.zeros((), dtype=np.int64)))
    _check_nonempty(op, t, (ax,))
    from autograd_np.ops.indexing import gather

    index = arg(t.data, axis=ax, keepdims=True).astype(np.int64)
    values = gather(t, ax, index)  # its VJP sends the gradient to the index only
    if not keepdims:
        values = _kept_inverse(values, ax)
        index = np.squeeze(index, ax)
    return ValuesIndices(values, Tensor._make(index))


def _kept_inverse(t: Tensor, axis: int) -> Tensor:
    """``t`` without its length-1 ``axis``."""
    from autograd_np.ops.shape import _reshape

    return _reshape(t, shape=t.shape[:axis] + t.shape[axis + 1 :])


def _max_ref(fn: Any, arg: Any) -> Any:
    def ref(x: np.ndarray, axis: Any, keepdims: bool) -> Any:
        if axis is None:
            return fn(x, keepdims=keepdims)
        return fn(x, axis=axis, keepdims=keepdims), arg(x, axis=axis, keepdims=keepdims)

    return ref


@composite(spec=reduction(unique=True, multi_axis=False), ref=_max_ref(np.amax, np.argmax))
def max(
    x: TensorLike,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Any:
    """The maximum: of all elements, or along one dim with the indices, as ``torch.max``.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or Tensor, optional
        None: the maximum of all elements, a Tensor; ties split the gradient evenly, as in
        :func:`amax`. An int (``dim`` is PyTorch's spelling): a named tuple
        ``(values, indices)``, the maximum of each slice along ``axis`` and the index of
        its first occurrence (int64); the gradient goes only to that element. A Tensor:
        the elementwise :func:`maximum` of ``x`` and it (``torch.max(x, other)``).
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch), in both outputs.

    Returns
    -------
    Tensor or ValuesIndices

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.tensor([[1.0, 5.0], [4.0, 2.0]]).max(dim=1)
    ValuesIndices(values=tensor([5., 4.]), indices=tensor([1, 0]))
    """
    if isinstance(axis, (Tensor, np.ndarray)):
        return maximum(x, axis)
    t = _tensor(x)
    axis, keepdims = resolve_axis("max", axis, dim, keepdims, keepdim)
    if axis is None:
        return amax(t, keepdims=keepdims)
    return _along_dim("max", t, axis, keepdims, np.argmax)


@composite(spec=reduction(unique=True, multi_axis=False), ref=_max_ref(np.amin, np.argmin))
def min(
    x: TensorLike,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Any:
    """The minimum: of all elements, or along one dim with the indices (see :func:`max`).

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or Tensor, optional
        None: the minimum of all elements; an int (``dim``): ``(values, indices)`` along it;
        a Tensor: the elementwise :func:`minimum`. Gradients as in :func:`max`.
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor or ValuesIndices
    """
    if isinstance(axis, (Tensor, np.ndarray)):
        return minimum(x, axis)
    t = _tensor(x)
    axis, keepdims = resolve_axis("min", axis, dim, keepdims, keepdim)
    if axis is None:
        return amin(t, keepdims=keepdims)
    return _along_dim("min", t, axis, keepdims, np.argmin)


def _arg_primitive(name: str, fn: Any) -> Any:
    @primitive(
        name,
        spec=reduction(unique=True, multi_axis=False),
        ref=lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        differentiable=False,
    )
    def op(x: np.ndarray, *, axis: int | None, keepdims: bool) -> np.ndarray:
        return np.asarray(fn(x, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False)

    return op


_argmax = _arg_primitive("argmax", np.argmax)
_argmin = _arg_primitive("argmin", np.argmin)


def _arg(
    op: str, prim: Any, x: TensorLike, axis: Any, keepdims: bool, dim: Any, keepdim: Any
) -> Tensor:
    t = _tensor(x)
    axis, keepdims = resolve_axis(op, axis, dim, keepdims, keepdim)
    ax = None if axis is None else normalize_axis(op, axis, t.ndim)
    if t.ndim == 0:
        return Tensor._make(np.zeros((), dtype=np.int64))
    _check_nonempty(op, t, tuple(range(t.ndim)) if ax is None else (ax,))
    return prim(t, axis=ax, keepdims=keepdims)


@_argmax.expose
def argmax(
    x: TensorLike,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the maximum along ``axis`` (of the flattened tensor when None), int64.

    The first occurrence wins ties. Not differentiable: the result never requires grad.
    ``keepdims`` keeps the reduced axis (all axes, as length 1, when ``axis`` is None).

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int, optional
        The axis to search along (``dim`` in PyTorch); None searches the flattened tensor.
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor
        int64 indices, ``x``'s shape without ``axis`` (a 0-d tensor when ``axis`` is None).
    """
    return _arg("argmax", _argmax, x, axis, keepdims, dim, keepdim)


@_argmin.expose
def argmin(
    x: TensorLike,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the minimum along ``axis``, int64; see :func:`argmax`.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int, optional
        The axis to search along (``dim`` in PyTorch); None searches the flattened tensor.
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor
        int64 indices, ``x``'s shape without ``axis`` (a 0-d tensor when ``axis`` is None).
    """
    return _arg("argmin", _argmin, x, axis, keepdims, dim, keepdim)


# ---------------------------------------------------------------------- logsumexp and norms
def _logsumexp_ref(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


@primitive("logsumexp", spec=reduction(), ref=_logsumexp_ref, saves=(0,), saves_output=True)
def _logsumexp(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    if count(x.shape, axis) == 0:
        return np.full(np.sum(x, axis=axis, keepdims=keepdims).shape, -np.inf, dtype=x.dtype)
    top = _finite_max(x, axis)  # all -inf (or an inf): shift by 0 instead
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis)


@_logsumexp.defvjp
def _logsumexp_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d logsumexp(x) = softmax(x) dx, as exp(x - m) / sum(exp(x - m)) for a constant m (the
    # max): exact whatever m, and accurate in float32 where exp(x - logsumexp) is not
    top = _finite_max(x.data, axis)
    e = exp(subtract(x, Tensor._make(top)))
    total = _sum(e, axis=axis, keepdims=True)
    if not total.data.all():  # a slice of only -inf: weights 0 (a NaN-free subgradient)
        total = _where(Tensor._make(total.data == 0), 1.0, total)
    weights = divide(e, total)
    return multiply(_kept(g, x.shape, axis, keepdims), weights)


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
    ``-inf``, where PyTorch gives NaN).

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` in PyTorch); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor
        ``x``'s shape without the reduced axes (with them as 1 when ``keepdims``).
    """
    t, axes, keepdims = _args("logsumexp", x, axis, keepdims, dim, keepdim)
    return _logsumexp(_float_tensor(t), axis=axes, keepdims=keepdims)


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
    total = _kept(out, x.shape, axis, keepdims)
    ratio = divide(
        _where(Tensor._make(size.data == 0), 1.0, size),
        _where(Tensor._make(total.data == 0), 1.0, total),
    )
    local = multiply(sign(x), power(ratio, p - 1.0))
    return multiply(_kept(g, x.shape, axis, keepdims), local)


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

    Parameters
    ----------
    x : Tensor
        Input (integer tensors become float32).
    ord : {None, 2, 'fro', 1, inf, -inf, 0} or float > 0, default None (2)
        ``p`` is PyTorch's spelling. None, 2 and 'fro': ``sqrt(sum(x**2))``; 1:
        ``sum(|x|)``; inf / -inf: ``max(|x|)`` / ``min(|x|)``; 0: the number of nonzero
        elements (not differentiable); other ``p > 0``: ``sum(|x|**p) ** (1/p)``. Over
        several axes this is the norm of the flattened slice, as ``torch.linalg.vector_norm``
        (not numpy's matrix norms).
    axis, keepdims, dim, keepdim
        As in :func:`sum`.

    Returns
    -------
    Tensor
        The reduced shape.

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
    t, axes, keepdims = _args("norm", x, axis, keepdims, dim, keepdim)
    t = _float_tensor(t)
    if ord is None or (isinstance(ord, str) and ord == "fro"):
        ord = 2.0
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise ValueError(
            f"norm: ord={ord!r} is not supported; expected None, 'fro', inf, -inf or a "
            "number >= 0 (vector norms over the given axes)"
        )
    ord = float(ord)
    if ord == 2.0:
        return _sqrt_zero_grad(_sum(square(t), axis=axes, keepdims=keepdims))
    if ord == 1.0:
        return _sum(abs(t), axis=axes, keepdims=keepdims)
    if ord in (math.inf, -math.inf):
        _check_nonempty("norm", t, axes)
        extreme = _amax if ord > 0 else _amin
        return extreme(abs(t), axis=axes, keepdims=keepdims)
    if ord == 0.0:
        return _sum(astype(not_equal(t, 0.0), t.dtype), axis=axes, keepdims=keepdims)
    if ord > 0:
        return _pnorm(t, p=ord, axis=axes, keepdims=keepdims)
    raise ValueError(f"norm: ord must be >= 0, inf or -inf for vector norms, got {ord}")


# ---------------------------------------------------------------------- scans
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
    from autograd_np.ops.shape import _reshape

    t = _tensor(x)
    if dtype is not None:
        t = astype(t, dtype)
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

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int, optional
        The axis to accumulate along.
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Returns
    -------
    Tensor
        ``x``'s shape (1-d when ``axis`` is None).
    """
    return _cumulative("cumsum", _cumsum_axis, x, axis, dim, dtype)


@composite(
    spec=along_axis(low=-1.6, high=1.6, options=_cumulative_options),
    ref=lambda x, axis: np.cumprod(x, axis=axis),
)
def cumprod(
    x: TensorLike, axis: int | None = None, *, dim: int | None = None, dtype: Any = None
) -> Tensor:
    """Cumulative products along ``axis`` (see :func:`cumsum` for the arguments).

    The gradient is computed without division, so it is exact with zeros in ``x``.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int, optional
        The axis to accumulate along (``dim`` in PyTorch); None flattens first.
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Returns
    -------
    Tensor
        ``x``'s shape (1-d when ``axis`` is None).
    """
    return _cumulative("cumprod", _cumprod_axis, x, axis, dim, dtype)
