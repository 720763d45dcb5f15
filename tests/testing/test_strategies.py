"""The hypothesis strategies respect shapes, dtypes, bounds, uniqueness, avoided points and
broadcastability."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
from autograd_np.testing.strategies import (
    HypothesisSampler,
    arrays,
    broadcastable_shapes,
    broadcastable_tensors,
    fill_ints,
    fill_values,
    shapes,
    tensors,
)


def _min_gap(values: np.ndarray) -> float:
    v = np.sort(values.reshape(-1))
    return float(np.diff(v).min()) if v.size > 1 else np.inf


@given(shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
def test_shapes_respect_their_limits(shape):
    assert 1 <= len(shape) <= 3
    assert all(2 <= n <= 5 for n in shape)


@given(arrays((4, 5), low=-0.5, high=1.5))
def test_arrays_respect_shape_and_bounds(a):
    assert a.shape == (4, 5) and a.dtype == np.float64
    assert a.min() >= -0.5 and a.max() <= 1.5


@given(arrays(shapes(max_side=6), low=0.0, high=1.0, unique=True))
def test_unique_values_are_well_apart(a):
    assert a.min() >= 0.0 and a.max() <= 1.0
    assert _min_gap(a) >= 0.4 * 1.0 / a.size - 1e-12


@given(arrays((6, 6), low=-2.0, high=2.0, avoid=(0.0, 1.0), margin=0.1))
def test_avoided_points_are_kept_at_a_distance(a):
    assert np.abs(a - 0.0).min() >= 0.1 - 1e-12
    assert np.abs(a - 1.0).min() >= 0.1 - 1e-12
    assert a.min() >= -2.0 and a.max() <= 2.0


@given(arrays((5, 5), low=-1.0, high=1.0, unique=True, avoid=(0.0, 0.5), margin=0.2))
def test_unique_and_avoid_hold_together(a):
    assert np.abs(a).min() >= 0.2 - 1e-12
    assert np.abs(a - 0.5).min() >= 0.2 - 1e-12
    allowed = 2.0 - 0.4 - 0.4  # [-1, 1] minus two gaps of width 0.4
    assert _min_gap(a) >= 0.4 * allowed / a.size - 1e-12
    assert a.min() >= -1.0 and a.max() <= 1.0


@given(arrays((3,), dtype=st.sampled_from([np.float32, np.float64])))
def test_dtype_may_be_a_strategy(a):
    assert a.dtype in (np.float32, np.float64)


@given(arrays((10,), dtype=np.int64, low=-5.5, high=5.5, unique=True))
def test_integer_arrays(a):
    assert a.dtype == np.int64
    assert a.min() >= -5 and a.max() <= 5
    assert len(set(a.tolist())) == 10


@given(arrays((4,), dtype=np.bool_))
def test_bool_arrays(a):
    assert a.dtype == np.bool_ and a.shape == (4,)


@given(tensors((2, 3), dtype=np.float32, low=1.0, high=2.0, requires_grad=True))
def test_tensors(t):
    assert isinstance(t, ag.Tensor)
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad
    assert t.array.min() >= 1.0 and t.array.max() <= 2.0


@given(tensors((2,), dtype=np.int64, low=0, high=5, requires_grad=True))
def test_int_tensors_never_require_grad(t):
    assert t.dtype == np.int64 and not t.requires_grad


@given(broadcastable_shapes(3, min_dims=1, max_dims=3, max_side=4))
def test_broadcastable_shapes_broadcast(group):
    assert len(group) == 3
    np.broadcast_shapes(*group)  # raises if they do not


@given(
    broadcastable_tensors(2, dtype=np.float64, low=-1.0, high=1.0, avoid=(0.0,), requires_grad=True)
)
def test_broadcastable_tensor_groups(group):
    a, b = group
    out = a * b  # broadcasts
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)
    assert a.requires_grad and b.requires_grad
    assert np.abs(a.array).min() >= 0.05 - 1e-12


@given(st.data())
def test_the_sampler_that_specs_draw_from(data):
    s = HypothesisSampler(data, max_side=3)
    shape = s.shape(min_dims=2, max_dims=2, max_side=10)
    assert len(shape) == 2 and max(shape) <= 3  # the sampler's max_side caps the spec's
    x = s.array(shape, low=0.2, high=0.8, unique=True, avoid=(0.5,))
    assert x.min() >= 0.2 and x.max() <= 0.8 and np.abs(x - 0.5).min() >= 0.05 - 1e-12
    idx = s.int_array((5,), -2, 2)
    assert idx.dtype == np.int64 and idx.min() >= -2 and idx.max() <= 2
    assert 1 <= s.integers(1, 3) <= 3
    assert 0.0 <= s.floats(0.0, 1.0) <= 1.0
    assert s.choice(["a", "b"]) in ("a", "b")
    assert isinstance(s.boolean(), bool)
    sx, sy = s.broadcastable_shapes(2)
    np.broadcast_shapes(sx, sy)


def test_fill_values_argument_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="need low < high"):
        fill_values(rng, (2,), low=1.0, high=1.0)
    with pytest.raises(ValueError, match="nothing of"):
        fill_values(rng, (2,), low=-0.1, high=0.1, avoid=(0.0,), margin=0.2)
    with pytest.raises(ValueError, match="do not fit"):
        fill_ints(rng, (5,), low=0, high=2, unique=True)


def test_fill_values_is_deterministic_given_the_generator():
    a = fill_values(np.random.default_rng(3), (3, 3), low=-1, high=1, unique=True)
    b = fill_values(np.random.default_rng(3), (3, 3), low=-1, high=1, unique=True)
    np.testing.assert_array_equal(a, b)
