"""numpy kernels of the recurrent cells: the forward of one time step, and the first-order
backward used when no graph of the gradient is needed.

Gate layouts are PyTorch's: LSTM ``(i, f, g, o)``, GRU ``(r, z, n)``. ``xg`` holds the
input gates of one step, ``x W_ih^T`` plus the biases that enter linearly (for the LSTM and
the plain RNN both ``b_ih + b_hh``; for the GRU only ``b_ih``, since its ``b_hn`` sits
inside ``r * (W_hn h + b_hn)``).

The LSTM state is packed as one array ``[h | c]`` of width ``P + H`` (``P`` the projection
size, or ``H`` without projection), so that one cell call has one output.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray


class Residuals:
    """What one cell's forward keeps for its first-order backward (activated gates)."""

    __slots__ = ("gates",)

    def __init__(self) -> None:
        self.gates: Array | None = None


def sigmoid_tanh(a: Array, lo: int, hi: int) -> Array:
    """Sigmoid of every column of ``a`` but ``[lo, hi)``, which get tanh, as one tanh:
    ``sigmoid(x) = (1 + tanh(x / 2)) / 2``, which never overflows."""
    scale = np.full(a.shape[-1], 0.5, dtype=a.dtype)
    scale[lo:hi] = 1.0
    t = np.tanh(a * scale)
    t[:, :lo] += 1.0
    t[:, :lo] *= 0.5
    t[:, hi:] += 1.0
    t[:, hi:] *= 0.5
    return t


def _sigmoid(a: Array) -> Array:
    t = np.tanh(a * 0.5)
    t += 1.0
    t *= 0.5
    return t


# ---------------------------------------------------------------------- LSTM
def lstm_forward(
    xg: Array,
    state: Array,
    w_hh: Array,
    w_hr: Array | None,
    res: Residuals | None,
    w_hh_t: Array | None = None,
) -> Array:
    """One LSTM step: ``[h | c] -> [h' | c']``.

    Shapes: xg (B, 4H), state (B, P+H), w_hh (4H, P), w_hr (P, H) -> (B, P+H). ``w_hh_t``
    is ``w_hh.T`` in C order, when the caller has it (BLAS multiplies faster by it than by
    the transposed view).
    """
    hidden, proj = w_hh.shape[0] // 4, w_hh.shape[1]
    h, c = state[:, :proj], state[:, proj:]
    a = h @ (w_hh.T if w_hh_t is None else w_hh_t)
    a += xg
    gates = sigmoid_tanh(a, 2 * hidden, 3 * hidden)  # i, f, o sigmoid; g tanh
    i, f = gates[:, :hidden], gates[:, hidden : 2 * hidden]
    g, o = gates[:, 2 * hidden : 3 * hidden], gates[:, 3 * hidden :]
    out = np.empty((state.shape[0], proj + hidden), dtype=a.dtype)
    c_new = out[:, proj:]
    np.multiply(f, c, out=c_new)
    c_new += i * g
    m = np.tanh(c_new)
    m *= o
    if w_hr is None:
        out[:, :proj] = m
    else:
        np.matmul(m, w_hr.T, out=out[:, :proj])
    if res is not None:
        res.gates = gates
    return out


def lstm_backward(
    g_out: Array,
    out: Array,
    state: Array,
    w_hh: Array,
    w_hr: Array | None,
    gates: Array,
    need: tuple[bool, bool, bool, bool],
) -> tuple[Array, Array | None, Array | None, Array | None]:
    """Gradients of one LSTM step for (xg, state, w_hh, w_hr), from the activated gates.

    ``need`` says which of the last three are wanted (the gate gradient is always made).
    """
    hidden, proj = w_hh.shape[0] // 4, w_hh.shape[1]
    h, c = state[:, :proj], state[:, proj:]
    i, f = gates[:, :hidden], gates[:, hidden : 2 * hidden]
    g, o = gates[:, 2 * hidden : 3 * hidden], gates[:, 3 * hidden :]
    dh, dc = g_out[:, :proj], g_out[:, proj:]
    tc = np.tanh(out[:, proj:])
    gw_hr = None
    if w_hr is not None:
        if need[3]:
            gw_hr = dh.T @ (o * tc)  # h' = (o tanh c') W_hr^T
        dm = dh @ w_hr
    else:
        dm = dh
    # dc_total = dc' + dm o (1 - tanh^2 c')
    dct = dm * o
    dct *= 1.0 - tc * tc
    dct += dc
    da = np.empty_like(gates)
    np.multiply(dct, g, out=da[:, :hidden])
    da[:, :hidden] *= i * (1.0 - i)  # di = dct g; ds = s (1 - s)
    np.multiply(dct, c, out=da[:, hidden : 2 * hidden])
    da[:, hidden : 2 * hidden] *= f * (1.0 - f)  # df = dct c
    np.multiply(dct, i, out=da[:, 2 * hidden : 3 * hidden])
    da[:, 2 * hidden : 3 * hidden] *= 1.0 - g * g  # dg = dct i; dtanh = 1 - tanh^2
    np.multiply(dm, tc, out=da[:, 3 * hidden :])
    da[:, 3 * hidden :] *= o * (1.0 - o)  # do = dm tanh c'
    gstate = None
    if need[1]:
        gstate = np.empty_like(state, dtype=da.dtype)
        np.matmul(da, w_hh, out=gstate[:, :proj])
        np.multiply(dct, f, out=gstate[:, proj:])
    gw_hh = da.T @ h if need[2] else None
    return da, gstate, gw_hh, gw_hr


