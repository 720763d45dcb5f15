"""The Tensor itself: dtypes, attributes, conversions, operators, indexing, errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import Tensor


# ---------------------------------------------------------------------- dtypes on creation
def test_python_floats_and_lists_become_float32():
    assert ag.tensor(1.5).dtype == np.float32
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor([1, 2.5]).dtype == np.float32  # one float is enough
    assert Tensor(1.5).dtype == np.float32
    assert Tensor([[1.0], [2.0]]).dtype == np.float32


def test_python_ints_become_int64_and_bools_bool():
    assert ag.tensor(3).dtype == np.int64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_


def test_numpy_arrays_and_scalars_keep_their_dtype():
    a = np.arange(3, dtype=np.float64)
    assert ag.tensor(a).dtype == np.float64
    assert ag.tensor(np.float64(1.5)).dtype == np.float64
    assert ag.tensor(np.arange(3, dtype=np.int32)).dtype == np.int32
    assert ag.tensor(a, dtype=np.float32).dtype == np.float32


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3)
    shared = ag.from_numpy(a)
    copied = ag.tensor(a)
    a[0] = 7.0
    assert shared.array[0] == 7.0
    assert copied.array[0] == 0.0
    assert shared.dtype == np.float64
    with pytest.raises(TypeError, match=r"from_numpy expects an np.ndarray"):
        ag.from_numpy([1.0])


def test_lists_of_tensors_are_stacked_with_their_dtype_and_without_graph():
    a = ag.tensor(1.0, requires_grad=True)
    b = a * 2
    t = ag.tensor([a, b])
    assert t.tolist() == [1.0, 2.0]
    assert t.dtype == np.float32
    assert not t.requires_grad and t.is_leaf
    rows = ag.tensor(
        [ag.tensor([1.0, 2.0], dtype=np.float64), ag.tensor([3.0, 4.0], dtype=np.float64)]
    )
    assert rows.dtype == np.float64  # not forced to float32
    assert rows.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ag.tensor([np.float64(1.0), 2.0]).dtype == np.float64
    assert ag.tensor([ag.tensor(1), ag.tensor(2)]).dtype == np.int64


def test_unsupported_data_raises_a_clear_error():
    with pytest.raises(TypeError, match="cannot make a tensor from"):
        ag.tensor(["a", "b"])


# ---------------------------------------------------------------------- requires_grad
def test_int_tensors_never_require_grad():
    with pytest.raises(RuntimeError, match="only floating-point tensors can require gradients"):
        ag.tensor([1, 2], requires_grad=True)
    i = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="got dtype int64"):
        i.requires_grad_()
    with pytest.raises(RuntimeError, match="only floating-point"):
        i.requires_grad = True
    assert not i.requires_grad


def test_int_outputs_of_ops_on_tensors_that_require_grad_do_not_require_grad():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    assert not (x > 0).requires_grad
    assert (x > 0).dtype == np.bool_
    assert not x.astype(np.int64).requires_grad


def test_leaf_and_non_leaf_attributes():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    assert not y.is_leaf and y.requires_grad
    assert repr(y.grad_fn) == "<MultiplyBackward>"
    c = ag.tensor([1.0])
    assert c.is_leaf and not c.requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.requires_grad_(False)
    x.requires_grad_(False)
    assert not x.requires_grad


def test_repr_shows_grad_fn_and_requires_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x + 1) == "tensor([2., 3.], grad_fn=<AddBackward>)"
    assert repr(ag.tensor([1.0], dtype=np.float64)) == "tensor([1.], dtype=float64)"
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"


# ---------------------------------------------------------------------- shape and conversions
def test_shape_accessors():
    x = ag.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert x.ndim == 3 and x.dim() == 3
    assert x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24
    assert len(x) == 2
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_item_numpy_tolist():
    assert ag.tensor([2.5]).item() == 2.5
    assert isinstance(ag.tensor(3).item(), int)
    with pytest.raises(ValueError, match="one element"):
        ag.tensor([1.0, 2.0]).item()
    x = ag.tensor([1.0, 2.0])
    assert x.numpy() is x.array
    assert x.tolist() == [1.0, 2.0]
    assert float(ag.tensor(1.5)) == 1.5 and int(ag.tensor(3)) == 3
    r = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        r.numpy()
    assert r.detach().numpy().tolist() == [1.0]
    assert r.item() == 1.0  # item() is fine on tensors that require grad


def test_array_protocol():
    x = ag.tensor([1.0, 2.0])
    assert np.asarray(x) is x.array
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.array(x, copy=True) is not x.array
    with pytest.raises(ValueError, match="needs a copy"):
        x.__array__(np.float64, copy=False)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(ag.tensor([1.0], requires_grad=True))


def test_detach_shares_values_and_version_but_not_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    assert d.array is y.array
    d.add_(1)  # allowed: d does not require grad
    assert y.tolist() == [4.0, 7.0]
    assert y._version == 1


def test_clone_copies_and_stays_in_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.array is not x.array and c.tolist() == [1.0, 2.0]
    (c * ag.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_astype_float_double_and_their_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    d = x.double()
    assert d.dtype == np.float64 and d.requires_grad
    assert x.float() is x  # already float32
    (d * d).sum().backward()
    assert x.grad.dtype == np.float32
    assert x.grad.tolist() == [2.0, 4.0]
    assert x.astype(np.float16).dtype == np.float16
    assert x.long().dtype == np.int64 and x.int().dtype == np.int32 and x.bool().dtype == np.bool_


def test_grad_assignment_is_checked():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ag.tensor([0.5, 0.5])
    assert x.grad.tolist() == [0.5, 0.5]
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        x.grad = ag.zeros(3)
    with pytest.raises(RuntimeError, match="dtype float64"):
        x.grad = ag.zeros(2, dtype=np.float64)
    with pytest.raises(TypeError, match="must be a Tensor"):
        x.grad = np.zeros(2, dtype=np.float32)


# ---------------------------------------------------------------------- operators
def test_arithmetic_operators_with_broadcasting_and_their_gradients():
    a = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    b = ag.tensor([2.0, 4.0, 8.0], requires_grad=True)
    y = (a + b) * (a - b) / b
    expected = (a.array + b.array) * (a.array - b.array) / b.array
    np.testing.assert_allclose(y.array, expected, rtol=1e-6)
    y.sum().backward()
    # d/da [(a^2 - b^2) / b] = 2a / b; d/db = -a^2 / b^2 - 1, summed over the broadcast rows
    np.testing.assert_allclose(a.grad.array, 2 * a.array / b.array, rtol=1e-6)
    np.testing.assert_allclose(
        b.grad.array, (-(a.array**2) / b.array**2 - 1).sum(axis=0), rtol=1e-6
    )
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,)


def test_power_matmul_neg_abs():
    x = ag.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    w = ag.tensor([[1.0], [2.0]], requires_grad=True)
    y = ((x**2) @ w).sum() + (-x).sum() + abs(x).sum()
    # sum(x^2 @ w) + sum(-x) + sum(|x|)
    assert y.item() == pytest.approx((1 + 8) + (9 + 32) - 6 + 10)
    y.backward()
    # d/dx = 2x * w^T - 1 + sign(x)
    expected = 2 * x.array * w.array.T - 1 + np.sign(x.array)
    np.testing.assert_allclose(x.grad.array, expected)
    np.testing.assert_allclose(w.grad.array, (x.array**2).sum(axis=0)[:, None])


def test_reflected_operators_with_scalars_and_arrays():
    x = ag.tensor([1.0, 2.0, 4.0])
    assert (2 + x).tolist() == [3.0, 4.0, 6.0]
    assert (2 - x).tolist() == [1.0, 0.0, -2.0]
    assert (2 * x).tolist() == [2.0, 4.0, 8.0]
    assert (8 / x).tolist() == [8.0, 4.0, 2.0]
    assert (2**x).tolist() == [2.0, 4.0, 16.0]
    arr = np.array([1.0, 1.0, 1.0], dtype=np.float32)
    r = arr + x  # numpy defers to the Tensor
    assert isinstance(r, Tensor) and r.tolist() == [2.0, 3.0, 5.0]
    assert isinstance(arr * x, Tensor)
    m = np.eye(3, dtype=np.float32)
    assert isinstance(m @ x, Tensor) and (m @ x).tolist() == [1.0, 2.0, 4.0]


def test_scalars_keep_float32_and_arrays_keep_their_dtype():
    x = ag.ones(2)
    assert (x * 2.0).dtype == np.float32
    assert (x * np.float64(2.0)).dtype == np.float32  # numpy scalars are weak, as in PyTorch
    assert (x * np.sqrt(2.0)).dtype == np.float32
    assert (x * 3).dtype == np.float32
    assert (x * np.ones(2)).dtype == np.float64  # a float64 array promotes, as in numpy
    assert (ag.ones(2, dtype=np.float64) * 2.0).dtype == np.float64


def test_comparisons_are_bool_and_not_differentiable():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r, want in [
        (x > 2, [False, False, True]),
        (x >= 2, [False, True, True]),
        (x < 2, [True, False, False]),
        (x <= 2, [True, True, False]),
        (x == 2, [False, True, False]),
        (x != 2, [True, False, True]),
        (2 < x, [False, False, True]),  # noqa: SIM300 (the reflected form)
    ]:
        assert r.dtype == np.bool_ and not r.requires_grad
        assert r.tolist() == want
    assert (~(x > 2)).tolist() == [True, True, False]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]


def test_equality_with_non_numeric_objects_falls_back_to_identity():
    x = ag.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711
    assert (x != "text") is True
    assert x in [None, "a", x]


def test_membership_in_lists_compares_values_documented_behaviour():
    x = ag.tensor([1.0, 2.0])
    y = ag.tensor([1.0, 2.0])
    assert x in [x, y]  # identity first
    with pytest.raises(RuntimeError, match="ambiguous"):
        _ = x in [y]  # another multi-element tensor: the elementwise == is ambiguous
    assert ag.tensor(1.0) in [ag.tensor(1.0)]  # one element: compared by value, as in PyTorch
    assert not any(t is x for t in [y])  # the identity lookup the docstring recommends
    assert {x: 1, y: 2}[y] == 2  # hashing is by identity


def test_truth_value():
    assert bool(ag.tensor([1.0]))
    assert not bool(ag.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ag.tensor([1.0, 2.0]))


# ---------------------------------------------------------------------- indexing
def test_basic_indexing_and_gradient():
    x = ag.tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4), requires_grad=True)
    y = x[1:, ::2]
    assert y.tolist() == [[4.0, 6.0], [8.0, 10.0]]
    (y * ag.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[1:, ::2] = [[1.0, 2.0], [3.0, 4.0]]
    np.testing.assert_array_equal(x.grad.array, expected)
    assert x[2, -1].item() == 11.0
    assert x[None, 0].shape == (1, 4) and x[..., 0].shape == (3,)


def test_advanced_indexing_scatters_repeated_indices():
    x = ag.tensor([10.0, 20.0, 30.0], requires_grad=True)
    y = x[[0, 2, 0, 0]]
    assert y.tolist() == [10.0, 30.0, 10.0, 10.0]
    (y * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [8.0, 0.0, 2.0]  # 1 + 3 + 4 at index 0


def test_integer_tensor_and_2d_advanced_indices():
    x = ag.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), requires_grad=True)
    rows = ag.tensor([1, 1, 0])
    cols = ag.tensor([2, 2, 0])
    y = x[rows, cols]
    assert y.tolist() == [5.0, 5.0, 0.0]
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]


def test_boolean_indexing_and_gradient():
    x = ag.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    mask = x > 0
    y = x[mask]
    assert y.tolist() == [1.0, 3.0]
    (y * y).sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 6.0, 0.0]


def test_indexing_errors_name_the_op_and_shape():
    x = ag.zeros(3)
    with pytest.raises(IndexError, match=r"getitem: .*shape \(3,\)"):
        x[5]


# ---------------------------------------------------------------------- shape methods
def test_transpose_two_ints_swaps_like_pytorch():
    x = ag.zeros(2, 3, 4)
    assert x.transpose(0, 2).shape == (4, 3, 2)  # swap, not a permutation
    assert x.transpose(np.int64(0), np.int64(1)).shape == (3, 2, 4)
    assert x.transpose().shape == (4, 3, 2)  # no argument: reverse (numpy)
    assert x.transpose((2, 0, 1)).shape == (4, 2, 3)  # a tuple: permutation (numpy)
    assert x.transpose(1, 2, 0).shape == (3, 4, 2)
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    m = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert m.transpose(0, 1).tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_iteration_yields_rows():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="0-d"):
        iter(ag.tensor(1.0)).__next__()


# ---------------------------------------------------------------------- errors at the call
def test_errors_name_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        ag.ones(3, 4) @ ag.ones(5, 2)
    with pytest.raises(ValueError, match=r"^add: .*\(3, 4\).*\(5, 2\)"):
        ag.ones(3, 4) + ag.ones(5, 2)
    with pytest.raises(ValueError, match=r"^multiply: .*\(2,\).*\(3,\)"):
        ag.ones(2, requires_grad=True) * ag.ones(3)


def test_error_types_are_preserved():
    class Odd(ValueError):
        pass

    @ag.primitive("test_odd_error", register=False)
    def odd(x):
        raise Odd("bad value")

    with pytest.raises(Odd, match=r"^test_odd_error: bad value \(inputs: float32 \(1,\)\)"):
        odd(ag.ones(1))
