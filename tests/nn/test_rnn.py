"""Recurrent layers: outputs against a numpy loop of PyTorch's equations written here, for
every combination of options; gradients (first and second order) through the layers; the
two forms of each cell's VJP against each other; parameter names, shapes and
initialisation; dropout between layers; and argument errors."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn as nn
from autograd_np.nn.functional import rnn as R
from autograd_np.testing import gradcheck, gradgradcheck


# ---------------------------------------------------------------------- the numpy reference
def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def reference(module, x, h0=None, c0=None):
    """PyTorch's equations, step by step in numpy, from the module's own parameters.

    ``x`` is (T, B, I) (time-major whatever ``batch_first``); returns output (T, B, D*P),
    h_n (L*D, B, P) and c_n (L*D, B, H) (None but for LSTM)."""
    p = {k: v.array.astype(np.float64) for k, v in module.state_dict().items()}
    mode, hid = module.mode, module.hidden_size
    width = module.proj_size or hid
    dirs = 2 if module.bidirectional else 1
    n_layers, n_steps, batch = module.num_layers, x.shape[0], x.shape[1]
    h0 = np.zeros((n_layers * dirs, batch, width)) if h0 is None else h0
    c0 = np.zeros((n_layers * dirs, batch, hid)) if c0 is None else c0
    h_n, c_n = np.zeros_like(h0), np.zeros_like(c0)
    inp = x.astype(np.float64)
    for layer in range(n_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w_ih, w_hh = p["weight_ih" + sfx], p["weight_hh" + sfx]
            b_ih = p.get("bias_ih" + sfx, np.zeros(w_ih.shape[0]))
            b_hh = p.get("bias_hh" + sfx, np.zeros(w_ih.shape[0]))
            k = layer * dirs + d
            h, c = h0[k], c0[k]
            out = np.zeros((n_steps, batch, width))
            for t in reversed(range(n_steps)) if d else range(n_steps):
                gi, gh = inp[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
                if mode == "LSTM":
                    a = gi + gh
                    i, f = sigmoid(a[:, :hid]), sigmoid(a[:, hid : 2 * hid])
                    g, o = np.tanh(a[:, 2 * hid : 3 * hid]), sigmoid(a[:, 3 * hid :])
                    c = f * c + i * g
                    h = o * np.tanh(c)
                    if module.proj_size:
                        h = h @ p["weight_hr" + sfx].T
                elif mode == "GRU":
                    r = sigmoid(gi[:, :hid] + gh[:, :hid])
                    z = sigmoid(gi[:, hid : 2 * hid] + gh[:, hid : 2 * hid])
                    n = np.tanh(gi[:, 2 * hid :] + r * gh[:, 2 * hid :])
                    h = (1 - z) * n + z * h
                elif mode == "RNN_TANH":
                    h = np.tanh(gi + gh)
                else:
                    h = np.maximum(gi + gh, 0.0)
                out[t] = h
            h_n[k], c_n[k] = h, c
            outs.append(out)
        inp = np.concatenate(outs, axis=-1)
    return inp, h_n, (c_n if mode == "LSTM" else None)


def make(kind, *args, **kwargs):
    return getattr(nn, kind)(*args, dtype=np.float64, generator=0, **kwargs)


OPTIONS = list(
    itertools.product(
        ["RNN", "RNN_relu", "LSTM", "LSTM_proj", "GRU"],
        [1, 2],  # num_layers
        [False, True],  # bidirectional
        [False, True],  # batch_first
        [True, False],  # bias
    )
)


def build(variant, layers, bidir, batch_first, bias, input_size=3, hidden=4):
    kind, _, extra = variant.partition("_")
    kwargs = {"num_layers": layers, "bidirectional": bidir, "batch_first": batch_first}
    kwargs["bias"] = bias
    if extra == "relu":
        kwargs["nonlinearity"] = "relu"
    if extra == "proj":
        kwargs["proj_size"] = 2
    return make(kind, input_size, hidden, **kwargs)


@pytest.mark.parametrize(("variant", "layers", "bidir", "batch_first", "bias"), OPTIONS)
def test_layer_matches_the_reference(variant, layers, bidir, batch_first, bias):
    m = build(variant, layers, bidir, batch_first, bias)
    rng = np.random.default_rng(1)
    n_steps, batch, dirs = 5, 2, 2 if bidir else 1
    width = m.proj_size or m.hidden_size
    x = rng.standard_normal((n_steps, batch, 3))
    h0 = rng.standard_normal((layers * dirs, batch, width))
    c0 = rng.standard_normal((layers * dirs, batch, m.hidden_size))
    lstm = m.mode == "LSTM"
    x_in = x.transpose(1, 0, 2) if batch_first else x
    for given in (False, True):
        hx = None
        if given:
            hx = (ag.tensor(h0), ag.tensor(c0)) if lstm else ag.tensor(h0)
        out, state = m(ag.tensor(x_in), hx)
        want_out, want_h, want_c = reference(m, x, h0 if given else None, c0 if given else None)
        if batch_first:
            want_out = want_out.transpose(1, 0, 2)
        assert (
            out.shape
            == want_out.shape
            == ((batch, n_steps, dirs * width) if batch_first else (n_steps, batch, dirs * width))
        )
        np.testing.assert_allclose(out.array, want_out, rtol=1e-10, atol=1e-12)
        h_n = state[0] if lstm else state
        np.testing.assert_allclose(h_n.array, want_h, rtol=1e-10, atol=1e-12)
        if lstm:
            np.testing.assert_allclose(state[1].array, want_c, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("variant", ["RNN", "LSTM", "LSTM_proj", "GRU"])
@pytest.mark.parametrize("bidir", [False, True])
def test_unbatched_input_is_a_batch_of_one(variant, bidir):
    m = build(variant, 2, bidir, True, True)
    dirs = 2 if bidir else 1
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))
    h0 = rng.standard_normal((2 * dirs, m.proj_size or 4))
    c0 = rng.standard_normal((2 * dirs, 4))
    lstm = m.mode == "LSTM"
    hx = (ag.tensor(h0), ag.tensor(c0)) if lstm else ag.tensor(h0)
    out, state = m(ag.tensor(x), hx)
    hx_b = (ag.tensor(h0[:, None]), ag.tensor(c0[:, None])) if lstm else ag.tensor(h0[:, None])
    out_b, state_b = m(ag.tensor(x[None]), hx_b)  # batch_first: (1, T, I)
    assert out.shape == out_b.shape[1:]
    np.testing.assert_allclose(out.array, out_b.array[0])
    for s, sb in zip(state, state_b) if lstm else [(state, state_b)]:
        assert s.shape == sb.shape[:1] + sb.shape[2:]
        np.testing.assert_allclose(s.array, sb.array[:, 0])


def test_default_float32_and_output_dtypes():
    m = nn.LSTM(3, 4, 2, generator=0)
    assert all(p.dtype == np.float32 for p in m.parameters())
    out, (h, c) = m(ag.randn(5, 2, 3, generator=0))
    assert out.dtype == h.dtype == c.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in m.parameters())


# ---------------------------------------------------------------------- gradients
def _as_function(m, lstm):
    names = [n for n, _ in m.named_parameters()]

    def fn(x, h0, *rest):
        params = rest[1:] if lstm else rest
        for name, value in zip(names, params):
            m._parameters[name] = value  # the checked tensors stand in for the weights
        hx = (h0, rest[0]) if lstm else h0
        out, state = m(x, hx)
        return (out, *state) if lstm else (out, state)

    return fn


@pytest.mark.parametrize(
    ("variant", "layers", "bidir"),
    [("LSTM", 2, True), ("LSTM_proj", 2, False), ("GRU", 2, True), ("RNN", 1, True)],
)
def test_gradcheck_through_layers(variant, layers, bidir):
    m = build(variant, layers, bidir, False, True, input_size=2, hidden=3)
    lstm = m.mode == "LSTM"
    dirs = 2 if bidir else 1
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 2))
    h0 = rng.standard_normal((layers * dirs, 2, m.proj_size or 3))
    c0 = rng.standard_normal((layers * dirs, 2, 3))
    params = [p.array.copy() for p in m.parameters()]
    inputs = [x, h0, *([c0] if lstm else []), *params]
    assert gradcheck(_as_function(m, lstm), inputs, atol=1e-6, rtol=1e-4, full_jacobian_max=128)


@pytest.mark.parametrize(("variant", "layers"), [("LSTM", 2), ("LSTM_proj", 1)])
def test_gradgradcheck_through_an_lstm(variant, layers):
    m = build(variant, layers, True, False, True, input_size=2, hidden=3)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 2))
    h0 = rng.standard_normal((2 * layers, 2, m.proj_size or 3))
    c0 = rng.standard_normal((2 * layers, 2, 3))
    params = [p.array.copy() for p in m.parameters()]
    fn = _as_function(m, True)
    assert gradgradcheck(fn, [x, h0, c0, *params], atol=1e-5, rtol=1e-3, full_jacobian_max=64)


@pytest.mark.parametrize("variant", ["GRU", "RNN", "RNN_relu"])
def test_gradgradcheck_through_gru_and_rnn(variant):
    m = build(variant, 1, False, False, True, input_size=2, hidden=2)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 2))
    h0 = rng.standard_normal((1, 2, 2))
    params = [p.array.copy() for p in m.parameters()]
    assert gradgradcheck(_as_function(m, False), [x, h0, *params], atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize(
    ("step", "args"),
    [
        ("lstm", ((3, 8), (3, 4), (8, 2))),
        ("lstm_proj", ((3, 8), (3, 3), (8, 1), (1, 2))),
        ("gru", ((3, 6), (3, 2), (6, 2), (6,))),
        ("gru_nobias", ((3, 6), (3, 2), (6, 2))),
        ("rnn", ((3, 2), (3, 2), (2, 2))),
    ],
)
def test_numpy_vjp_equals_the_differentiable_vjp(step, args):
    """The fast first-order VJP (numpy, from the kept gates) and the Tensor-op one used
    under create_graph give the same gradients."""
    rng = np.random.default_rng(6)
    xs = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in args]
    fn = {
        "lstm": R.lstm_cell_step,
        "lstm_proj": R.lstm_cell_step,
        "gru": R.gru_cell_step,
        "gru_nobias": R.gru_cell_step,
        "rnn": R.rnn_cell_step,
    }[step]
    out = fn(*xs)
    g = ag.tensor(rng.standard_normal(out.shape))
    fast = ag.autograd.grad(out, xs, g, retain_graph=True)
    graph = ag.autograd.grad(out, xs, g, create_graph=True)
    for a, b in zip(fast, graph):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-12, atol=1e-12)


def _graph(out):
    seen, stack, names = set(), [out.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name())
        stack.extend(node.next_functions)
    return names


def test_a_layer_makes_one_cell_node_per_time_step():
    """The recurrence is one fused cell call per step (plus the cut of its input gates),
    not a chain of small ops."""
    m = nn.LSTM(3, 4, generator=0)
    short = _graph(m(ag.randn(6, 2, 3, generator=0))[0])
    long = _graph(m(ag.randn(12, 2, 3, generator=0))[0])
    assert short.count("LstmCellBackward") == 6
    assert long.count("LstmCellBackward") == 12
    assert len(long) - len(short) <= 6 * 4


# ---------------------------------------------------------------------- parameters
def test_parameter_names_and_shapes_match_pytorch():
    m = nn.LSTM(5, 4, num_layers=2, bidirectional=True, proj_size=3)
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert list(shapes) == [
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
        "bias_hh_l0_reverse", "weight_hr_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_hr_l1",
        "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse",
        "bias_hh_l1_reverse", "weight_hr_l1_reverse",
    ]  # fmt: skip
    assert shapes["weight_ih_l0"] == (16, 5)
    assert shapes["weight_hh_l0"] == (16, 3)
    assert shapes["weight_hr_l0"] == (3, 4)
    assert shapes["weight_ih_l1"] == (16, 6)  # two directions of 3
    g = nn.GRU(5, 4, bias=False)
    assert list(g.state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert g.weight_ih_l0.shape == (12, 5)
    r = nn.RNN(5, 4, 2)
    assert r.weight_ih_l1.shape == (4, 4)
    assert [len(w) for w in m.all_weights] == [5, 5, 5, 5]
    cell = nn.LSTMCell(5, 4)
    assert {k: v.shape for k, v in cell.state_dict().items()} == {
        "weight_ih": (16, 5), "weight_hh": (16, 4), "bias_ih": (16,), "bias_hh": (16,),
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_initialisation_is_uniform_in_one_over_sqrt_hidden(kind):
    m = getattr(nn, kind)(7, 16, generator=0)
    values = np.concatenate([p.array.ravel() for p in m.parameters()])
    assert np.abs(values).max() <= 0.25
    assert np.abs(values).max() > 0.24  # fills the range
    assert abs(values.mean()) < 0.02
    again = getattr(nn, kind)(7, 16, generator=0)
    assert all(np.array_equal(a.array, b.array) for a, b in zip(m.parameters(), again.parameters()))
    other = getattr(nn, kind)(7, 16, generator=1)
    name = "weight_hh" if "Cell" in kind else "weight_hh_l0"
    assert not np.array_equal(getattr(m, name).array, getattr(other, name).array)


def test_state_dict_round_trip_and_flatten_parameters():
    a, b = nn.GRU(3, 4, 2, generator=0), nn.GRU(3, 4, 2, generator=1)
    b.load_state_dict(a.state_dict())
    x = ag.randn(4, 2, 3, generator=0)
    assert b.flatten_parameters() is None
    np.testing.assert_array_equal(a(x)[0].array, b(x)[0].array)


def test_repr_lists_the_options_like_pytorch():
    assert (
        repr(nn.LSTM(10, 20, 2, batch_first=True)) == "LSTM(10, 20, num_layers=2, batch_first=True)"
    )
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTM(3, 4, proj_size=2, bidirectional=True)) == (
        "LSTM(3, 4, proj_size=2, bidirectional=True)"
    )
    assert repr(nn.GRUCell(3, 4, bias=False)) == "GRUCell(3, 4, bias=False)"


# ---------------------------------------------------------------------- dropout
def test_dropout_between_layers_only_in_training():
    m = nn.LSTM(3, 8, 3, dropout=0.5, generator=0)
    plain = nn.LSTM(3, 8, 3, generator=1)
    plain.load_state_dict(m.state_dict())
    x = ag.randn(4, 2, 3, generator=0)
    train_out = m(x)[0].array
    assert not np.allclose(train_out, plain(x)[0].array)
    m.eval()
    np.testing.assert_array_equal(m(x)[0].array, plain(x)[0].array)
    a, b = nn.GRU(3, 8, 2, dropout=0.5, generator=5), nn.GRU(3, 8, 2, dropout=0.5, generator=5)
    np.testing.assert_array_equal(a(x)[0].array, b(x)[0].array)  # the same seed, the same masks


def test_dropout_on_a_single_layer_warns():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, 2, dropout=0.2)


# ---------------------------------------------------------------------- errors
def test_argument_errors():
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.modules.rnn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(3, 4, 2, dropout=1.5)
    m = nn.LSTM(3, 4, 2)
    with pytest.raises(RuntimeError, match=r"input_size\. Expected 3, got 5"):
        m(ag.zeros(2, 1, 5))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        m(ag.zeros(2, 1, 1, 3))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 1, 4\), got \(1, 1, 4\)"):
        m(ag.zeros(2, 1, 3), (ag.zeros(1, 1, 4), ag.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match="hx must be a tuple"):
        m(ag.zeros(2, 1, 3), ag.zeros(2, 1, 4))
    with pytest.raises(RuntimeError, match="hx should also be 2-D"):
        m(ag.zeros(2, 3), (ag.zeros(2, 1, 4), ag.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match="does not match the parameters' dtype"):
        m(ag.zeros(2, 1, 3, dtype=np.float64))
    with pytest.raises(ValueError, match="lstm_cell: input gates"):
        R.lstm_cell_step(ag.zeros(1, 8), ag.zeros(1, 3), ag.zeros(8, 2))


def test_module_paths_are_pytorchs():
    from autograd_np.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

    assert (nn.GRU, nn.LSTM, nn.RNN) == (GRU, LSTM, RNN)
    assert (nn.GRUCell, nn.LSTMCell, nn.RNNCell) == (GRUCell, LSTMCell, RNNCell)
