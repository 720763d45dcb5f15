"""Lookups by integer index: ``one_hot`` and ``embedding``.

The gradient of ``embedding`` is a scatter-add of the incoming rows into a table of the
weight's shape (rows of repeated indices add up; ``padding_idx`` receives nothing). It is
its own primitive, ``embedding_dense_backward``, whose VJP is a gather again, so every order
of derivative works. The scatter-add avoids ``np.add.at``: a stable sort of the indices, then
one fancy-indexed add per position within short runs of equal indices and ``np.add.reduceat``
over long runs (see ``benchmarks/nn_losses.py``). A one-hot matrix product would be faster
for tiny vocabularies on an idle machine, but OpenBLAS threads slow it down a hundredfold
when the cores are shared, so it is not used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.ops.arithmetic import multiply
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["embedding", "one_hot"]


def _indices(op: str, x: TensorLike) -> np.ndarray:
    a = x.array if isinstance(x, Tensor) else np.asarray(x)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must have an integer dtype (int64), got {a.dtype}")
    return a.astype(np.int64, copy=False)


# ---------------------------------------------------------------------- one_hot
def _one_hot_spec(s: Sampler) -> Sample:
    n = s.integers(1, 4)
    t = s.int_array(s.shape(max_dims=2), 0, n - 1)
    return Sample((t,), {"num_classes": s.choice([-1, n, n + 2])})


def _one_hot_ref(t: np.ndarray, num_classes: int = -1) -> np.ndarray:
    n = int(t.max()) + 1 if num_classes == -1 else num_classes
    return np.eye(n, dtype=np.int64)[t]


@composite("nn.functional.one_hot", spec=_one_hot_spec, ref=_one_hot_ref, differentiable=False)
def one_hot(tensor: TensorLike, num_classes: int = -1) -> Tensor:
    """Class indices to one-hot vectors: a new last axis of length ``num_classes``.

    Parameters
    ----------
    tensor : int Tensor
        Class indices, non-negative, any shape.
    num_classes : int, default -1
        Length of the new axis; -1 means one more than the largest index.

    Returns
    -------
    Tensor
        int64, shape ``(*tensor.shape, num_classes)``; not differentiable.

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> F.one_hot(ag.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
           [0, 0, 1]])
    """
    t = _indices("one_hot", tensor)
    if t.size and t.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(t.min())}")
    if num_classes == -1:
        if t.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor")
        num_classes = int(t.max()) + 1
    elif num_classes < 1 or (t.size and t.max() >= num_classes):
        raise ValueError(
            f"one_hot: class values must be smaller than num_classes={num_classes}, "
            f"got a largest value of {int(t.max()) if t.size else None}"
        )
    out = np.zeros((*t.shape, num_classes), dtype=np.int64)
    np.put_along_axis(out, t[..., None], 1, axis=-1)
    return Tensor.from_array(out)


# ---------------------------------------------------------------------- embedding
# Runs of one index longer than this are summed by np.add.reduceat (few, long segments);
# shorter runs by one fancy-indexed add per position in the run (no segment overhead).
_LONG_RUN = 8


def _scatter_rows(
    g: np.ndarray, indices: np.ndarray, num_rows: int, padding_idx: int | None
) -> np.ndarray:
    """``out[i] = sum of g rows whose index is i`` for a (num_rows, D) table."""
    flat = indices.reshape(-1)
    g2 = g.reshape(flat.size, -1)  # (*idx, D) -> (n, D)
    if padding_idx is not None:
        keep = flat != padding_idx
        if not keep.all():
            flat, g2 = flat[keep], g2[keep]
    out = np.zeros((num_rows, g2.shape[1]), dtype=g.dtype)
    if flat.size == 0:
        return out
    order = np.argsort(flat, kind="stable")
    rows = flat[order]
    gs = g2[order]  # rows grouped into runs of equal index
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    lengths = np.diff(np.r_[starts, rows.size])
    short = lengths <= _LONG_RUN
    short_starts, short_lengths = starts[short], lengths[short]
    for k in range(int(short_lengths.max()) if short_lengths.size else 0):
        pos = short_starts[short_lengths > k] + k  # the k-th element of each run: unique rows
        out[rows[pos]] += gs[pos]
    if not short.all():
        long_starts = starts[~short]
        bounds = np.stack([long_starts, long_starts + lengths[~short]], axis=1).reshape(-1)
        if bounds[-1] == rows.size:  # reduceat runs the last segment to the end by itself
            bounds = bounds[:-1]
        out[rows[long_starts]] = np.add.reduceat(gs, bounds, axis=0)[::2]
    return out


def _embedding_spec(s: Sampler) -> Sample:
    v, d = s.integers(1, 5), s.integers(1, 3)
    weight = s.array((v, d))
    idx = s.int_array(s.shape(max_dims=2), 0, v - 1)  # small: repeats are likely
    # padding_idx deliberately zeroes a true gradient, which finite differences would see:
    # here it names a row that is not looked up (tests/nn/test_sparse.py checks the rest)
    unused = sorted(set(range(v)) - set(idx.reshape(-1).tolist()))
    pad = s.choice([None, unused[0] - v if s.boolean() else unused[0]]) if unused else None
    return Sample((idx, weight), {"padding_idx": pad})


def _embedding_ref(idx: np.ndarray, weight: np.ndarray, padding_idx: Any = None) -> np.ndarray:
    return weight[idx]


@primitive("nn.functional.embedding", spec=_embedding_spec, ref=_embedding_ref, saves=())
def _embedding(weight: np.ndarray, *, indices: np.ndarray, padding_idx: int | None) -> np.ndarray:
    return np.take(weight, indices, axis=0)


@_embedding.defvjp
def _embedding_vjp(
    g: Tensor, out: Tensor, weight: Tensor, *, indices: np.ndarray, padding_idx: int | None
) -> Tensor:
    # d weight[idx] = scatter-add of g into the rows idx (none into padding_idx)
    return _embedding_dense_backward(
        g, indices=indices, num_weights=weight.shape[0], padding_idx=padding_idx
    )


def _dense_backward_spec(s: Sampler) -> Sample:
    v, d = s.integers(1, 5), s.integers(1, 3)
    idx = s.int_array(s.shape(max_dims=2), 0, v - 1)
    pad = s.choice([None, 0])
    return Sample(
        (s.array((*idx.shape, d)),), {"indices": idx, "num_weights": v, "padding_idx": pad}
    )


def _dense_backward_ref(
    g: np.ndarray, indices: np.ndarray, num_weights: int, padding_idx: Any = None
) -> np.ndarray:
    out = np.zeros((num_weights, g.shape[-1]), dtype=g.dtype)
    np.add.at(out, indices, g)
    if padding_idx is not None:
        out[padding_idx] = 0
    return out


@primitive(
    "nn.functional.embedding_dense_backward",
    spec=_dense_backward_spec,
    ref=_dense_backward_ref,
    saves=(),
)
def _embedding_dense_backward(
    g: np.ndarray, *, indices: np.ndarray, num_weights: int, padding_idx: int | None
) -> np.ndarray:
    """Rows of ``g`` (``(*indices.shape, D)``) summed into a ``(num_weights, D)`` table."""
    return _scatter_rows(g, indices, num_weights, padding_idx)


@_embedding_dense_backward.defvjp
def _embedding_dense_backward_vjp(
    gg: Tensor,
    out: Tensor,
    g: Tensor,
    *,
    indices: np.ndarray,
    num_weights: int,
    padding_idx: int | None,
) -> Tensor:
    # the adjoint of a scatter-add is a gather (zero where the index is padding_idx)
    rows = _embedding(gg, indices=indices, padding_idx=None)
    if padding_idx is None:
        return rows
    keep = (indices != padding_idx)[..., None].astype(gg.dtype)
    return multiply(rows, Tensor.from_array(keep))


def _embedding_renorm_(
    weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float
) -> None:
    """PyTorch's ``embedding_renorm_``: rows of ``weight`` looked up by ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` are scaled in place to ``max_norm / (norm +
    1e-7)`` times themselves (outside the graph, a recorded in-place change)."""
    rows = np.unique(indices)
    if rows.size == 0:
        return
    w = weight.array[rows]
    norms = np.linalg.norm(w, ord=norm_type, axis=1) if w.ndim == 2 else np.abs(w)
    over = norms > max_norm
    if not over.any():
        return
    scale = (max_norm / (norms[over] + 1e-7)).astype(w.dtype)
    with no_grad():
        weight[Tensor.from_array(rows[over])] = Tensor.from_array(w[over] * scale[:, None])


@_embedding.expose
def embedding(
    input: TensorLike,
    weight: TensorLike,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: ``out[...] = weight[input[...]]``.

    Parameters
    ----------
    input : int Tensor
        Indices in ``[0, num_embeddings)``, any shape.
    weight : Tensor
        ``(num_embeddings, embedding_dim)``.
    padding_idx : int, optional
        A row that receives no gradient (negative values count from the end). The lookup
        itself still returns that row.
    max_norm : float, optional
        Before the lookup, each looked-up row whose ``norm_type``-norm exceeds
        ``max_norm`` is rescaled in place in ``weight`` to norm ``max_norm`` (as PyTorch:
        the weight tensor itself changes).
    norm_type : float, default 2.0
    scale_grad_by_freq, sparse : bool, default False
        Not supported: only False is accepted.

    Returns
    -------
    Tensor
        ``(*input.shape, embedding_dim)``. Gradients of repeated indices add up.

    Shapes
    ------
    input (*), weight (V, D) -> output (*, D)

    Examples
    --------
    >>> import autograd_np as ag
    >>> import autograd_np.nn.functional as F
    >>> w = ag.tensor([[0.0, 1.0], [2.0, 3.0]], requires_grad=True)
    >>> F.embedding(ag.tensor([1, 1, 0]), w).sum().backward()
    >>> w.grad
    tensor([[1., 1.],
           [2., 2.]])
    """
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    idx = _indices("embedding", input)
    if w.ndim != 2:
        raise ValueError(
            f"embedding: weight must have shape (num_embeddings, embedding_dim), got {w.shape}"
        )
    v = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= v):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(
            f"embedding: index {bad} is out of range for a weight with {v} rows "
            f"(expected 0 <= index < {v})"
        )
    if padding_idx is not None:
        if not -v <= padding_idx < v:
            raise ValueError(
                f"embedding: padding_idx {padding_idx} must be within num_embeddings ({v})"
            )
        padding_idx = int(padding_idx) % v
    if scale_grad_by_freq or sparse:
        raise ValueError("embedding: scale_grad_by_freq and sparse gradients are not supported")
    if max_norm is not None:
        _embedding_renorm_(w, idx, float(max_norm), float(norm_type))
    return _embedding(w, indices=idx, padding_idx=padding_idx)
