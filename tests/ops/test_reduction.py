"""Reductions beyond the generic registry checks: PyTorch argument spellings, tie rules,
``prod`` with zeros (first and second order), ``logsumexp`` stability, variance
corrections, norm orders, ``max``/``min`` along a dim, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.ops.cumulative import _scan, _scan_ref
from autograd_np.testing import gradcheck, gradgradcheck

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1.3


def _grad(fn, value, dtype=np.float64):
    """The gradient of ``fn(x).sum()`` (its first output when it returns a tuple)."""
    x = ag.tensor(np.asarray(value, dtype=dtype), requires_grad=True)
    out = fn(x)
    if isinstance(out, tuple):
        out = out[0]
    out.sum().backward()
    return x.grad.numpy()


# ---------------------------------------------------------------------- argument spellings
@pytest.mark.parametrize(
    "name", ["sum", "mean", "prod", "var", "std", "amax", "amin", "logsumexp", "norm"]
)
def test_dim_and_keepdim_spellings_match_axis_and_keepdims(name):
    fn = getattr(ag, name)
    x = ag.tensor(X)
    for axis in (1, (0, 2), -1, None):
        for keep in (False, True):
            a = fn(x, axis=axis, keepdims=keep)
            b = fn(x, dim=axis, keepdim=keep)
            c = getattr(x, name)(dim=axis, keepdim=keep)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            np.testing.assert_array_equal(a.numpy(), c.numpy())


@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
def test_single_dim_spellings(name):
    x = ag.tensor(X)
    a = getattr(ag, name)(x, 1, True)
    b = getattr(ag, name)(x, dim=1, keepdim=True)
    c = getattr(x, name)(dim=1, keepdim=True)
    for u, v in ((a, b), (a, c)):
        for p, q in zip(u if isinstance(u, tuple) else (u,), v if isinstance(v, tuple) else (v,)):
            np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_cumulative_spellings_and_flattening():
    x = ag.tensor(X)
    np.testing.assert_allclose(ag.cumsum(x, dim=2).numpy(), np.cumsum(X, axis=2))
    np.testing.assert_allclose(x.cumsum(dim=-1).numpy(), np.cumsum(X, axis=-1))
    np.testing.assert_allclose(ag.cumsum(x).numpy(), np.cumsum(X))  # None flattens
    np.testing.assert_allclose(ag.cumprod(x, dim=1).numpy(), np.cumprod(X, axis=1))
    np.testing.assert_allclose(ag.cumprod(x).numpy(), np.cumprod(X))
    np.testing.assert_allclose(ag.cumsum(ag.tensor(2.5), 0).numpy(), 2.5)
    assert ag.cumsum(ag.tensor([1, 2], dtype=np.int32)).dtype == np.int64
    assert ag.cumsum(ag.tensor([1.0, 2.0])).dtype == np.float32


@pytest.mark.parametrize(
    "call",
    [
        lambda x: ag.sum(x, axis=0, dim=1),
        lambda x: ag.prod(x, 0, dim=1),
        lambda x: ag.var(x, axis=0, dim=0),
        lambda x: ag.max(x, 0, dim=1),
        lambda x: ag.argmax(x, 0, dim=1),
        lambda x: ag.logsumexp(x, 0, dim=1),
        lambda x: ag.norm(x, None, 0, dim=1),
        lambda x: ag.cumsum(x, 0, dim=1),
    ],
)
def test_axis_and_dim_together_raise(call):
    with pytest.raises(TypeError, match=r"^\w+: got both axis=0 and dim=\d"):
        call(ag.tensor(X))


@pytest.mark.parametrize(
    "name", ["sum", "mean", "prod", "var", "std", "amax", "max", "argmax", "logsumexp", "norm"]
)
def test_bad_axis_names_the_op_and_the_ndim(name):
    with pytest.raises(ValueError, match=rf"^{name}: axis 3 is out of range for a tensor with 3 "):
        getattr(ag, name)(ag.tensor(X), axis=3)


def test_cumsum_bad_axis_and_bad_axis_types():
    with pytest.raises(ValueError, match=r"^cumsum: axis -4 is out of range for a tensor with 3"):
        ag.cumsum(ag.tensor(X), -4)
    with pytest.raises(TypeError, match=r"^sum: axis must be an int"):
        ag.sum(ag.tensor(X), axis=1.0)
    with pytest.raises(ValueError, match=r"^sum: repeated axis"):
        ag.sum(ag.tensor(X), axis=(1, -2))
    with pytest.raises(TypeError, match=r"^max: dim must be an int or None"):
        ag.max(ag.tensor(X), (0, 1))


def test_zero_d_tensors_accept_axis_0_and_minus_1():
    s = ag.tensor(3.0, requires_grad=True)
    assert ag.sum(s, 0).item() == 3.0
    assert ag.amax(s, dim=-1).item() == 3.0
    values, indices = ag.max(s, 0)
    assert values.item() == 3.0 and indices.item() == 0
    assert ag.argmax(s).item() == 0
    ag.prod(s, 0).backward()
    assert s.grad.item() == 1.0


def test_empty_reductions():
    e = ag.zeros((2, 0))
    np.testing.assert_array_equal(ag.sum(e, 1).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(ag.prod(e, 1).numpy(), [1.0, 1.0])
    assert np.isnan(ag.mean(e).item())
    np.testing.assert_array_equal(ag.logsumexp(e, 1).numpy(), [-np.inf, -np.inf])
    with pytest.raises(ValueError, match=r"^amax: cannot reduce over a zero-length axis"):
        ag.amax(e)
    with pytest.raises(ValueError, match=r"^max: cannot reduce over a zero-length axis"):
        ag.max(e, 1)


# ---------------------------------------------------------------------- ties
def test_amax_and_amin_split_ties_evenly():
    np.testing.assert_array_equal(_grad(ag.amax, [1.0, 3.0, 3.0]), [0.0, 0.5, 0.5])
    np.testing.assert_array_equal(_grad(ag.amin, [1.0, 1.0, 3.0]), [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(_grad(lambda t: ag.amax(t, axis=(0, 1)), np.ones((2, 2))), 0.25)
    x = [[1.0, 4.0, 4.0], [2.0, 2.0, 2.0]]
    np.testing.assert_allclose(
        _grad(lambda t: ag.amax(t, dim=1), x), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]
    )


def test_max_without_dim_splits_ties_like_amax():
    x = [[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]
    np.testing.assert_array_equal(_grad(ag.max, x), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_array_equal(_grad(lambda t: t.max(), x), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_array_equal(_grad(ag.min, x), [[0.5, 0, 0], [0, 0, 0.5]])


def test_max_along_dim_sends_the_gradient_to_the_returned_index_only():
    x = [[1.0, 3.0, 3.0], [2.0, 2.0, 1.0]]
    values, indices = ag.max(ag.tensor(x), dim=1)
    np.testing.assert_array_equal(indices.numpy(), [1, 0])  # first occurrence, as PyTorch
    np.testing.assert_array_equal(values.numpy(), [3.0, 2.0])
    np.testing.assert_array_equal(_grad(lambda t: t.max(dim=1), x), [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(_grad(lambda t: t.min(1), x), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(
        _grad(lambda t: ag.max(t, 0, keepdims=True), x), [[0, 1, 1], [1, 0, 0]]
    )


def test_max_along_dim_returns_a_namedtuple():
    x = ag.tensor(X, requires_grad=True)
    result = x.max(dim=2, keepdim=True)
    assert isinstance(result, ag.ValuesIndices)
    assert result.values.shape == (2, 3, 1) and result.indices.shape == (2, 3, 1)
    assert result.indices.dtype == np.int64
    assert not result.indices.requires_grad and result.values.requires_grad
    values, indices = ag.min(x, -1)
    np.testing.assert_array_equal(values.array, X.min(-1))
    np.testing.assert_array_equal(indices.numpy(), X.argmin(-1))
    np.testing.assert_array_equal(
        np.take_along_axis(X, result.indices.numpy(), 2), result.values.array
    )
    gradgradcheck(lambda t: ag.max(t, 1)[0] ** 2, [X])


def test_max_and_min_with_a_tensor_are_elementwise():
    x, y = ag.tensor([1.0, 5.0]), ag.tensor([3.0, 2.0])
    np.testing.assert_array_equal(ag.max(x, y).numpy(), [3.0, 5.0])
    np.testing.assert_array_equal(x.min(y).numpy(), [1.0, 2.0])


def test_argmax_and_argmin():
    x = ag.tensor(X, requires_grad=True)
    for fn, ref in ((ag.argmax, np.argmax), (ag.argmin, np.argmin)):
        out = fn(x)
        assert out.dtype == np.int64 and out.shape == () and not out.requires_grad
        assert out.item() == ref(X)
        np.testing.assert_array_equal(fn(x, 1).numpy(), ref(X, 1))
        assert fn(x, dim=1, keepdim=True).shape == (2, 1, 4)
        assert fn(x, keepdims=True).shape == (1, 1, 1)  # None with keepdims, as PyTorch
    assert ag.argmax(ag.tensor([1.0, 3.0, 3.0])).item() == 1


# ---------------------------------------------------------------------- prod with zeros
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
        ([0.0, 2.0, 0.0], [0.0, 0.0, 0.0]),
        ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
        ([-1.5, 2.0, 4.0], [8.0, -6.0, -3.0]),
    ],
)
def test_prod_gradient_with_zeros(value, expected):
    np.testing.assert_array_equal(_grad(ag.prod, value), expected)


@pytest.mark.parametrize(
    "value",
    [
        [2.0, 0.0, 3.0],
        [0.0, 0.0, 3.0],
        [0.0, 0.0, 0.0],
        [[1.5, 0.0], [0.0, -2.0], [3.0, 0.5]],
        [[0.0, 2.0, 1.0], [3.0, 0.0, -1.0]],
    ],
)
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_prod_with_zeros_is_twice_differentiable(value, axis):
    x = np.array(value)
    gradcheck(lambda t: ag.prod(t, axis), [x])
    gradgradcheck(lambda t: ag.prod(t, axis), [x])


def test_prod_hessian_at_zeros_matches_the_polynomial():
    x = ag.tensor([0.0, 0.0, 3.0], requires_grad=True)
    (g,) = ag.grad(ag.prod(x), x, create_graph=True)
    np.testing.assert_array_equal(g.array, [0.0, 0.0, 0.0])
    rows = [ag.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(3)]
    np.testing.assert_array_equal(np.stack(rows), [[0, 3, 0], [3, 0, 0], [0, 0, 0]])


def test_cumprod_with_zeros_first_and_second_order():
    x = np.array([[2.0, 0.0, 3.0, -1.0], [0.0, 0.0, 1.5, 2.0]])
    gradcheck(lambda t: ag.cumprod(t, 1), [x])
    gradgradcheck(lambda t: ag.cumprod(t, 1), [x])
    g = _grad(lambda t: ag.cumprod(t, 1), x[:1])
    # d/dx_j sum_i prod_{k<=i} x_k; with x = [2, 0, 3, -1] only the first two terms move
    np.testing.assert_array_equal(g, [[1.0, 2.0 + 6.0 - 6.0, 0.0, 0.0]])


def test_linear_recurrence_on_a_long_axis_matches_the_loop():
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1.2, 1.2, (3, 37)), rng.standard_normal((3, 37))
    for reverse in (False, True):
        out = _scan(ag.tensor(a), ag.tensor(b), axis=1, reverse=reverse)
        np.testing.assert_allclose(out.numpy(), _scan_ref(a, b, 1, reverse), rtol=1e-10)


def test_prod_over_several_axes_and_dtype():
    x = np.array([[[1.5, 0.0], [2.0, -1.0]], [[0.5, 3.0], [0.0, 0.0]]])
    gradgradcheck(lambda t: ag.prod(t, axis=(0, 2)), [x])
    gradgradcheck(lambda t: ag.prod(t, axis=(0, 1), keepdims=True), [x])
    assert ag.prod(ag.tensor([1.0, 2.0])).dtype == np.float32
    assert ag.prod(ag.tensor([1, 2], dtype=np.int32)).dtype == np.int64


# ---------------------------------------------------------------------- logsumexp
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logsumexp_is_stable_for_large_inputs(dtype):
    x = ag.tensor(np.array([1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    out = ag.logsumexp(x)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.item(), 1e4 + math.log(2), rtol=1e-6)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.5, 0.0], atol=1e-7)


def test_logsumexp_with_minus_infinity():
    x = ag.tensor([[-np.inf, 0.0, math.log(3.0)], [-np.inf, -np.inf, -np.inf]], requires_grad=True)
    out = ag.logsumexp(x, dim=1)
    np.testing.assert_allclose(out.array, [math.log(4.0), -np.inf])
    out[0].backward()
    np.testing.assert_allclose(x.grad.numpy()[0], [0.0, 0.25, 0.75])
    assert ag.logsumexp(ag.tensor([np.inf, 0.0])).item() == np.inf


def test_logsumexp_gradient_is_softmax_and_twice_differentiable():
    g = _grad(lambda t: ag.logsumexp(t, 1, keepdims=True), X[0])
    e = np.exp(X[0] - X[0].max(1, keepdims=True))
    np.testing.assert_allclose(g, e / e.sum(1, keepdims=True), rtol=1e-12)
    gradgradcheck(lambda t: ag.logsumexp(t, (0, 2)), [X])


# ---------------------------------------------------------------------- var and std
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_var_and_std_corrections_match_numpy_ddof(correction, axis):
    x = ag.tensor(X)
    want_var = np.var(X, axis=axis, ddof=correction)
    np.testing.assert_allclose(ag.var(x, axis, correction=correction).numpy(), want_var)
    np.testing.assert_allclose(ag.var(x, axis, ddof=correction).numpy(), want_var)
    np.testing.assert_allclose(x.std(dim=axis, correction=correction).numpy(), np.sqrt(want_var))
    np.testing.assert_allclose(ag.std(x, axis, ddof=correction).numpy(), np.sqrt(want_var))
    gradgradcheck(lambda t: ag.std(t, axis, correction=correction), [X])


def test_var_defaults_to_bessels_correction_like_pytorch():
    x = ag.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(ag.var(x).item(), np.var([1, 2, 4], ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std().item(), np.std([1, 2, 4], ddof=1), rtol=1e-6)
    np.testing.assert_allclose(ag.var(x, unbiased=False).item(), np.var([1, 2, 4]), rtol=1e-6)
    assert ag.var(x).dtype == np.float32
    with pytest.raises(TypeError, match=r"^var: not supported for int64"):
        ag.var(ag.tensor([1, 2, 4]))  # as PyTorch: std and var take floating tensors only
    with pytest.raises(TypeError, match=r"^var: pass at most one of correction, ddof"):
        ag.var(x, correction=1, ddof=1)


def test_var_without_degrees_of_freedom_is_nan_or_inf():
    with np.errstate(invalid="ignore"):
        assert np.isnan(ag.var(ag.tensor([2.0])).item())
        assert ag.var(ag.tensor([1.0, 2.0]), correction=2).item() == np.inf


def test_std_of_a_constant_slice_has_zero_gradient():
    np.testing.assert_array_equal(_grad(ag.std, [2.0, 2.0, 2.0]), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(
        _grad(lambda t: ag.std(t, 1), [[1.0, 1.0], [0.0, 2.0]])[0], [0, 0]
    )


# ---------------------------------------------------------------------- norms
@pytest.mark.parametrize("ord", [None, 2, 1, np.inf, -np.inf, 0, 0.5, 3, 4.5])
def test_vector_norm_orders_match_numpy(ord):
    v = np.array([0.5, -2.0, 1.25, 0.0, -0.75])
    np.testing.assert_allclose(ag.norm(ag.tensor(v), ord).numpy(), np.linalg.norm(v, ord))
    np.testing.assert_allclose(ag.tensor(v).norm(p=ord).numpy(), np.linalg.norm(v, ord))
    m = X.reshape(6, 4)
    np.testing.assert_allclose(
        ag.norm(ag.tensor(m), ord, axis=1, keepdims=True).numpy(),
        np.linalg.norm(m, ord, axis=1, keepdims=True),
    )


def test_norm_over_several_axes_is_the_norm_of_the_flattened_slice():
    x = ag.tensor(X)
    flat = X.transpose(1, 0, 2).reshape(3, 8)
    for ord in (None, 1, 3, np.inf):
        np.testing.assert_allclose(
            ag.norm(x, ord, dim=(0, 2)).numpy(), np.linalg.norm(flat, ord, axis=1)
        )
    np.testing.assert_allclose(ag.norm(ag.tensor(X[0]), "fro").numpy(), np.linalg.norm(X[0], "fro"))
    np.testing.assert_allclose(ag.norm(x).numpy(), np.linalg.norm(X.ravel()))


@pytest.mark.parametrize("ord", [None, 1, 3, 0.5, np.inf])
def test_norm_gradient_at_the_zero_vector_is_zero_not_nan(ord):
    g = _grad(lambda t: ag.norm(t, ord), np.zeros(3))
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_norm_gradients_at_zero_entries_and_ties():
    v = [3.0, 0.0, -4.0]
    np.testing.assert_allclose(_grad(ag.norm, v), [0.6, 0.0, -0.8])
    np.testing.assert_array_equal(_grad(lambda t: ag.norm(t, 1), v), [1.0, 0.0, -1.0])
    np.testing.assert_array_equal(_grad(lambda t: ag.norm(t, 0.5), [0.0, 1.0])[0], 0.0)
    np.testing.assert_array_equal(
        _grad(lambda t: ag.norm(t, np.inf), [1.0, -3.0, 3.0]), [0, -0.5, 0.5]
    )
    np.testing.assert_array_equal(
        _grad(lambda t: ag.norm(t, -np.inf), [1.0, -1.0, 3.0]), [0.5, -0.5, 0]
    )
    gradgradcheck(lambda t: ag.norm(t, 3, 1), [X[0]])
    gradgradcheck(lambda t: ag.norm(t, dim=(0, 1)), [X[0]])


def test_norm_orders_that_are_not_supported_raise():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"^norm: ord='nuc' is not supported"):
        ag.norm(x, "nuc")
    with pytest.raises(ValueError, match=r"^norm: ord must be >= 0"):
        ag.norm(x, -1)
    with pytest.raises(TypeError, match=r"^norm: got both ord and p"):
        ag.norm(x, 2, p=2)
    assert not ag.norm(ag.tensor([1.0, 0.0], requires_grad=True), 0).requires_grad


def test_float32_is_preserved_by_float_reductions():
    x = ag.tensor(X.astype(np.float32), requires_grad=True)
    for out in (
        ag.mean(x),
        ag.var(x, 1),
        ag.std(x),
        ag.logsumexp(x, 2),
        ag.norm(x),
        ag.norm(x, 3),
        ag.prod(x, 0),
        ag.cumprod(x, 1),
        ag.max(x, 1).values,
    ):
        assert out.dtype == np.float32
        (g,) = ag.grad(out.sum(), x)
        assert g.dtype == np.float32
