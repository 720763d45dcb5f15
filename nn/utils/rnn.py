"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``.

A batch of sequences of different lengths is either *padded*, a ``(T, B, *)`` tensor
(``(B, T, *)`` with ``batch_first``) whose tails are filler, or *packed*: a
:class:`PackedSequence` whose ``data`` holds, step after step, the entries of the sequences
still running at that step, longest sequences first. ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``
accept a PackedSequence and then return one; they never compute on the filler.

Each conversion is one gather (one node of the graph), so gradients flow through packing
and unpacking.

Examples
--------
>>> import autograd_np as ag
>>> from autograd_np.nn.utils.rnn import pack_sequence, pad_packed_sequence
>>> packed = pack_sequence([ag.ones(3, 2), ag.ones(1, 2)], enforce_sorted=False)
>>> packed.batch_sizes.tolist()
[2, 1, 1]
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded.shape, lengths.tolist()
((2, 3, 2), [3, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from autograd_np.creation import as_tensor
from autograd_np.ops import concatenate, getitem, reshape, swapaxes
from autograd_np.tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


def _ints(values: Any, what: str) -> np.ndarray:
    arr = values.array if isinstance(values, Tensor) else np.asarray(values)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise TypeError(f"{what} must be a 1-D sequence of integers, got {arr.dtype} {arr.shape}")
    return arr.astype(np.int64)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``0..n-1`` (None stays None)."""
    if permutation is None:
        return None
    perm = _ints(permutation, "permutation")
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=np.int64)
    return Tensor.from_array(inverse)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of sequences of different lengths, packed step by step.

    Build it with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.

    Attributes
    ----------
    data : Tensor
        ``(N, *)``: the entries of step 0 of every sequence, then those of step 1 of the
        sequences at least 2 long, and so on (``N`` is the sum of the lengths).
    batch_sizes : Tensor
        ``(T,)`` int64: how many sequences run at each step (non-increasing).
    sorted_indices : Tensor or None
        int64: ``sorted_indices[j]`` is the position, in the original batch, of the
        ``j``-th longest sequence (None when the batch was already sorted).
    unsorted_indices : Tensor or None
        The inverse permutation, which restores the original order.
    """

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | Sequence[int],
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ) -> PackedSequence:
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        sizes = Tensor.from_array(_ints(batch_sizes, "batch_sizes"))
        return super().__new__(cls, data, sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same sequence with ``data.to(*args, **kwargs)`` (a dtype or ``"cpu"``)."""
        return type(self)(self.data.to(*args, **kwargs), *self[1:])

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(np.float32)

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(np.float64)

    def cpu(self) -> PackedSequence:
        """``self``: the CPU is the only device."""
        return self

    @property
    def is_cuda(self) -> bool:
        """False: the CPU is the only device."""
        return False


def _check_lengths(lengths: np.ndarray, total: int) -> None:
    if lengths.size == 0:
        raise ValueError("pack_padded_sequence: expected at least one sequence, got no lengths")
    if lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            f"that is <= 0 (lengths {lengths.tolist()})"
        )
    if lengths.max() > total:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(lengths.max())} exceeds the {total} steps "
            "of the padded input"
        )


def pack_padded_sequence(
    input: Tensor,
    lengths: Tensor | Sequence[int] | np.ndarray,
    batch_first: bool = False,
    enforce_sorted: bool = True,
) -> PackedSequence:
    """Pack a padded batch of sequences.

    Parameters
    ----------
    input : Tensor
        ``(T, B, *)``, or ``(B, T, *)`` with ``batch_first``.
    lengths : sequence of int or int64 Tensor
        The length of each of the ``B`` sequences.
    batch_first : bool, default False
        Whether ``input`` is batch-major.
    enforce_sorted : bool, default True
        Require the lengths in non-increasing order; with False any order is accepted
        (the sequences are sorted, and the permutation kept in the result).

    Returns
    -------
    PackedSequence

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.nn.utils.rnn import pack_padded_sequence
    >>> x = ag.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 0.0]])  # (T=3, B=2), lengths 3 and 2
    >>> pack_padded_sequence(x, [3, 2]).data.tolist()
    [1.0, 4.0, 2.0, 5.0, 3.0]
    """
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"pack_padded_sequence: expected a (T, B, *) input, got shape {x.shape}")
    lens = _ints(lengths, "lengths")
    n_steps, batch = (x.shape[1], x.shape[0]) if batch_first else (x.shape[0], x.shape[1])
    if lens.size != batch:
        raise ValueError(
            f"pack_padded_sequence: expected {batch} lengths (one per sequence), got {lens.size}"
        )
    _check_lengths(lens, n_steps)
    sorted_indices = None
    order = np.arange(batch)
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = Tensor.from_array(order.astype(np.int64))
        lens = lens[order]
    batch_sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(axis=1)
    # the row of (t, j) in the flattened input, for the j < batch_sizes[t] running sequences
    t_idx = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    j_idx = np.concatenate([order[:b] for b in batch_sizes])
    rows = j_idx * n_steps + t_idx if batch_first else t_idx * batch + j_idx
    flat = reshape(x, (n_steps * batch, *x.shape[2:]))  # (T, B, *) -> (T*B, *)
    data = getitem(flat, rows)
    return PackedSequence(data, batch_sizes, sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch, in the original order.

    Parameters
    ----------
    sequence : PackedSequence
    batch_first : bool, default False
        Return ``(B, T, *)`` instead of ``(T, B, *)``.
    padding_value : float, default 0.0
        The filler after the end of each sequence.
    total_length : int, optional
        Pad to this many steps (at least the longest length) instead of the longest length.

    Returns
    -------
    (Tensor, Tensor)
        The padded batch and the int64 lengths of its sequences.
    """
    data, sizes_t, _, unsorted = sequence
    sizes = _ints(sizes_t, "batch_sizes")
    n_steps, batch = sizes.size, int(sizes[0])
    if total_length is not None:
        if total_length < n_steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{n_steps}"
            )
        n_steps = int(total_length)
    perm = np.arange(batch) if unsorted is None else _ints(unsorted, "unsorted_indices")
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n = int(offsets[-1])
    # output (t, b) reads packed column perm[b] of step t, or the filler row n
    t_idx = np.arange(n_steps)[:, None]
    running = np.zeros((n_steps, batch), dtype=bool)
    running[: sizes.size] = perm[None, :] < sizes[:, None]
    start = np.zeros(n_steps, dtype=np.int64)
    start[: sizes.size] = offsets[:-1]
    rows = np.where(running, start[t_idx] + perm[None, :], n)
    fill = Tensor.from_array(np.full((1, *data.shape[1:]), padding_value, dtype=data.dtype))
    padded = getitem(concatenate([data, fill], axis=0), rows.T if batch_first else rows)
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)[perm]
    return padded, Tensor.from_array(lengths.astype(np.int64))


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of different lengths, padding each to the longest.

    Parameters
    ----------
    sequences : sequence of Tensor
        Each ``(L_i, *)``, with the same trailing shape.
    batch_first : bool, default False
        Return ``(B, T, *)`` instead of ``(T, B, *)``.
    padding_value : float, default 0.0
    padding_side : {'right', 'left'}, default 'right'
        Where the filler goes.

    Returns
    -------
    Tensor
        ``(T, B, *)`` (or ``(B, T, *)``), ``T`` the longest length.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.nn.utils.rnn import pad_sequence
    >>> pad_sequence([ag.ones(2), ag.ones(1)], batch_first=True).tolist()
    [[1.0, 1.0], [1.0, 0.0]]
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    seqs = [as_tensor(s) for s in sequences]
    if not seqs:
        raise ValueError("pad_sequence: expected a non-empty sequence of tensors")
    trailing = seqs[0].shape[1:]
    for s in seqs:
        if s.ndim == 0 or s.shape[1:] != trailing:
            raise ValueError(
                f"pad_sequence: every sequence must have shape (L, *{trailing}); got {s.shape}"
            )
    lens = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    n_steps, batch = int(lens.max()), len(seqs)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    n = int(lens.sum())
    t_idx = np.arange(n_steps)[None, :]  # (B, T) layout, transposed below if needed
    shift = (n_steps - lens)[:, None] if padding_side == "left" else np.zeros((batch, 1), int)
    pos = t_idx - shift
    rows = np.where((pos >= 0) & (pos < lens[:, None]), starts[:, None] + pos, n)
    dtype = seqs[0].dtype
    fill = Tensor.from_array(np.full((1, *trailing), padding_value, dtype=dtype))
    flat = concatenate([*seqs, fill], axis=0)
    return getitem(flat, rows if batch_first else rows.T)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (longest first unless ``enforce_sorted=False``)."""
    lengths = [as_tensor(s).shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Tensor | Sequence[int], batch_first: bool = False
) -> list[Tensor]:
    """Split a padded batch back into its sequences (the inverse of :func:`pad_sequence`)."""
    x = padded_sequences if batch_first else swapaxes(padded_sequences, 0, 1)
    lens = _ints(lengths, "lengths")
    return [getitem(x, (b, slice(0, int(n)))) for b, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The sequences of a PackedSequence, in the original order, as a list."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
