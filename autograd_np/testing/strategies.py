"""Hypothesis strategies for tensors and op samples (needs the ``test`` extra: hypothesis).

The values of float arrays come from a numpy Generator seeded by hypothesis: they are
generic (no accidental ties or exact zeros), while shapes, options and seeds are drawn and
shrunk by hypothesis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd_np.function import OpInfo, Sample
from autograd_np.tensor import Tensor

__all__ = [
    "HypothesisSampler",
    "arrays",
    "broadcastable_shapes",
    "samples",
    "shapes",
    "tensors",
]

T = TypeVar("T")


def fill_values(
    rng: np.random.Generator,
    shape: Sequence[int],
    *,
    low: float,
    high: float,
    unique: bool = False,
    avoid: Sequence[float] = (),
    margin: float = 0.05,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Random values in ``[low, high]`` of ``shape``.

    ``unique`` spaces all values at least ``0.4 * (high - low) / size`` apart (for max, min,
    sort: no ties); ``avoid`` moves values at least ``margin`` away from kinks.
    """
    if high <= low:
        raise ValueError(f"fill_values: need low < high, got {low} and {high}")
    shape = tuple(int(n) for n in shape)
    size = int(np.prod(shape))
    if unique:
        step = (high - low) / max(size, 1)
        jitter = rng.uniform(-0.3, 0.3, size)
        values = low + step * (rng.permutation(size) + 0.5 + jitter)
    else:
        values = rng.uniform(low, high, size)
    for k in avoid:
        near = np.abs(values - k) < margin
        if near.any():
            side = np.where(values[near] >= k, 1.0, -1.0)
            moved = k + side * (margin + rng.uniform(0, margin, near.sum()))
            # flip to the other side when moving would leave [low, high]
            outside = (moved < low) | (moved > high)
            moved[outside] = k - side[outside] * (margin + 1e-3)
            values[near] = moved
    return values.reshape(shape).astype(dtype)


class HypothesisSampler:
    """The :class:`~autograd_np.function.Sampler` that sample specifications draw from,
    backed by a hypothesis ``data`` object."""

    def __init__(self, data: st.DataObject, *, max_side: int = 4) -> None:
        self._data = data
        self._max_side = max_side

    def draw(self, strategy: st.SearchStrategy[T]) -> T:
        """Draw from any hypothesis strategy (the escape hatch)."""
        return self._data.draw(strategy)

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng(self.draw(st.integers(0, 2**32 - 1)))

    def shape(
        self, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
    ) -> tuple[int, ...]:
        max_side = max(min(max_side, self._max_side), min_side)
        return self.draw(
            hnp.array_shapes(
                min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
            )
        )

    def broadcastable_shapes(
        self,
        n: int,
        *,
        min_dims: int = 0,
        max_dims: int = 3,
        min_side: int = 1,
        max_side: int = 4,
    ) -> list[tuple[int, ...]]:
        max_side = max(min(max_side, self._max_side), min_side)
        result = self.draw(
            hnp.mutually_broadcastable_shapes(
                num_shapes=n,
                min_dims=min_dims,
                max_dims=max_dims,
                min_side=min_side,
                max_side=max_side,
            )
        )
        return list(result.input_shapes)

    def array(
        self,
        shape: Sequence[int],
        *,
        low: float = -2.0,
        high: float = 2.0,
        unique: bool = False,
        avoid: Sequence[float] = (),
        margin: float = 0.05,
    ) -> np.ndarray:
        return fill_values(
            self._rng(), shape, low=low, high=high, unique=unique, avoid=avoid, margin=margin
        )

    def int_array(self, shape: Sequence[int], low: int, high: int) -> np.ndarray:
        return self._rng().integers(low, high + 1, size=tuple(shape), dtype=np.int64)

    def integers(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def floats(self, low: float, high: float) -> float:
        return self.draw(st.floats(low, high, allow_nan=False, allow_infinity=False))

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(list(options)))

    def boolean(self) -> bool:
        return self.draw(st.booleans())


def shapes(
    *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes (hypothesis' ``array_shapes`` with small defaults)."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int, *, min_dims: int = 0, max_dims: int = 3, max_side: int = 4
) -> st.SearchStrategy[list[tuple[int, ...]]]:
    """Lists of ``n`` mutually broadcastable shapes."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda r: list(r.input_shapes))


@st.composite
def arrays(
    draw: st.DrawFn,
    shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    dtype: Any = np.float64,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    avoid: Sequence[float] = (),
    margin: float = 0.05,
) -> np.ndarray:
    """Float arrays with values in ``[low, high]``.

    Parameters
    ----------
    shape : tuple or strategy, optional
        A fixed shape or a strategy for one; small random shapes by default.
    dtype : numpy dtype
        float32 or float64.
    low, high : float
        The value range.
    unique : bool
        Values pairwise well apart (no ties, for max/min/sort).
    avoid, margin
        Keep values at least ``margin`` from each point of ``avoid`` (kinks).
    """
    if shape is None:
        shape = shapes()
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return fill_values(
        rng, shape, low=low, high=high, unique=unique, avoid=avoid, margin=margin, dtype=dtype
    )


def tensors(
    shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    dtype: Any = np.float64,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    avoid: Sequence[float] = (),
    requires_grad: bool = False,
) -> st.SearchStrategy[Tensor]:
    """Tensors built from :func:`arrays` (same arguments), optionally requiring grad."""
    return arrays(shape, dtype=dtype, low=low, high=high, unique=unique, avoid=avoid).map(
        lambda a: Tensor(a, requires_grad=requires_grad)
    )


@st.composite
def samples(draw: st.DrawFn, op: OpInfo, *, max_side: int = 4) -> Sample:
    """Valid calls of a registered op, drawn from its sample specification."""
    if op.spec is None:
        raise ValueError(f"op {op.name!r} has no sample specification")
    data = draw(st.data())
    return op.spec(HypothesisSampler(data, max_side=max_side))
