"""Sample specifications shared by many ops: how the property tests draw valid inputs.

A specification is a function ``spec(sampler) -> Sample``; these builders make the common
ones. They only describe what to draw; ``autograd_np.testing`` does the drawing. Specs of
one op live beside it (``_shape_specs.py`` for the shape ops).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_np.ops._axes import normalize_axes
from autograd_np.testing.registry import Sample, Sampler, SampleSpec

__all__ = ["along_axis", "axis_of", "binary", "reduction", "unary"]


def unary(
    *,
    low: float = -2.0,
    high: float = 2.0,
    avoid: Sequence[float] = (),
    unique: bool = False,
    max_dims: int = 3,
    **options: Any,
) -> SampleSpec:
    """One array of any small shape with values in ``[low, high]``, away from ``avoid``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(max_dims=max_dims)
        x = s.array(shape, low=low, high=high, avoid=avoid, unique=unique)
        return Sample((x,), dict(options))

    return spec


def binary(
    *,
    low: float = -2.0,
    high: float = 2.0,
    low2: float | None = None,
    high2: float | None = None,
    avoid: Sequence[float] = (),
    avoid2: Sequence[float] = (),
    **options: Any,
) -> SampleSpec:
    """Two arrays of mutually broadcastable shapes (the second's bounds may differ)."""

    def spec(s: Sampler) -> Sample:
        sx, sy = s.broadcastable_shapes(2)
        x = s.array(sx, low=low, high=high, avoid=avoid)
        lo2 = low if low2 is None else low2
        hi2 = high if high2 is None else high2
        y = s.array(sy, low=lo2, high=hi2, avoid=avoid2)
        return Sample((x, y), dict(options))

    return spec


def reduction(
    *,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    avoid: Sequence[float] = (),
    multi_axis: bool = True,
    allow_none: bool = True,
    min_dims: int = 1,
    signed_magnitudes: bool = False,
    tuple_axes: bool = False,
    options: Callable[[Sampler, tuple[int, ...], Any], dict[str, Any]] | None = None,
) -> SampleSpec:
    """One array plus ``axis`` (an int, a tuple of ints, or None) and ``keepdims``.

    ``signed_magnitudes`` draws magnitudes in ``[low, high]`` (``0 < low``), pairwise well
    apart when ``unique``, with random signs: no zeros and no ties of ``|x|``.
    ``tuple_axes`` gives ``axis`` as a sorted tuple of non-negative ints, the form
    reduction primitives take behind their public function. ``options``,
    called as ``options(sampler, shape, axis)``, adds op-specific keyword options.
    """

    def spec(s: Sampler) -> Sample:
        shape = s.shape(min_dims=min_dims, max_dims=3)
        x = s.array(shape, low=low, high=high, unique=unique, avoid=avoid)
        if signed_magnitudes:
            x = x * (2 * s.int_array(shape, 0, 1) - 1)
        ndim = len(shape)
        kind = s.choice(["none", "int", "tuple"] if multi_axis else ["none", "int"])
        axis: Any = None
        if (kind == "none" and allow_none) or ndim == 0:
            axis = None if allow_none else 0
        elif kind == "int" or not multi_axis:
            axis = s.integers(-ndim, ndim - 1)
        else:
            axis = tuple(i for i in range(ndim) if s.boolean()) or (0,)
        if tuple_axes:
            axis = normalize_axes("spec", axis, ndim)
        kwargs = {"axis": axis, "keepdims": s.boolean()}
        if options is not None:
            kwargs.update(options(s, shape, axis))
        return Sample((x,), kwargs)

    return spec


def along_axis(
    *,
    low: float = -2.0,
    high: float = 2.0,
    avoid: Sequence[float] = (),
    options: Callable[[Sampler, tuple[int, ...], int], dict[str, Any]] | None = None,
) -> SampleSpec:
    """One array (at least 1-d) and a single ``axis`` int, for scans like ``cumsum``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(min_dims=1, max_dims=3)
        x = s.array(shape, low=low, high=high, avoid=avoid)
        axis = s.integers(-len(shape), len(shape) - 1)
        kwargs: dict[str, Any] = {"axis": axis}
        if options is not None:
            kwargs.update(options(s, shape, axis))
        return Sample((x,), kwargs)

    return spec


def axis_of(s: Sampler, ndim: int) -> int:
    """A valid axis of an ``ndim``-dimensional array, negative or not."""
    return s.integers(-ndim, ndim - 1)