def lstm_reference(xg: Array, state: Array, w_hh: Array, w_hr: Array | None = None) -> Array:
    """The LSTM step written plainly from PyTorch's equations (the tests' oracle)."""
    hidden, proj = w_hh.shape[0] // 4, w_hh.shape[1]
    h, c = state[:, :proj], state[:, proj:]
    a = xg + h @ w_hh.T
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    i, f = sig(a[:, :hidden]), sig(a[:, hidden : 2 * hidden])
    g, o = np.tanh(a[:, 2 * hidden : 3 * hidden]), sig(a[:, 3 * hidden :])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    if w_hr is not None:
        h_new = h_new @ w_hr.T
    return np.concatenate([h_new, c_new], axis=1)


# ---------------------------------------------------------------------- GRU
def gru_forward(
    xg: Array,
    h: Array,
    w_hh: Array,
    b_hh: Array | None,
    res: Residuals | None,
    w_hh_t: Array | None = None,
) -> Array:
    """One GRU step. Shapes: xg (B, 3H), h (B, H), w_hh (3H, H), b_hh (3H,) -> (B, H)
    (``w_hh_t``: as in :func:`lstm_forward`).

    ``r = s(x_r + W_hr h + b_hr)``, ``z = s(x_z + W_hz h + b_hz)``,
    ``n = tanh(x_n + r (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.
    """
    hidden = w_hh.shape[1]
    gh = h @ (w_hh.T if w_hh_t is None else w_hh_t)
    if b_hh is not None:
        gh += b_hh
    rz = _sigmoid(xg[:, : 2 * hidden] + gh[:, : 2 * hidden])
    r, z = rz[:, :hidden], rz[:, hidden:]
    n = r * gh[:, 2 * hidden :]
    n += xg[:, 2 * hidden :]
    np.tanh(n, out=n)
    out = h - n
    out *= z
    out += n  # (1 - z) n + z h
    if res is not None:
        # keep r, z, n and W_hn h + b_hn
        res.gates = np.concatenate([rz, n, gh[:, 2 * hidden :]], axis=1)
    return out


def gru_backward(
    g_out: Array,
    h: Array,
    w_hh: Array,
    gates: Array,
    need: tuple[bool, bool, bool, bool],
) -> tuple[Array, Array | None, Array | None, Array | None]:
    """Gradients of one GRU step for (xg, h, w_hh, b_hh) from the residual gates."""
    hidden = w_hh.shape[1]
    r, z = gates[:, :hidden], gates[:, hidden : 2 * hidden]
    n, ghn = gates[:, 2 * hidden : 3 * hidden], gates[:, 3 * hidden :]
    dxg = np.empty((h.shape[0], 3 * hidden), dtype=g_out.dtype)
    dan = dxg[:, 2 * hidden :]
    np.multiply(g_out, 1.0 - z, out=dan)
    dan *= 1.0 - n * n  # dn = g (1 - z); d tanh = 1 - n^2
    dr = dan * ghn
    np.multiply(dr, r * (1.0 - r), out=dxg[:, :hidden])  # d(W_hn h + b_hn) r -> dr
    np.multiply(g_out, h - n, out=dxg[:, hidden : 2 * hidden])
    dxg[:, hidden : 2 * hidden] *= z * (1.0 - z)  # dz = g (h - n)
    dgh = dxg.copy()
    dgh[:, 2 * hidden :] *= r  # the hidden part of n is gated by r
    gh = None
    if need[1]:
        gh = dgh @ w_hh
        gh += g_out * z
    gw = dgh.T @ h if need[2] else None
    gb = dgh.sum(axis=0) if need[3] else None
    return dxg, gh, gw, gb


def gru_reference(xg: Array, h: Array, w_hh: Array, b_hh: Array | None = None) -> Array:
    """The GRU step written plainly from PyTorch's equations (the tests' oracle)."""
    hidden = w_hh.shape[1]
    gh = h @ w_hh.T + (0.0 if b_hh is None else b_hh)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    r = sig(xg[:, :hidden] + gh[:, :hidden])
    z = sig(xg[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden])
    n = np.tanh(xg[:, 2 * hidden :] + r * gh[:, 2 * hidden :])
    return (1.0 - z) * n + z * h


# ---------------------------------------------------------------------- Elman RNN
def rnn_forward(
    xg: Array, h: Array, w_hh: Array, nonlinearity: str, w_hh_t: Array | None = None
) -> Array:
    """One step of the Elman RNN: ``h' = act(xg + h W_hh^T)``; (B, H) -> (B, H)
    (``w_hh_t``: as in :func:`lstm_forward`)."""
    a = h @ (w_hh.T if w_hh_t is None else w_hh_t)
    a += xg
    if nonlinearity == "tanh":
        return np.tanh(a, out=a)
    return np.maximum(a, 0.0, out=a)


def rnn_backward(
    g_out: Array, out: Array, h: Array, w_hh: Array, nonlinearity: str, need: tuple[bool, ...]
) -> tuple[Array, Array | None, Array | None]:
    """Gradients of one RNN step for (xg, h, w_hh), from its output."""
    # d tanh = 1 - tanh^2; d relu = [a > 0]
    da = g_out * (1.0 - out * out) if nonlinearity == "tanh" else g_out * (out > 0)
    gh = da @ w_hh if need[1] else None
    gw = da.T @ h if need[2] else None
    return da, gh, gw


def rnn_reference(xg: Array, h: Array, w_hh: Array, *, nonlinearity: str = "tanh") -> Array:
    """The RNN step from its equation (the tests' oracle)."""
    a = xg + h @ w_hh.T
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)


def check_nonlinearity(nonlinearity: Any) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
    return str(nonlinearity)
