"""Piecewise functions and selection, elementwise: ``abs``, ``relu``, ``sign``, rounding,
``clip``, ``maximum``/``minimum`` and ``where``, and :func:`masked_grad`, the one way every
piecewise op's VJP passes its gradient through a mask.

Rules every op here follows, stated once: a unary op returns a Tensor of its input's shape
and dtype; the binary ones (and ``clip``'s tensor bounds, ``where``'s three arguments) take
Tensors or numbers, broadcast together by numpy's rules, and return the broadcast shape.

At a kink the gradient follows PyTorch: 0 for ``abs`` and ``relu`` at 0, bounds inclusive
for ``clip``, ties split in half for ``maximum``/``minimum``. Where the mask is off the
gradient is exactly 0, even when the incoming gradient is ``inf`` or ``nan`` (PyTorch
selects; multiplying by a 0/1 mask would give ``inf * 0 = nan``). Rounding and ``sign`` are
piecewise constant and declared non-differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np import parallel
from autograd_np.autograd import composite, grad_mode, primitive
from autograd_np.dtypes import DEFAULT_FLOAT, bool_as_int, check_kind, is_floating
from autograd_np.ops.arithmetic import _promote, _promoted, _Scalar, multiply
from autograd_np.ops.comparison import greater, less
from autograd_np.ops.specs import unary
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler
from autograd_np.workspace import WORKSPACE

__all__ = [
    "abs",
    "absolute",
    "ceil",
    "clamp",
    "clip",
    "floor",
    "maximum",
    "minimum",
    "relu",
    "round",
    "sign",
    "trunc",
    "where",
]


def _mask(condition: np.ndarray, dtype: np.dtype[Any]) -> Tensor:
    """A constant 0/1 tensor of ``dtype`` (multiplying by it keeps the gradient's dtype)."""
    return Tensor.from_array(condition.astype(dtype))


def masked_grad(
    g: Tensor,
    keep: np.ndarray,
    weight: np.ndarray | float | None = None,
    *,
    like: np.ndarray | None = None,
) -> Tensor:
    """The gradient ``g`` (times ``weight``) where ``keep`` is true, and exactly 0 elsewhere.

    Every piecewise op's VJP goes through here, so an ``inf`` or ``nan`` gradient arriving
    where the op's mask is off gives 0, as in PyTorch (``log(relu(x))`` at ``x < 0``), not
    ``inf * 0 = nan``. The selection is a ``where``, itself differentiable, so second
    derivatives see the same mask; ``keep`` and ``weight`` are constants of the VJP (the
    op is piecewise linear in ``g``).

    Parameters
    ----------
    g : Tensor
        The incoming gradient.
    keep : bool ndarray
        Where the gradient passes, broadcastable against ``g``.
    weight : ndarray or float, optional
        A factor on the passed gradient (a tie's share), broadcastable against ``g``.
    like : ndarray, optional
        An input whose memory layout the result should have (no-grad fast path only).

    Returns
    -------
    Tensor
        Of the broadcast shape of ``g``, ``keep`` and ``weight``; ``g``'s dtype.
    """
    if weight is not None:
        weight = np.asarray(weight, dtype=g.dtype)
    if grad_mode.is_grad_enabled():  # create_graph: the selection itself, recorded
        passed = g if weight is None else multiply(g, Tensor.from_array(weight))
        zero = Tensor.from_array(np.zeros((), dtype=g.dtype))
        return _where(Tensor.from_array(keep), passed, zero)
    gd = g.array
    if like is not None and like.shape == gd.shape:
        gd = WORKSPACE.like(like, gd)  # one layout for the pass below (see relu)
    factor = keep if weight is None else np.where(keep, weight, 0).astype(g.dtype)
    shape = np.broadcast_shapes(gd.shape, factor.shape)
    if np.isfinite(parallel.total(gd)):  # finite: a multiply (the bool cast in its loop) is exact
        if like is not None and like.shape == shape:
            out = WORKSPACE.empty_like(like, dtype=g.dtype)
        else:
            out = np.empty(shape, dtype=g.dtype)
        return Tensor.from_array(parallel.elementwise(np.multiply, gd, factor, out=out))
    kept = gd if weight is None else gd * weight
    return Tensor.from_array(np.where(keep, kept, np.zeros((), dtype=g.dtype)))


@primitive(spec=unary(avoid=(0.0,)), ref=np.abs)
def abs(x: np.ndarray) -> np.ndarray:
    """``|x|``, elementwise. The gradient at 0 is 0 (as in PyTorch)."""
    check_kind("abs", x)
    return np.abs(x)


@abs.defvjp
def _abs_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    # d|x| = sign(x) dx, a product as in PyTorch (an inf gradient at x == 0 gives nan there);
    # its sgn(nan) is 0
    sgn = np.sign(x.array)
    return multiply(g, Tensor.from_array(np.where(np.isnan(sgn), 0, sgn).astype(g.dtype)))


absolute = abs


@primitive(spec=unary(avoid=(0.0,)), ref=lambda x: np.maximum(x, 0), saves=(), saves_output=True)
def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, elementwise. The gradient at 0 is 0."""
    check_kind("relu", x)
    zero = x.dtype.type(0)  # first operand: numpy's maximum returns the second on ties,
    if x.dtype.kind != "f":  # so relu(-0.0) is -0.0, as in PyTorch
        return np.maximum(zero, x)
    return parallel.elementwise(np.maximum, zero, x, out=WORKSPACE.empty_like(x))


@relu.defvjp
def _relu_vjp(g: Tensor, out: Tensor, x: Tensor) -> Tensor:
    # d relu = [out > 0] dx (out > 0 iff x > 0: the node keeps the output, as PyTorch's;
    # relu'(nan) is 1 there, so the mask is "not out <= 0"), selected so inf/nan stay off
    keep = np.empty_like(out.array, dtype=bool)  # in out's layout
    parallel.elementwise(np.less_equal, out.array, 0, out=keep)
    return masked_grad(g, np.logical_not(keep, out=keep), like=out.array)


# Rounding and sign: piecewise constant, declared non-differentiable (outputs never require
# grad; PyTorch instead records them with a zero gradient).
@primitive(spec=unary(), ref=np.sign, differentiable=False)
def sign(x: np.ndarray) -> np.ndarray:
    """-1, 0 or 1 by the sign of ``x``."""
    return x.copy() if x.dtype.kind == "b" else np.sign(x)


@primitive(spec=unary(), ref=np.floor, differentiable=False)
def floor(x: np.ndarray) -> np.ndarray:
    """The largest integer ``<= x``, elementwise."""
    check_kind("floor", x)
    return np.floor(x) if is_floating(x.dtype) else x.copy()


@primitive(spec=unary(), ref=np.ceil, differentiable=False)
def ceil(x: np.ndarray) -> np.ndarray:
    """The smallest integer ``>= x``, elementwise."""
    check_kind("ceil", x)
    return np.ceil(x) if is_floating(x.dtype) else x.copy()


@primitive(spec=unary(), ref=np.trunc, differentiable=False)
def trunc(x: np.ndarray) -> np.ndarray:
    """``x`` rounded toward zero, elementwise."""
    check_kind("trunc", x)
    return np.trunc(x) if is_floating(x.dtype) else x.copy()


@primitive(
    spec=unary(decimals=0),
    ref=lambda x, decimals: np.round(x, decimals),
    differentiable=False,
)
def round(x: np.ndarray, *, decimals: int | None = None) -> np.ndarray:
    """``x`` rounded to ``decimals`` decimals, halves to even (as numpy and PyTorch).

    Parameters
    ----------
    x : Tensor
        Input (not bool; integers are returned as they are, unless ``decimals`` is given,
        which PyTorch refuses for them).
    decimals : int, optional
        Decimal places to keep (negative: round to tens, hundreds...); None is 0.

    Returns
    -------
    Tensor
        Of ``x``'s shape and dtype.
    """
    check_kind("round", x, accepts="if" if decimals is None else "f")
    if not is_floating(x.dtype):
        return x.copy()
    return np.round(x, decimals or 0)


def _clip_spec(s: Sampler) -> Sample:
    x = s.array(s.shape(), low=-2.0, high=2.0, avoid=(-0.5, 0.7))
    kind = s.choice(["both", "min", "max"])
    return Sample(
        (x,),
        {"a_min": None if kind == "max" else -0.5, "a_max": None if kind == "min" else 0.7},
    )


@primitive(
    "clip_scalar",
    spec=_clip_spec,
    ref=lambda x, a_min, a_max: np.clip(x, a_min, a_max),
)
def _clip_scalar(
    x: np.ndarray, *, a_min: int | float | None, a_max: int | float | None
) -> np.ndarray:
    """Clip to constant bounds (float bounds make an integer tensor float32)."""
    if not is_floating(x.dtype) and (isinstance(a_min, float) or isinstance(a_max, float)):
        x = x.astype(DEFAULT_FLOAT)
    return np.clip(bool_as_int(x), a_min, a_max)  # bool with integer bounds: int64


@_clip_scalar.defvjp
def _clip_scalar_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, a_min: float | None, a_max: float | None
) -> Tensor:
    # d clip = [a_min <= x <= a_max] dx (bounds inclusive, as in PyTorch)
    inside = np.ones(x.shape, dtype=bool)
    if a_min is not None:
        inside &= x.array >= a_min
    if a_max is not None:
        inside &= x.array <= a_max
    return masked_grad(g, inside)


def _clip_tensor_spec(s: Sampler) -> Sample:
    sx, slo, shi = s.broadcastable_shapes(3)
    # bounds in [-1.5, -0.2] and [0.2, 1.5] on a grid of step 0.2; x on the grid shifted by
    # 0.1, so x is never within 0.1 of a bound and finite differences see no kink
    x = np.round(s.array(sx) / 0.2) * 0.2 + 0.1
    lo = np.round(s.array(slo, low=-1.5, high=-0.2) / 0.2) * 0.2
    hi = np.round(s.array(shi, low=0.2, high=1.5) / 0.2) * 0.2
    return Sample((x, lo, hi))


def _clip_ref(x: np.ndarray, a_min: Any = None, a_max: Any = None) -> np.ndarray:
    return np.clip(x, a_min, a_max)


def _number(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


@composite("clip", spec=_clip_tensor_spec, ref=_clip_ref, atol=1e-5)
def clip(
    x: TensorLike,
    a_min: TensorLike | None = None,
    a_max: TensorLike | None = None,
    *,
    min: TensorLike | None = None,
    max: TensorLike | None = None,
) -> Tensor:
    """Limit the values of ``x`` to ``[a_min, a_max]`` (either bound may be None).

    The gradient with respect to ``x`` is 1 where ``a_min <= x <= a_max`` (bounds
    inclusive) and 0 elsewhere; tensor bounds receive the gradient where they clip. When
    ``a_min > a_max`` every value becomes ``a_max``, as in numpy and PyTorch.

    Parameters
    ----------
    a_min, a_max : number or Tensor, optional
        Lower and upper bound, broadcast against ``x``; ``min`` and ``max`` are PyTorch's
        keyword spellings.

    Returns
    -------
    Tensor
        Of the broadcast shape.
    """
    if min is not None:
        if a_min is not None:
            raise TypeError("clip: got both a_min and min; pass one")
        a_min = min
    if max is not None:
        if a_max is not None:
            raise TypeError("clip: got both a_max and max; pass one")
        a_max = max
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    t = x if isinstance(x, Tensor) else Tensor(x)
    scalar = (*_Scalar, type(None))
    if isinstance(a_min, scalar) and isinstance(a_max, scalar):
        return _clip_scalar(t, a_min=_number(a_min), a_max=_number(a_max))
    values = t.array
    if a_min is not None:
        t = where(less(t, a_min), a_min, t)
    if a_max is not None:
        t = where(greater(t, a_max), a_max, t)
    if values.dtype.kind == "f" and np.isnan(values).any():
        # NaN stays NaN and passes no gradient to anyone (PyTorch)
        t = where(np.isnan(values), Tensor.from_array(values), t)
    return t


clamp = clip


def _tie_spec(s: Sampler) -> Sample:
    sx, sy = s.broadcastable_shapes(2)
    # x on a grid of step 0.2 and y on the same grid shifted by 0.1: every pair is at least
    # 0.1 apart, so finite differences never straddle the kink x == y.
    x = np.asarray(np.round(s.array(sx) / 0.2) * 0.2)
    y = np.asarray(np.round(s.array(sy) / 0.2) * 0.2 + 0.1)
    return Sample((x, y))


@primitive(spec=_tie_spec, ref=np.maximum)
def maximum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elementwise maximum (NaN propagates).

    Where ``x == y`` each input gets half the gradient; where either is NaN both get all of
    it; elsewhere the larger one gets it and the other exactly 0 (all as in PyTorch).
    """
    return np.maximum(x, y, dtype=_promote(x, y), casting="unsafe")


@maximum.defvjp
def _maximum_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d max(x, y) = [x > y] dx + [x < y] dy, ties split in half
    return _split(g, x.array < y.array, x.array > y.array, x, y)


@primitive(spec=_tie_spec, ref=np.minimum)
def minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The elementwise minimum (NaN propagates).

    Where ``x == y`` each input gets half the gradient; where either is NaN both get all of
    it; elsewhere the smaller one gets it and the other exactly 0 (all as in PyTorch).
    """
    return np.minimum(x, y, dtype=_promote(x, y), casting="unsafe")


@minimum.defvjp
def _minimum_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d min(x, y) = [x < y] dx + [x > y] dy, ties split in half
    return _split(g, x.array > y.array, x.array < y.array, x, y)


def _split(
    g: Tensor, x_loses: np.ndarray, y_loses: np.ndarray, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    """PyTorch's rule: each input gets the gradient unless it loses (exactly 0 there), half
    of it at a tie; a NaN comparison loses for neither, so both get all of it."""
    half = np.where(x.array == y.array, 0.5, 1.0)
    gx = masked_grad(g, ~x_loses, half) if x.requires_grad else None
    gy = masked_grad(g, ~y_loses, half) if y.requires_grad else None
    return gx, gy


def _where_spec(s: Sampler) -> Sample:
    sc, sx, sy = s.broadcastable_shapes(3)
    return Sample((s.int_array(sc, 0, 1).astype(bool), s.array(sx), s.array(sy)))


@primitive("where", spec=_where_spec, ref=np.where, saves=(0,))
def _where(condition: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(condition, *_promoted(x, y))


@_where.defvjp
def _where_vjp(
    g: Tensor, out: Tensor, condition: Tensor, x: Tensor, y: Tensor
) -> tuple[None, Tensor | None, Tensor | None]:
    # d where(c, x, y) = [c] dx + [not c] dy
    zero = Tensor.from_array(np.zeros((), dtype=g.dtype))
    gx = _where(condition, g, zero) if x.requires_grad else None
    gy = _where(condition, zero, g) if y.requires_grad else None
    return None, gx, gy


@_where.expose
def where(condition: TensorLike, x: TensorLike, y: TensorLike) -> Tensor:
    """Elements of ``x`` where ``condition`` is true, else of ``y`` (broadcast together).

    Parameters
    ----------
    condition : bool Tensor or array
        Not differentiated (other dtypes are tested for nonzero).
    x, y : Tensor or number
        The values to choose from; each receives the gradient where it is chosen. A
        Python number takes the other branch's dtype (``where(c, x, 0.0)`` keeps float32).

    Returns
    -------
    Tensor
        Of the shape of the three arguments broadcast together.
    """
    if isinstance(condition, Tensor):
        condition = condition.array
    return _where(np.asarray(condition, dtype=bool), x, y)
