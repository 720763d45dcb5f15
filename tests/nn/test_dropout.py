"""Dropout: statistics, inverted scaling, identity in eval, reproducibility from a seed,
whole-channel masks, gradients, argument checks, and no global random state."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F


def test_dropout_statistics_and_inverted_scaling():
    x = ag.Tensor(np.ones(200_000, dtype=np.float32))
    for p in (0.1, 0.5, 0.8):
        y = F.dropout(x, p, generator=np.random.default_rng(0)).array
        assert y.dtype == np.float32
        kept = y != 0
        assert abs(1 - kept.mean() - p) < 0.005  # about 9 standard deviations
        np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
        assert abs(y.mean() - 1.0) < 0.02  # the expectation is unchanged


def test_dropout_identity_zero_and_validation():
    x = ag.Tensor(np.arange(6.0), requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0, generator=0) is x
    y = F.dropout(x, 1.0, generator=0)
    np.testing.assert_array_equal(y.array, 0.0)
    (g,) = ag.grad(y.sum(), [x])
    np.testing.assert_array_equal(g.array, 0.0)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"dropout: dropout probability p must be in \[0, 1\]"):
            F.dropout(x, bad)


def test_dropout_gradient_is_the_mask():
    x = ag.Tensor(np.linspace(1, 2, 50), requires_grad=True)
    y = F.dropout(x, 0.3, generator=3)
    (g,) = ag.grad((y * y).sum(), [x], create_graph=True)
    mask = y.array / x.array
    np.testing.assert_allclose(g.array, 2 * x.array * mask**2)
    (gg,) = ag.grad(g.sum(), [x])
    np.testing.assert_allclose(gg.array, 2 * mask**2)


def test_dropout_reproducible_from_a_seed_or_generator():
    x = ag.Tensor(np.ones((8, 8)))
    a = F.dropout(x, 0.5, generator=42).array
    b = F.dropout(x, 0.5, generator=42).array
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, 0.5, generator=43).array)
    gen = np.random.default_rng(7)
    first, second = F.dropout(x, 0.5, generator=gen).array, F.dropout(x, 0.5, generator=gen).array
    assert not np.array_equal(first, second)  # the generator advances
    gen2 = np.random.default_rng(7)
    np.testing.assert_array_equal(F.dropout(x, 0.5, generator=gen2).array, first)


def test_dropout_never_touches_global_numpy_random_state():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state
    x = ag.Tensor(np.ones(100))
    F.dropout(x, 0.5)
    F.dropout2d(ag.Tensor(np.ones((2, 3, 4, 4))), 0.5, generator=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_dropout2d_drops_whole_channels():
    x = ag.Tensor(np.ones((16, 8, 5, 5), dtype=np.float32))
    y = F.dropout2d(x, 0.5, generator=0).array
    per_channel = y.reshape(16, 8, -1)
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # constant over H, W
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7
    assert F.dropout2d(x, 0.5, training=False) is x
    with pytest.warns(UserWarning, match=r"treated as \(N, C, L\)"):
        y3 = F.dropout2d(ag.Tensor(np.ones((4, 6, 7))), 0.5, generator=0).array
    assert (y3.min(-1) == y3.max(-1)).all()
    with pytest.raises(ValueError, match=r"dropout2d: expected a 4-D"):
        F.dropout2d(ag.Tensor(np.ones((4, 6))), 0.5)


def test_dropout1d_drops_whole_channels():
    y = F.dropout1d(ag.Tensor(np.ones((6, 5, 9))), 0.5, generator=0).array
    assert (y.min(-1) == y.max(-1)).all()
    y2 = F.dropout1d(ag.Tensor(np.ones((5, 9))), 0.5, generator=0).array  # unbatched (C, L)
    assert (y2.min(-1) == y2.max(-1)).all()
    with pytest.raises(ValueError, match="dropout1d: expected a 2-D or 3-D input"):
        F.dropout1d(ag.Tensor(np.ones(5)), 0.5)
