"""Indexing beyond the generic registry checks: getitem gradients with repeated indices,
boolean masks, mixed basic and advanced keys, negative steps; the flat-position scatter-add
against ``np.add.at``; PyTorch's gather and index_select, numpy's take_along_axis; errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.ops.indexing import _index_add_into_zeros, _scatter_add
from autograd_np.testing import gradcheck, gradgradcheck

A = np.arange(12, dtype=np.float64).reshape(3, 4)
B = np.arange(60, dtype=np.float64).reshape(3, 4, 5) / 10


def _grad(fn, value, cotangent=None):
    """The gradient of ``<fn(x), cotangent>`` (ones by default) with respect to ``x``."""
    x = ag.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)
    out = fn(x)
    g = np.ones(out.shape) if cotangent is None else np.asarray(cotangent, dtype=np.float64)
    out.backward(g)
    return x.grad.numpy()


def _add_at(shape, key, g):
    out = np.zeros(shape)
    np.add.at(out, key, g)
    return out


# ---------------------------------------------------------------------- getitem gradients
def test_repeated_indices_add_up_exactly():
    x = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(_grad(lambda t: t[[0, 0, 2, 0]], x), [3, 0, 1])
    np.testing.assert_array_equal(_grad(lambda t: t[[0, 0, 2, 0]], x, [1, 2, 3, 4]), [7, 0, 3])
    np.testing.assert_array_equal(_grad(lambda t: t[[-1, 2, -3]], x), [1, 0, 2])  # -1 is 2
    np.testing.assert_array_equal(_grad(lambda t: t[np.array([[1, 1], [1, 0]])], x), [1, 3, 0])
    # rows of a matrix, columns, and element pairs
    np.testing.assert_array_equal(
        _grad(lambda t: t[[0, 2, 0]], A), [[2, 2, 2, 2], [0, 0, 0, 0], [1, 1, 1, 1]]
    )
    np.testing.assert_array_equal(
        _grad(lambda t: t[:, [1, 1, 3]], A), [[0, 2, 0, 1], [0, 2, 0, 1], [0, 2, 0, 1]]
    )
    expected = np.zeros((3, 4))
    expected[0, 1] = 2 + 5
    expected[2, 3] = 3
    np.testing.assert_array_equal(
        _grad(lambda t: t[[0, 2, 0], [1, 3, 1]], A, [2.0, 3.0, 5.0]), expected
    )


def test_repeated_index_tensor_and_broadcast_index_arrays():
    idx = ag.tensor([2, 2, 0])
    np.testing.assert_array_equal(_grad(lambda t: t[idx], [5.0, 6.0, 7.0]), [1, 0, 2])
    rows = np.array([[0], [0]])  # broadcast against the columns: (0, 1) twice, (0, 3) twice
    g = _grad(lambda t: t[rows, [1, 3]], A)
    expected = np.zeros((3, 4))
    expected[0, [1, 3]] = 2
    np.testing.assert_array_equal(g, expected)


def test_boolean_masks_and_their_gradients():
    mask = A > 5
    x = ag.tensor(A, requires_grad=True)
    y = x[mask]
    np.testing.assert_array_equal(y.detach().numpy(), A[mask])
    y.backward(np.arange(1.0, y.shape[0] + 1))
    expected = np.zeros_like(A)
    expected[mask] = np.arange(1.0, y.shape[0] + 1)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    rows = ag.tensor([True, False, True])  # a mask tensor on the first axis
    np.testing.assert_array_equal(_grad(lambda t: t[rows], A), [[1] * 4, [0] * 4, [1] * 4])
    np.testing.assert_array_equal(_grad(lambda t: t[[True, False, True], 1:3], A)[1], [0] * 4)
    # a mask combined with an integer array selects pairs
    got = _grad(lambda t: t[np.array([True, False, True]), [1, 1]], A)
    np.testing.assert_array_equal(got, _add_at((3, 4), (np.array([0, 2]), [1, 1]), 1.0))
    assert x[A > 100].shape == (0,)


def test_negative_steps_and_basic_keys():
    g = np.arange(6.0)
    np.testing.assert_array_equal(_grad(lambda t: t[::-2], np.zeros(12), g)[::-2], g)
    assert _grad(lambda t: t[::-2], np.zeros(12))[::2].sum() == 0
    got = _grad(lambda t: t[::-1, 1::2], A, np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(got, [[0, 4, 0, 5], [0, 2, 0, 3], [0, 0, 0, 1]])
    np.testing.assert_array_equal(
        _grad(lambda t: t[1, None, ..., -1], A), np.eye(3, 4, 3)[[1, 0, 2]]
    )


MIXED_KEYS = [
    (slice(1, None), [0, 0]),  # slice then array (adjacent)
    (slice(None, None, -1), [2, 0, 2]),  # negative step with an array
    (Ellipsis, [3, 3]),
    (None, [1, 1]),
    ([0, 2, 2], slice(None), 0),  # advanced indices split by a slice: their axes go first
    ([0, 2, 2], slice(None), [4, 4, 1]),
    (1, [0, 3, 3]),  # an int next to an array counts as advanced
    (slice(None), 2, [1, 1, 4]),
    ([[0, 1]], [[2], [2]], slice(1, 3)),
    (np.array([True, False, True]), slice(None), [0, 0]),
    (-1, Ellipsis, [-1, -1]),
]


@pytest.mark.parametrize("key", MIXED_KEYS, ids=[str(i) for i in range(len(MIXED_KEYS))])
def test_mixed_keys_forward_and_gradient_match_numpy(key):
    npkey = tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
    x = ag.tensor(B, requires_grad=True)
    y = x[key]
    np.testing.assert_array_equal(y.detach().numpy(), B[npkey])
    g = np.random.default_rng(0).standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_allclose(x.grad.numpy(), _add_at(B.shape, npkey, g), atol=1e-12)


def test_getitem_second_order_with_repeats():
    idx = np.array([1, 1, 0, 2, 1])
    assert gradgradcheck(lambda t: t[idx] * t[idx[::-1]], [np.linspace(-1, 1, 3)])
    assert gradgradcheck(lambda t: (t * t)[:, [0, 0, 3]][::-1], [A / 10])


def test_index_arrays_are_copied_when_recorded():
    idx = np.array([0, 0, 1])
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[idx]
    idx[:] = 2  # changing the caller's array after the forward must not change the backward
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2, 1, 0])


def test_getitem_errors_name_the_op_and_shape():
    x = ag.zeros((2, 3))
    with pytest.raises(IndexError, match=r"^getitem: index 5 is out of bounds .*\(tensor of shape"):
        x[5]
    with pytest.raises(IndexError, match=r"^getitem: .*shape \(2, 3\)"):
        x[:, [0, 3]]


# ---------------------------------------------------------------------- the scatter-adds
SCATTER_KEYS = [
    (np.array([2, 0, 2, -1]),),  # leading array: the fast path
    (slice(None), np.array([3, 3, 0])),
    (slice(None), np.array([[1, 1], [0, 2]]), np.array([4, 4])),  # two adjacent arrays
    (0, np.array([3, 3])),
    (np.array([[0], [2], [2]]), np.array([1, 1, 1])),
    (np.array([2, 2]), slice(None), np.array([0, 0])),  # split: add.at fallback
    (Ellipsis, np.array([1, 1])),  # fallback
    np.array([True, False, True]),  # a mask: plain assignment
    (slice(1, None, -1), 1),  # basic
]


@pytest.mark.parametrize("key", SCATTER_KEYS, ids=[str(i) for i in range(len(SCATTER_KEYS))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_index_add_into_zeros_matches_np_add_at(key, dtype):
    g = np.random.default_rng(1).standard_normal(B[key].shape).astype(dtype)
    got = _index_add_into_zeros.forward(g, key=key, shape=B.shape)
    assert got.dtype == dtype and got.shape == B.shape
    np.testing.assert_allclose(got, _add_at(B.shape, key, g.astype(np.float64)), rtol=1e-6)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_scatter_add_matches_np_add_at(dim):
    rng = np.random.default_rng(2)
    ishape = [2, 3, 2]
    ishape[dim] = 7
    index = rng.integers(0, B.shape[dim], ishape)
    src = rng.standard_normal(ishape)
    mesh = list(np.indices(ishape, sparse=True))
    mesh[dim] = index
    got = _scatter_add.forward(src, dim=dim, index=index, shape=B.shape)
    np.testing.assert_allclose(got, _add_at(B.shape, tuple(mesh), src), atol=1e-12)


# ---------------------------------------------------------------------- gather & co
def _gather_loops(x, dim, index):
    """PyTorch's definition of gather, element by element."""
    out = np.empty(index.shape)
    for pos in np.ndindex(*index.shape):
        src = list(pos)
        src[dim] = index[pos]
        out[pos] = x[tuple(src)]
    return out


