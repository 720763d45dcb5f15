"""Sample specifications shared by many ops: how the property tests draw valid inputs.

A specification is a function ``spec(sampler) -> Sample``; these builders make the common
ones. They only describe what to draw; ``autograd_np.testing`` does the drawing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_np.function import Sample, Sampler, SampleSpec

__all__ = ["binary", "reduction", "unary"]


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
    multi_axis: bool = True,
    allow_none: bool = True,
    min_dims: int = 1,
) -> SampleSpec:
    """One array plus ``axis`` (an int, a tuple of ints, or None) and ``keepdims``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(min_dims=min_dims, max_dims=3)
        x = s.array(shape, low=low, high=high, unique=unique)
        ndim = len(shape)
        kind = s.choice(["none", "int", "tuple"] if multi_axis else ["none", "int"])
        axis: Any = None
        if (kind == "none" and allow_none) or ndim == 0:
            axis = None if allow_none else 0
        elif kind == "int" or not multi_axis:
            axis = s.integers(-ndim, ndim - 1)
        else:
            axis = tuple(i for i in range(ndim) if s.boolean()) or (0,)
        return Sample((x,), {"axis": axis, "keepdims": s.boolean()})

    return spec
