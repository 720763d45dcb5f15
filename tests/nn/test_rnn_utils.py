"""Variable-length sequences (``nn.utils.rnn``): packing and padding worked out by hand,
round trips, gradients through them, and the recurrent layers on packed input against
each sequence run on its own."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn as nn
from autograd_np.nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)
from autograd_np.testing import gradcheck


def test_pack_padded_sequence_by_hand():
    # (T=3, B=3): lengths 2, 3, 1 -> sorted order 1, 0, 2
    x = ag.tensor([[1.0, 10.0, 100.0], [2.0, 20.0, 0.0], [0.0, 30.0, 0.0]])
    packed = pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
    assert packed.data.tolist() == [10.0, 1.0, 100.0, 20.0, 2.0, 30.0]
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [1, 0, 2]
    assert packed.unsorted_indices.tolist() == [1, 0, 2]
    assert packed.batch_sizes.dtype == np.int64
    bf = pack_padded_sequence(x.T, [2, 3, 1], batch_first=True, enforce_sorted=False)
    assert bf.data.tolist() == packed.data.tolist()


def test_pack_requires_sorted_lengths_unless_told_otherwise():
    x = ag.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_padded_sequence(x, [1, 3])
    assert pack_padded_sequence(x, [3, 1]).sorted_indices is None
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(x, [3, 0])
    with pytest.raises(ValueError, match="expected 2 lengths"):
        pack_padded_sequence(x, [3])


def test_pad_packed_sequence_restores_the_padded_batch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 2))
    lengths = [2, 4, 3]
    for i, n in enumerate(lengths):
        x[n:, i] = 0.0
    for batch_first in (False, True):
        xin = x.transpose(1, 0, 2) if batch_first else x
        packed = pack_padded_sequence(ag.tensor(xin), lengths, batch_first, enforce_sorted=False)
        padded, lens = pad_packed_sequence(packed, batch_first=batch_first)
        np.testing.assert_array_equal(padded.array, xin)
        assert lens.tolist() == lengths
    padded, _ = pad_packed_sequence(packed, padding_value=-1.0, total_length=6)
    assert padded.shape == (6, 3, 2)
    assert padded.array[4:].min() == padded.array[4:].max() == -1.0
    assert (padded.array[2:, 0] == -1.0).all()
    with pytest.raises(ValueError, match="total_length to be at least"):
        pad_packed_sequence(packed, total_length=3)


def test_pad_sequence_sides_and_values():
    a, b = ag.tensor([1.0, 2.0, 3.0]), ag.tensor([4.0])
    assert pad_sequence([a, b]).tolist() == [[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]]
    assert pad_sequence([a, b], batch_first=True, padding_value=-1.0).tolist() == [
        [1.0, 2.0, 3.0],
        [4.0, -1.0, -1.0],
    ]
    assert pad_sequence([a, b], batch_first=True, padding_side="left").tolist() == [
        [1.0, 2.0, 3.0],
        [0.0, 0.0, 4.0],
    ]
    with pytest.raises(ValueError, match="every sequence must have shape"):
        pad_sequence([ag.zeros(2, 3), ag.zeros(2, 4)])


def test_pack_sequence_and_unpack_sequence_round_trip():
    seqs = [ag.tensor(np.arange(n * 2.0).reshape(n, 2)) for n in (2, 5, 1)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1, 1]
    for got, want in zip(unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(got.array, want.array)
    padded = pad_sequence(seqs, batch_first=True)
    for got, want in zip(unpad_sequence(padded, [2, 5, 1], batch_first=True), seqs):
        np.testing.assert_array_equal(got.array, want.array)
    assert invert_permutation(ag.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert isinstance(packed, tuple) and len(packed) == 4
    rebuilt = PackedSequence(packed.data, [3, 2, 1, 1, 1], packed.sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == [1, 0, 2]
    assert packed.double().data.dtype == np.float64


def test_gradients_flow_through_packing_and_padding():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 2))

    def fn(x):
        packed = pack_padded_sequence(x, [2, 4, 3], enforce_sorted=False)
        return pad_packed_sequence(packed, padding_value=0.5)[0] * 2.0

    assert gradcheck(fn, [x])
    seqs = [rng.standard_normal((n, 2)) for n in (3, 1)]
    assert gradcheck(lambda a, b: pad_sequence([a, b], padding_side="left"), seqs)


@pytest.mark.parametrize("kind", ["LSTM", "LSTM_proj", "GRU", "RNN"])
@pytest.mark.parametrize("bidir", [False, True])
def test_packed_input_equals_each_sequence_on_its_own(kind, bidir):
    name, _, extra = kind.partition("_")
    kwargs = {"proj_size": 2} if extra else {}
    m = getattr(nn, name)(3, 4, 2, bidirectional=bidir, dtype=np.float64, generator=0, **kwargs)
    lstm = name == "LSTM"
    dirs = 2 if bidir else 1
    rng = np.random.default_rng(2)
    lengths = [3, 5, 1, 5]
    seqs = [rng.standard_normal((n, 3)) for n in lengths]
    h0 = rng.standard_normal((2 * dirs, 4, m.proj_size or 4))
    c0 = rng.standard_normal((2 * dirs, 4, 4))
    packed = pack_sequence([ag.tensor(s) for s in seqs], enforce_sorted=False)
    hx = (ag.tensor(h0), ag.tensor(c0)) if lstm else ag.tensor(h0)
    out, state = m(packed, hx)
    assert isinstance(out, PackedSequence)
    assert out.batch_sizes.tolist() == packed.batch_sizes.tolist()
    padded, lens = pad_packed_sequence(out, batch_first=True)
    assert lens.tolist() == lengths
    for b, s in enumerate(seqs):
        hx_b = (ag.tensor(h0[:, b]), ag.tensor(c0[:, b])) if lstm else ag.tensor(h0[:, b])
        out_b, state_b = m(ag.tensor(s), hx_b)  # unbatched: this sequence alone
        np.testing.assert_allclose(padded.array[b, : lengths[b]], out_b.array, atol=1e-12)
        assert (padded.array[b, lengths[b] :] == 0).all()
        pairs = zip(state, state_b) if lstm else [(state, state_b)]
        for s_all, s_one in pairs:
            np.testing.assert_allclose(s_all.array[:, b], s_one.array, atol=1e-12)


def test_gradcheck_through_a_packed_lstm():
    m = nn.LSTM(2, 3, bidirectional=True, dtype=np.float64, generator=0)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 3, 2))

    def fn(x):
        packed = pack_padded_sequence(x, [2, 3, 1], enforce_sorted=False)
        out, (h, c) = m(packed)
        return pad_packed_sequence(out)[0], h, c

    assert gradcheck(fn, [x])