def test_gather_follows_pytorch_with_a_smaller_index():
    rng = np.random.default_rng(3)
    for dim in (0, 1, 2, -1):
        ishape = [2, 3, 4]
        ishape[dim] = 6
        index = rng.integers(0, B.shape[dim], ishape)
        got = ag.gather(ag.tensor(B), dim, index)
        np.testing.assert_array_equal(got.numpy(), _gather_loops(B, dim % 3, index))
    x = ag.tensor(A)
    assert x.gather(1, ag.tensor([[0, 0], [3, 1]])).tolist() == [[0, 0], [7, 5]]


def test_gather_gradient_with_repeats_and_second_order():
    index = np.array([[0, 0, 0], [2, 1, 2]])
    got = _grad(lambda t: ag.gather(t, 1, index), A, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    np.testing.assert_array_equal(got, [[6, 0, 0, 0], [0, 5, 10, 0], [0, 0, 0, 0]])
    assert gradcheck(lambda t: ag.gather(t * t, 0, index.T[:, :2]), [A / 10])
    assert gradgradcheck(lambda t: ag.gather(t * t, 1, index), [A / 10])


def test_take_along_axis_follows_numpy():
    rng = np.random.default_rng(4)
    idx = rng.integers(-4, 4, (3, 6))
    np.testing.assert_array_equal(
        ag.take_along_axis(ag.tensor(A), idx, axis=1).numpy(), np.take_along_axis(A, idx, 1)
    )
    # broadcasting outside the axis, both ways
    col = A[:, :1]
    idx1 = np.array([[0, 0, 0]])
    np.testing.assert_array_equal(
        ag.take_along_axis(ag.tensor(col), np.zeros((3, 2), int), 1).numpy(),
        np.take_along_axis(col, np.zeros((3, 2), int), 1),
    )
    np.testing.assert_array_equal(
        ag.take_along_axis(ag.tensor(A), idx1, 1).numpy(), np.take_along_axis(A, idx1, 1)
    )
    flat = np.array([11, -1, 0])
    np.testing.assert_array_equal(
        ag.take_along_axis(ag.tensor(A), flat, None).numpy(), np.take_along_axis(A, flat, None)
    )
    # a broadcast input gets the sum of the gradients of its copies
    got = _grad(lambda t: ag.take_along_axis(t, np.zeros((3, 2), int), 1), col)
    np.testing.assert_array_equal(got, [[2.0], [2.0], [2.0]])


def test_index_select_follows_pytorch():
    x = ag.tensor(A)
    np.testing.assert_array_equal(ag.index_select(x, 1, [3, 0, 3]).numpy(), A[:, [3, 0, 3]])
    assert x.index_select(0, ag.tensor(2)).shape == (1, 4)  # a 0-d index keeps the dim
    got = _grad(lambda t: ag.index_select(t, -1, np.array([3, 0, 3])), A)
    np.testing.assert_array_equal(got, np.tile([1.0, 0.0, 0.0, 2.0], (3, 1)))


def test_index_errors():
    x = ag.zeros((3, 4))
    with pytest.raises(
        IndexError, match="gather: index 5 is out of range for dimension 1 with size 4"
    ):
        ag.gather(x, 1, [[0, 5]])
    with pytest.raises(IndexError, match="gather: index -1 is out of range for dimension 0"):
        ag.gather(x, 0, [[-1]])
    with pytest.raises(ValueError, match=r"gather: index must have as many dimensions"):
        ag.gather(x, 1, [0, 1])
    with pytest.raises(ValueError, match=r"gather: index of shape \(4, 1\) is larger than"):
        ag.gather(x, 1, np.zeros((4, 1), int))
    with pytest.raises(IndexError, match="gather: dim 2 is out of range for 2 dimensions"):
        ag.gather(x, 2, [[0]])
    with pytest.raises(TypeError, match="gather: index must hold integers"):
        ag.gather(x, 1, [[0.5]])
    with pytest.raises(IndexError, match="index_select: index 3 is out of range for dimension 0"):
        ag.index_select(x, 0, [0, 3])
    with pytest.raises(ValueError, match="index_select: index must be 0-d or 1-D"):
        ag.index_select(x, 0, [[0]])
    with pytest.raises(IndexError, match="take_along_axis: index -5 is out of range"):
        ag.take_along_axis(x, np.array([[-5]]), 1)
    with pytest.raises(ValueError, match=r"take_along_axis: x of shape .* do not broadcast"):
        ag.take_along_axis(x, np.zeros((2, 1), int), 1)
