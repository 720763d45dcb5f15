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

from autograd_np.tensor import Tensor
from autograd_np.testing.registry import OpInfo, Sample

__all__ = [
    "EDGE_DTYPES",
    "HypothesisSampler",
    "arrays",
    "broadcastable_shapes",
    "broadcastable_tensors",
    "edge_arrays",
    "edge_shapes",
    "fill_ints",
    "fill_values",
    "samples",
    "shapes",
    "tensors",
]

T = TypeVar("T")


def _allowed(
    low: float, high: float, avoid: Sequence[float], margin: float
) -> list[tuple[float, float]]:
    """``[low, high]`` without the open intervals ``(k - margin, k + margin)``, as a sorted
    list of closed intervals."""
    intervals = [(float(low), float(high))]
    for k in sorted(float(a) for a in avoid):
        cut_lo, cut_hi = k - margin, k + margin
        kept = []
        for a, b in intervals:
            if cut_hi <= a or cut_lo >= b:
                kept.append((a, b))
                continue
            if a < cut_lo:
                kept.append((a, cut_lo))
            if cut_hi < b:
                kept.append((cut_hi, b))
        intervals = kept
    if not intervals or sum(b - a for a, b in intervals) <= 0:
        raise ValueError(
            f"fill_values: nothing of [{low}, {high}] is left at least {margin} away from "
            f"{list(avoid)}"
        )
    return intervals


