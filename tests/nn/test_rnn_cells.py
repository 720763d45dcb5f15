"""The one-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``: one step of PyTorch's
equations (written here in numpy), unbatched input, default states, and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn as nn
from autograd_np.testing import gradcheck


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def reference(cell, x, h, c=None):
    p = {k: v.array for k, v in cell.state_dict().items()}
    n = cell.hidden_size
    gi = x @ p["weight_ih"].T + p.get("bias_ih", 0.0)
    gh = h @ p["weight_hh"].T + p.get("bias_hh", 0.0)
    if isinstance(cell, nn.LSTMCell):
        a = gi + gh
        i, f, g, o = (a[:, k * n : (k + 1) * n] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    if isinstance(cell, nn.GRUCell):
        r = sigmoid(gi[:, :n] + gh[:, :n])
        z = sigmoid(gi[:, n : 2 * n] + gh[:, n : 2 * n])
        m = np.tanh(gi[:, 2 * n :] + r * gh[:, 2 * n :])
        return (1 - z) * m + z * h
    a = gi + gh
    return np.tanh(a) if cell.nonlinearity == "tanh" else np.maximum(a, 0)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("LSTMCell", {}), ("GRUCell", {})]


@pytest.mark.parametrize(("kind", "kwargs"), CELLS)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_the_reference(kind, kwargs, bias):
    cell = getattr(nn, kind)(3, 4, bias=bias, dtype=np.float64, generator=0, **kwargs)
    rng = np.random.default_rng(0)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    lstm = kind == "LSTMCell"
    got = cell(ag.tensor(x), (ag.tensor(h), ag.tensor(c)) if lstm else ag.tensor(h))
    want = reference(cell, x, h, c)
    for g, w in zip(got, want) if lstm else [(got, want)]:
        np.testing.assert_allclose(g.array, w, rtol=1e-12, atol=1e-12)
    # no state means zeros; an unbatched input gives an unbatched state
    got0 = cell(ag.tensor(x))
    want0 = reference(cell, x, np.zeros((2, 4)), np.zeros((2, 4)))
    for g, w in zip(got0, want0) if lstm else [(got0, want0)]:
        np.testing.assert_allclose(g.array, w, rtol=1e-12, atol=1e-12)
    one = cell(ag.tensor(x[0]), (ag.tensor(h[0]), ag.tensor(c[0])) if lstm else ag.tensor(h[0]))
    for g, w in zip(one, want) if lstm else [(one, want)]:
        assert g.shape == (4,)
        np.testing.assert_allclose(g.array, w[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kind", "kwargs"), CELLS)
def test_gradcheck_through_cells(kind, kwargs):
    cell = getattr(nn, kind)(2, 3, dtype=np.float64, generator=0, **kwargs)
    rng = np.random.default_rng(1)
    x, h, c = rng.standard_normal((2, 2)), rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    if kind == "LSTMCell":
        assert gradcheck(lambda x, h, c: cell(x, (h, c)), [x, h, c])
    else:
        assert gradcheck(lambda x, h: cell(x, h), [x, h])
    loss = cell(ag.tensor(x))
    (loss[0] if kind == "LSTMCell" else loss).sum().backward()
    assert all(p.grad is not None for p in cell.parameters())


def test_cell_errors():
    cell = nn.LSTMCell(3, 4)
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 3"):
        cell(ag.zeros(2, 5))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D"):
        cell(ag.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match="does not fit"):
        cell(ag.zeros(2, 3), (ag.zeros(3, 4), ag.zeros(3, 4)))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="sigmoid")
