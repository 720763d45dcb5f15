"""one_hot and embedding: values, padding_idx, repeated indices, both scatter-add paths,
second order, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F


def test_one_hot_values_and_dtype():
    out = F.one_hot(ag.tensor([[0, 2], [1, 1]]), 4)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4) and not out.requires_grad
    np.testing.assert_array_equal(out.array[0], [[1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(F.one_hot(ag.tensor([0, 2])).array, np.eye(3, dtype=int)[[0, 2]])
    np.testing.assert_array_equal(F.one_hot(ag.tensor(1), 3).array, [0, 1, 0])


def test_one_hot_errors():
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative"):
        F.one_hot(ag.tensor([0, -1]))
    with pytest.raises(ValueError, match="one_hot: class values must be smaller than num_class"):
        F.one_hot(ag.tensor([0, 3]), 3)
    with pytest.raises(TypeError, match="one_hot: indices must have an integer dtype"):
        F.one_hot(ag.tensor([0.0, 1.0]))


def _embedding_grad(idx, v, d, padding_idx=None):
    rng = np.random.default_rng(0)
    w = ag.Tensor(rng.standard_normal((v, d)), requires_grad=True)
    g = rng.standard_normal((*np.shape(idx), d))
    out = F.embedding(np.asarray(idx), w, padding_idx=padding_idx)
    np.testing.assert_array_equal(out.array, w.array[np.asarray(idx)])
    (gw,) = ag.grad(out, [w], grad_outputs=ag.Tensor(g))
    expected = np.zeros((v, d))
    np.add.at(expected, np.asarray(idx), g)
    if padding_idx is not None:
        expected[padding_idx] = 0
    return gw.array, expected


@pytest.mark.parametrize("v", [5, 300])
def test_embedding_repeated_indices_add_up(v):
    idx = np.array([[1, 3, 1], [4, 1, 0]])
    got, expected = _embedding_grad(idx, v, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got[1].tolist() == pytest.approx(expected[1].tolist())  # three contributions


@pytest.mark.parametrize("v", [5, 300])
def test_embedding_padding_idx_gets_no_gradient(v):
    idx = np.array([0, 2, 2, 4, 0])
    got, expected = _embedding_grad(idx, v, 2, padding_idx=2)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_array_equal(got[2], 0.0)
    got_neg, _ = _embedding_grad(idx, 5, 2, padding_idx=-1)  # row 4, counted from the end
    np.testing.assert_array_equal(got_neg[4], 0.0)
    assert np.abs(got_neg[0]).sum() > 0
    w = ag.Tensor(np.arange(10.0).reshape(5, 2))
    np.testing.assert_array_equal(F.embedding(np.array([2]), w, padding_idx=2).array, [[4.0, 5.0]])


def test_embedding_long_and_short_runs_match_add_at():
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 1000, (64, 20))
    idx[:, :10] = 3  # one long run (summed by reduceat) beside many short ones
    idx[:5, 10] = 999  # a run of 5 at the last row of the table
    w = ag.Tensor(rng.standard_normal((1000, 8)).astype(np.float32), requires_grad=True)
    g = rng.standard_normal((64, 20, 8)).astype(np.float32)
    (gw,) = ag.grad(F.embedding(idx, w), [w], grad_outputs=ag.Tensor(g))
    expected = np.zeros((1000, 8), dtype=np.float32)
    np.add.at(expected, idx, g)
    assert gw.dtype == np.float32
    np.testing.assert_allclose(gw.array, expected, rtol=1e-5, atol=1e-4)
    ends = np.r_[np.full(20, 5), np.zeros(3, dtype=np.int64)]  # the long run sorts last
    (g_last,) = ag.grad(F.embedding(ends, w).sum(), [w])
    np.testing.assert_allclose(g_last.array[[0, 5]], [[3.0] * 8, [20.0] * 8])
    assert np.abs(g_last.array).sum() == 23 * 8


def test_embedding_second_order():
    w = ag.Tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    idx = np.array([1, 1, 3])
    (gw,) = ag.grad((F.embedding(idx, w) ** 2).sum(), [w], create_graph=True)
    np.testing.assert_allclose(gw.array, [[0, 0], [8, 12], [0, 0], [12, 14]])
    (ggw,) = ag.grad(gw.sum(), [w])
    np.testing.assert_allclose(ggw.array, [[0, 0], [4, 4], [0, 0], [2, 2]])
    (gw_pad,) = ag.grad((F.embedding(idx, w, padding_idx=1) ** 2).sum(), [w], create_graph=True)
    (gg_pad,) = ag.grad(gw_pad.sum(), [w])
    np.testing.assert_allclose(gg_pad.array, [[0, 0], [0, 0], [0, 0], [2, 2]])


def test_embedding_errors():
    w = ag.Tensor(np.ones((3, 2)))
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range .* 3 rows"):
        F.embedding(np.array([0, 5]), w)
    with pytest.raises(IndexError, match="embedding: index -1 is out of range"):
        F.embedding(np.array([-1]), w)
    with pytest.raises(ValueError, match=r"padding_idx 3 must be within num_embeddings \(3\)"):
        F.embedding(np.array([0]), w, padding_idx=3)
    with pytest.raises(TypeError, match="embedding: indices must have an integer dtype"):
        F.embedding(np.array([0.0]), w)
    with pytest.raises(ValueError, match="embedding: weight must have shape"):
        F.embedding(np.array([0]), ag.Tensor(np.ones(3)))
