"""nn.utils: gradient clipping by norm and by value, and parameters <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from autograd_np.optim import SGD


def params_with_grads(grads, dtype=np.float32):
    out = []
    for g in grads:
        p = ag.zeros(np.shape(g), dtype=dtype, requires_grad=True)
        if g is not None:
            p.grad = ag.tensor(np.asarray(g, dtype=dtype))
        out.append(p)
    return out


GRADS = [[3.0, -4.0], [0.5, 12.0, -1.5]]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, 0.5, math.inf, -math.inf])
def test_total_norm_is_the_norm_of_all_gradients_concatenated(norm_type):
    ps = params_with_grads(GRADS, np.float64)
    flat = np.concatenate([np.ravel(g) for g in GRADS])
    expected = np.linalg.norm(flat, ord=norm_type)
    total = clip_grad_norm_(ps, max_norm=1e9, norm_type=norm_type)
    assert float(total) == pytest.approx(expected, rel=1e-12)
    assert float(get_total_norm([p.grad for p in ps], norm_type)) == pytest.approx(expected)


def test_zero_norm_counts_like_pytorch():
    # PyTorch takes the norm of the per-tensor norms, so order 0 counts the tensors with a
    # nonzero gradient (torch gives 2.0 here), not the nonzero entries.
    assert float(get_total_norm([p.grad for p in params_with_grads(GRADS)], 0)) == 2.0


@pytest.mark.parametrize(
    ("max_norm", "norm_type", "total", "clipped"),
    [  # from torch.nn.utils.clip_grad_norm_ on float32 gradients
        (5.0, 2.0, 13.09580135345459,
         [[1.1454051733016968, -1.5272068977355957],
          [0.19090086221694946, 4.581620693206787, -0.5727025866508484]]),
        (2.0, math.inf, 12.0,
         [[0.4999999701976776, -0.6666666269302368],
          [0.0833333283662796, 1.9999998807907104, -0.2499999850988388]]),
        (100.0, 1.0, 21.0, GRADS),
        (3.0, 3.0, 12.21488094329834,
         [[0.7368061542510986, -0.9824082255363464],
          [0.1228010281920433, 2.9472246170043945, -0.3684030771255493]]),
    ],
)  # fmt: skip
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type, total, clipped):
    ps = params_with_grads(GRADS)
    result = clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    assert isinstance(result, ag.Tensor) and result.shape == () and result.dtype == np.float32
    assert float(result) == pytest.approx(total, rel=1e-6)
    for p, expected in zip(ps, clipped):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.array, expected, rtol=1e-6)


def test_clip_grad_norm_scales_by_max_norm_over_total_plus_1e_6():
    ps = params_with_grads(GRADS, np.float64)
    clip_grad_norm_(ps, 1.0)
    total = math.sqrt(9 + 16 + 0.25 + 144 + 2.25)
    coef = 1.0 / (total + 1e-6)
    for p, g in zip(ps, GRADS):
        np.testing.assert_allclose(p.grad.array, np.array(g) * coef, rtol=1e-14)
    assert math.sqrt(sum(float((p.grad.array**2).sum()) for p in ps)) < 1.0


def test_gradients_under_the_limit_are_unchanged_and_modified_in_place():
    ps = params_with_grads(GRADS)
    grads = [p.grad for p in ps]
    arrays = [g.array for g in grads]
    versions = [g._version for g in grads]
    clip_grad_norm_(ps, 100.0)
    for p, g, arr, v, expected in zip(ps, grads, arrays, versions, GRADS):
        assert p.grad is g and g.array is arr and g._version == v + 1
        np.testing.assert_array_equal(arr, np.array(expected, np.float32))


def test_parameters_without_gradients_are_skipped_and_a_single_tensor_works():
    with_grad, without = params_with_grads([[3.0, 4.0], None])
    total = clip_grad_norm_((p for p in [with_grad, without]), 1.0)  # a generator works
    assert float(total) == pytest.approx(5.0)
    assert without.grad is None
    p = params_with_grads([[6.0, 8.0]])[0]
    clip_grad_norm_(p, 5.0)
    np.testing.assert_allclose(p.grad.array, [3.0, 4.0], rtol=1e-6)


def test_no_gradients_give_a_zero_norm():
    total = clip_grad_norm_(params_with_grads([None, None]), 1.0)
    assert float(total) == 0.0 and total.dtype == np.float32


def test_non_finite_norm():
    ps = params_with_grads([[1.0, np.inf], [2.0]])
    with pytest.raises(RuntimeError, match=r"clip_grad_norm_: the total norm of order 2\.0"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(ps[1].grad.array, [2.0])  # left unchanged
    total = clip_grad_norm_(ps, 1.0)
    assert math.isinf(float(total))
    np.testing.assert_array_equal(ps[1].grad.array, [0.0])  # scaled by 1 / inf
    ps = params_with_grads([[1.0, np.nan]])
    clip_grad_norm_(ps, 1.0)
    assert np.isnan(ps[0].grad.array).all()  # NaN spreads, as in PyTorch


def test_clip_grads_with_norm_uses_the_given_norm():
    ps = params_with_grads(GRADS, np.float64)
    clip_grads_with_norm_(ps, 1.0, 2.0)
    np.testing.assert_allclose(ps[0].grad.array, np.array(GRADS[0]) / (2.0 + 1e-6), rtol=1e-14)


def test_non_tensors_are_rejected():
    with pytest.raises(TypeError, match=r"clip_grad_norm_: expected Tensors, got ndarray"):
        clip_grad_norm_([np.zeros(2)], 1.0)


def test_clip_grad_value_clamps_in_place():
    ps = params_with_grads([[3.0, -4.0, 0.5], None])
    arr = ps[0].grad.array
    assert clip_grad_value_(ps, 1.0) is None
    assert ps[0].grad.array is arr
    np.testing.assert_array_equal(arr, np.array([1.0, -1.0, 0.5], np.float32))
    assert arr.dtype == np.float32 and ps[1].grad is None


def test_clipping_then_stepping_trains_as_usual():
    w = ag.tensor([3.0, 4.0], requires_grad=True)
    (w * w).sum().backward()  # gradient [6, 8], norm 10
    clip_grad_norm_([w], 1.0)
    SGD([w], lr=1.0).step()
    np.testing.assert_allclose(w.array, [3.0 - 0.6, 4.0 - 0.8], rtol=1e-5)


# ---------------------------------------------------------------------- vectors
def test_parameters_to_vector_and_back():
    a = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ag.tensor(np.array([10.0, 20.0]), requires_grad=True)
    vec = parameters_to_vector([a, b])
    np.testing.assert_array_equal(vec.array, [0, 1, 2, 3, 4, 5, 10, 20])
    (vec * ag.tensor(np.arange(8.0))).sum().backward()  # differentiable
    np.testing.assert_array_equal(a.grad.array, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.grad.array, [6.0, 7.0])

    arr_a = a.array
    version = a._version
    vector_to_parameters(ag.tensor(np.arange(8.0) * -1), [a, b])
    assert a.array is arr_a and a._version == version + 1  # in place, never rebound
    np.testing.assert_array_equal(a.array, -np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.array, [-6.0, -7.0])


def test_vector_errors():
    a = ag.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="the vector has 2 elements but the parameters have 3"):
        vector_to_parameters(ag.zeros(2), [a])
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        vector_to_parameters(np.zeros(3), [a])
    with pytest.raises(ValueError, match="expected a 1-d vector"):
        vector_to_parameters(ag.zeros((3, 1)), [a])
    with pytest.raises(ValueError, match="got no parameters"):
        parameters_to_vector([])
