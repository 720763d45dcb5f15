"""Creation functions: filled, ranges, *_like, and random ones from a Generator or seed."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag


def test_filled_tensors_default_to_float32_and_accept_both_size_forms():
    for make in (ag.zeros, ag.ones, ag.empty):
        assert make(2, 3).shape == (2, 3)
        assert make((2, 3)).shape == (2, 3)
        assert make([4]).shape == (4,)
        assert make(2).dtype == np.float32
        assert make(2, dtype=np.float64).dtype == np.float64
    assert ag.zeros(2).tolist() == [0.0, 0.0]
    assert ag.ones(2).tolist() == [1.0, 1.0]
    w = ag.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_full_follows_the_fill_value_dtype():
    assert ag.full((2,), 1.5).tolist() == [1.5, 1.5]
    assert ag.full((2,), 1.5).dtype == np.float32
    assert ag.full(3, 7).dtype == np.int64
    assert ag.full((1,), 2, dtype=np.float64).dtype == np.float64


def test_like_functions():
    x = ag.tensor([[1.0, 2.0]], dtype=np.float64)
    assert ag.zeros_like(x).shape == (1, 2) and ag.zeros_like(x).dtype == np.float64
    assert ag.ones_like(x).tolist() == [[1.0, 1.0]]
    assert ag.full_like(x, 3.0).tolist() == [[3.0, 3.0]]
    assert ag.empty_like(x).shape == (1, 2)
    assert ag.zeros_like(np.zeros((2, 2), dtype=np.int64)).dtype == np.int64
    assert ag.ones_like(x, dtype=np.float32).dtype == np.float32
    assert ag.zeros_like(x, requires_grad=True).requires_grad


def test_ranges():
    assert ag.arange(4).tolist() == [0, 1, 2, 3]
    assert ag.arange(4).dtype == np.int64
    assert ag.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert ag.arange(1, 2, 0.5).dtype == np.float32
    assert ag.arange(3, dtype=np.float64).dtype == np.float64
    assert ag.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert ag.linspace(0, 1, 3).dtype == np.float32
    assert ag.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert ag.eye(2, 3).shape == (2, 3)


def test_random_tensors_are_reproducible_from_a_seed_or_generator():
    a = ag.randn(3, 2, generator=0)
    b = ag.randn(3, 2, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(a.array, b.array)
    assert a.dtype == np.float32 and a.shape == (3, 2)
    assert not np.array_equal(ag.randn(3, generator=1).array, ag.randn(3, generator=2).array)
    r = ag.rand(1000, generator=3)
    assert r.dtype == np.float32 and r.array.min() >= 0.0 and r.array.max() < 1.0
    i = ag.randint(2, 5, (100,), generator=4)
    assert i.dtype == np.int64 and set(i.tolist()) <= {2, 3, 4}
    assert set(ag.randint(3, size=(50,), generator=5).tolist()) <= {0, 1, 2}
    assert ag.randn(2, generator=0, requires_grad=True).requires_grad
    assert ag.randn(2, dtype=np.float64, generator=0).dtype == np.float64


def test_a_shared_generator_advances():
    rng = np.random.default_rng(0)
    first = ag.randn(4, generator=rng)
    second = ag.randn(4, generator=rng)
    assert not np.array_equal(first.array, second.array)


def test_random_like():
    x = ag.zeros(2, 3, dtype=np.float64)
    assert ag.randn_like(x, generator=0).shape == (2, 3)
    assert ag.randn_like(x, generator=0).dtype == np.float64
    assert ag.rand_like(ag.zeros(2, dtype=np.int64), generator=0).dtype == np.float32


def test_bad_generator_is_rejected():
    with pytest.raises(TypeError, match=r"np.random.Generator"):
        ag.randn(2, generator="seed")  # type: ignore[arg-type]


def test_as_tensor_shares_when_it_can():
    t = ag.tensor([1.0])
    assert ag.as_tensor(t) is t
    a = np.zeros(2, dtype=np.float32)
    assert ag.as_tensor(a).array is a
    assert ag.as_tensor(t, dtype=np.float64).dtype == np.float64