def _place(u: np.ndarray, intervals: list[tuple[float, float]]) -> np.ndarray:
    """Map ``u`` in ``[0, total length]`` onto the intervals, keeping order (the gaps are
    squeezed out, so spacing only grows)."""
    starts = np.array([a for a, _ in intervals])
    lengths = np.array([b - a for a, b in intervals])
    ends = np.cumsum(lengths)
    k = np.minimum(np.searchsorted(ends, u, side="right"), len(intervals) - 1)
    return np.minimum(starts[k] + (u - (ends[k] - lengths[k])), starts[k] + lengths[k])


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

    ``avoid`` keeps every value at least ``margin`` away from each of its points (kinks);
    ``unique`` spaces all values at least ``0.4 * L / size`` apart, where ``L`` is the length
    of ``[low, high]`` left after ``avoid`` (no ties, for max, min, sort). Both hold
    together: values are drawn on the allowed length and then placed, in order, on the
    allowed intervals.
    """
    if high <= low:
        raise ValueError(f"fill_values: need low < high, got {low} and {high}")
    shape = tuple(int(n) for n in shape)
    size = int(np.prod(shape))
    intervals = _allowed(low, high, avoid, margin)
    length = sum(b - a for a, b in intervals)
    if unique:
        step = length / max(size, 1)
        jitter = rng.uniform(-0.3, 0.3, size)
        u = step * (rng.permutation(size) + 0.5 + jitter)
    else:
        u = rng.uniform(0.0, length, size)
    values = _place(u, intervals)
    return values.reshape(shape).astype(dtype)


def fill_ints(
    rng: np.random.Generator,
    shape: Sequence[int],
    *,
    low: int,
    high: int,
    unique: bool = False,
    dtype: Any = np.int64,
) -> np.ndarray:
    """Random integers in ``[low, high]`` (both included), pairwise distinct if ``unique``."""
    shape = tuple(int(n) for n in shape)
    size = int(np.prod(shape))
    if high < low:
        raise ValueError(f"fill_ints: need low <= high, got {low} and {high}")
    if unique:
        if high - low + 1 < size:
            raise ValueError(f"fill_ints: {size} distinct integers do not fit in [{low}, {high}]")
        values = low + rng.choice(high - low + 1, size=size, replace=False)
    else:
        values = rng.integers(low, high + 1, size=size)
    return values.reshape(shape).astype(dtype)


class HypothesisSampler:
    """The :class:`~autograd_np.testing.registry.Sampler` that sample specifications draw from,
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
        return fill_ints(self._rng(), shape, low=low, high=high)

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
    """Arrays with values in ``[low, high]``.

    Parameters
    ----------
    shape : tuple or strategy, optional
        A fixed shape or a strategy for one; small random shapes by default.
    dtype : numpy dtype or strategy
        A float dtype (values drawn as described), an integer dtype (integers in
        ``[ceil(low), floor(high)]``) or bool; or a strategy drawing one
        (``st.sampled_from([np.float32, np.float64])``).
    low, high : float
        The value range (both ends included).
    unique : bool
        Values pairwise well apart (no ties, for max/min/sort); distinct for integers.
    avoid, margin
        Keep float values at least ``margin`` from each point of ``avoid`` (kinks).

    Examples
    --------
    >>> from hypothesis import given
    >>> from autograd_np.testing.strategies import arrays
    >>> @given(arrays((3, 2), low=0.5, high=1.0, avoid=(0.75,)))
    ... def test_positive(a):
    ...     assert a.shape == (3, 2) and (a >= 0.5).all()
    """
    if shape is None:
        shape = shapes()
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    dt = np.dtype(dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dt.kind == "b":
        return rng.integers(0, 2, size=tuple(shape)).astype(bool)
    if dt.kind in "iu":
        return fill_ints(
            rng, shape, low=int(np.ceil(low)), high=int(np.floor(high)), unique=unique, dtype=dt
        )
    return fill_values(
        rng, shape, low=low, high=high, unique=unique, avoid=avoid, margin=margin, dtype=dt
    )


def tensors(
    shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    dtype: Any = np.float64,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    avoid: Sequence[float] = (),
    margin: float = 0.05,
    requires_grad: bool = False,
) -> st.SearchStrategy[Tensor]:
    """Tensors built from :func:`arrays` (same arguments), optionally requiring grad
    (only floating-point tensors can)."""
    return arrays(
        shape, dtype=dtype, low=low, high=high, unique=unique, avoid=avoid, margin=margin
    ).map(lambda a: Tensor(a, requires_grad=requires_grad and a.dtype.kind == "f"))


@st.composite
def broadcastable_tensors(
    draw: st.DrawFn,
    n: int,
    *,
    min_dims: int = 0,
    max_dims: int = 3,
    max_side: int = 4,
    dtype: Any = np.float64,
    low: float = -2.0,
    high: float = 2.0,
    avoid: Sequence[float] = (),
    requires_grad: bool = False,
) -> list[Tensor]:
    """Groups of ``n`` tensors whose shapes broadcast together (values as in
    :func:`arrays`)."""
    group = draw(broadcastable_shapes(n, min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    return [
        draw(
            tensors(
                shape,
                dtype=dtype,
                low=low,
                high=high,
                avoid=avoid,
                requires_grad=requires_grad,
            )
        )
        for shape in group
    ]


@st.composite
def samples(draw: st.DrawFn, op: OpInfo, *, max_side: int = 4) -> Sample:
    """Valid calls of a registered op, drawn from its sample specification."""
    if op.spec is None:
        raise ValueError(f"op {op.name!r} has no sample specification")
    data = draw(st.data())
    return op.spec(HypothesisSampler(data, max_side=max_side))


# ---------------------------------------------------------------------- the edges of a domain
EDGE_DTYPES: tuple[Any, ...] = (
    np.float64,
    np.float32,
    np.float16,
    np.int64,
    np.int32,
    np.uint8,
    np.bool_,
)


def edge_shapes(*, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes where ops tend to break: 0-d, zero-size (any side 0) and size-1 sides, besides
    ordinary small ones."""
    return st.one_of(
        st.just(()),
        hnp.array_shapes(min_dims=1, max_dims=max_dims, min_side=0, max_side=max_side),
    )


@st.composite
def edge_arrays(
    draw: st.DrawFn,
    shape: Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    dtype: Any = None,
    kinks: Sequence[float] = (0.0,),
    nonfinite: bool = True,
    low: float = -3.0,
    high: float = 3.0,
) -> np.ndarray:
    """Arrays at the edges of an op's domain, for checking PyTorch's rules there.

    Unlike :func:`arrays`, values are drawn by hypothesis element by element, so it finds
    (and shrinks to) the awkward ones: exact ties at the op's kinks, signed zeros, and (with
    ``nonfinite``) ``inf``, ``-inf`` and ``nan``; shapes include 0-d and zero-size ones;
    dtypes include float16, integers and bool.

    Parameters
    ----------
    shape : tuple or strategy, optional
        A fixed shape, or a strategy for one (:func:`edge_shapes` by default).
    dtype : numpy dtype or strategy, optional
        A dtype, or a strategy for one (any of :data:`EDGE_DTYPES` by default).
    kinks : sequence of float
        Values the op treats specially (``0`` for relu, the bounds of a clamp), drawn often
        so that ties with them are common.
    nonfinite : bool
        Draw ``inf``, ``-inf`` and ``nan`` too (floating dtypes only).
    low, high : float
        The range of the other finite values (integers: rounded inwards; bool ignores it).

    Examples
    --------
    >>> from hypothesis import given
    >>> from autograd_np.testing.strategies import edge_arrays
    >>> @given(edge_arrays(dtype=np.float64, kinks=(0.0, 6.0)))
    ... def test_relu6_is_bounded(a):
    ...     ...
    """
    if shape is None:
        shape = edge_shapes()
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    if dtype is None:
        dtype = st.sampled_from(EDGE_DTYPES)
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    dt = np.dtype(dtype)
    elements: st.SearchStrategy[Any]
    if dt.kind == "b":
        elements = st.booleans()
    elif dt.kind in "iu":
        lo = int(np.ceil(low)) if dt.kind == "i" else max(int(np.ceil(low)), 0)
        hi = max(int(np.floor(high)), lo)
        special = [int(k) for k in kinks if float(k).is_integer() and lo <= k <= hi]
        ints = st.integers(lo, hi)
        elements = st.one_of(st.sampled_from(special), ints) if special else ints
    else:
        width = 8 * dt.itemsize
        special_f = [float(k) for k in kinks] + [-0.0]
        if nonfinite:
            special_f += [np.inf, -np.inf, np.nan]
        finite = st.floats(low, high, width=width, allow_nan=False, allow_infinity=False)
        elements = st.one_of(st.sampled_from(special_f), finite)
    return draw(hnp.arrays(dt, tuple(shape), elements=elements))
