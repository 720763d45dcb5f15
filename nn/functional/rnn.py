"""Recurrent cells as fused primitives, and the loop over time that the layers run.

One time step is one node of the graph: ``lstm_cell``, ``gru_cell`` or ``rnn_cell`` takes
the step's input gates (``x W_ih^T`` plus biases, computed for all steps by one GEMM
before the loop), the previous state and ``W_hh``, and returns the new state. Their VJPs
come in two forms that compute the same thing:

* without ``create_graph`` (the usual backward), fused numpy kernels that read the gates
  the forward kept;
* with ``create_graph``, the same equations in differentiable Tensor ops, so derivatives
  of any order go through a recurrent network.

The LSTM state is one array ``[h | c]`` of width ``P + H``; :func:`lstm_cell_step` and
the layers split it. ``scan`` runs a cell over a sequence, padded or packed.

The gate layouts and equations are PyTorch's (``nn.LSTM``, ``nn.GRU``, ``nn.RNN``), so
weights are exchangeable with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograd_np.function import Sample, Sampler, primitive
from autograd_np.grad_mode import is_grad_enabled
from autograd_np.nn.functional import _rnn_kernels as k
from autograd_np.ops import concatenate, getitem, matmul, sigmoid, stack, tanh
from autograd_np.ops import sum as reduce_sum
from autograd_np.tensor import Tensor

__all__ = [
    "gru_cell_step",
    "lstm_cell_step",
    "rnn_cell_step",
    "scan",
    "shared_across_steps",
]

Step = Callable[[Tensor, Tensor], Tensor]


def _wants_residuals(*ts: Tensor) -> k.Residuals | None:
    """Storage for the gates when a backward may follow (grad mode on, an input needs it)."""
    if is_grad_enabled() and any(t.requires_grad for t in ts):
        return k.Residuals()
    return None


def _columns(t: Tensor, lo: int, hi: int) -> Tensor:
    return getitem(t, (slice(None), slice(lo, hi)))


# ---------------------------------------------------------------------- LSTM
def _lstm_spec(s: Sampler) -> Sample:
    b, hidden = s.integers(1, 3), s.integers(1, 3)
    proj = s.integers(1, hidden) if s.boolean() else hidden
    args = [s.array((b, 4 * hidden)), s.array((b, proj + hidden)), s.array((4 * hidden, proj))]
    if proj != hidden or s.boolean():
        args.append(s.array((proj, hidden)))
    return Sample(tuple(args))


@primitive("nn.functional.lstm_cell", spec=_lstm_spec, ref=k.lstm_reference, saves_output=True)
def _lstm_cell(
    xg: np.ndarray,
    state: np.ndarray,
    w_hh: np.ndarray,
    *w_hr: np.ndarray,
    res: k.Residuals | None = None,
    w_hh_t: np.ndarray | None = None,
) -> np.ndarray:
    """One LSTM step on the packed state ``[h | c]``: (B, 4H), (B, P+H), (4H, P)[, (P, H)]
    -> (B, P+H)."""
    _check_lstm(xg, state, w_hh, w_hr)
    _check_transposed(w_hh, w_hh_t)
    return k.lstm_forward(xg, state, w_hh, w_hr[0] if w_hr else None, res, w_hh_t)


def _check_transposed(w_hh: np.ndarray, w_hh_t: np.ndarray | None) -> None:
    if w_hh_t is not None and w_hh_t.shape != w_hh.shape[::-1]:
        raise ValueError(
            f"w_hh_t must be weight_hh transposed, {w_hh.shape[::-1]}; got {w_hh_t.shape}"
        )


def _check_lstm(
    xg: np.ndarray, state: np.ndarray, w_hh: np.ndarray, w_hr: tuple[np.ndarray, ...]
) -> None:
    g4, proj = w_hh.shape
    hidden = g4 // 4
    if g4 % 4 or xg.shape[-1] != g4 or state.shape[-1] != proj + hidden:
        raise ValueError(
            f"lstm_cell: input gates {xg.shape}, state {state.shape} and weight_hh {w_hh.shape} "
            "do not fit: expected (B, 4H), (B, P+H) and (4H, P)"
        )
    if w_hr and w_hr[0].shape != (proj, hidden):
        raise ValueError(
            f"lstm_cell: weight_hr must have shape ({proj}, {hidden}), got {w_hr[0].shape}"
        )
    if not w_hr and proj != hidden:
        raise ValueError(f"lstm_cell: weight_hh {w_hh.shape} needs a projection weight_hr")


@_lstm_cell.defvjp
def _lstm_cell_vjp(
    g: Tensor,
    out: Tensor,
    xg: Tensor,
    state: Tensor,
    w_hh: Tensor,
    *w_hr: Tensor,
    res: k.Residuals | None = None,
    w_hh_t: np.ndarray | None = None,
) -> tuple[Tensor | None, ...]:
    # c' = f c + i g, h' = o tanh c' (times W_hr^T): the chain rule through the gates
    need = (True, state.requires_grad, w_hh.requires_grad, bool(w_hr) and w_hr[0].requires_grad)
    if is_grad_enabled():
        return _lstm_cell_vjp_graph(g, out, xg, state, w_hh, w_hr, need)
    wr = w_hr[0].array if w_hr else None
    gates = res.gates if res is not None and res.gates is not None else None
    if gates is None:  # a forward that kept nothing: recompute the gates
        hidden = w_hh.shape[0] // 4
        a = xg.array + state.array[:, : w_hh.shape[1]] @ w_hh.array.T
        gates = k.sigmoid_tanh(a, 2 * hidden, 3 * hidden)
    grads = k.lstm_backward(g.array, out.array, state.array, w_hh.array, wr, gates, need)
    wrapped = tuple(None if a is None else Tensor.from_array(a) for a in grads)
    return wrapped if w_hr else wrapped[:3]


def _lstm_cell_vjp_graph(
    g: Tensor,
    out: Tensor,
    xg: Tensor,
    state: Tensor,
    w_hh: Tensor,
    w_hr: tuple[Tensor, ...],
    need: tuple[bool, bool, bool, bool],
) -> tuple[Tensor | None, ...]:
    """The LSTM step's VJP in differentiable Tensor ops (for ``create_graph``)."""
    hidden, proj = w_hh.shape[0] // 4, w_hh.shape[1]
    h, c = _columns(state, 0, proj), _columns(state, proj, proj + hidden)
    a = xg + matmul(h, w_hh.T)
    i, f = sigmoid(_columns(a, 0, hidden)), sigmoid(_columns(a, hidden, 2 * hidden))
    gg, o = tanh(_columns(a, 2 * hidden, 3 * hidden)), sigmoid(_columns(a, 3 * hidden, 4 * hidden))
    tc = tanh(_columns(out, proj, proj + hidden))
    dh, dc = _columns(g, 0, proj), _columns(g, proj, proj + hidden)
    gw_hr = None
    if w_hr:
        gw_hr = matmul(dh.T, o * tc) if need[3] else None  # h' = (o tanh c') W_hr^T
        dh = matmul(dh, w_hr[0])
    dct = dc + dh * o * (1.0 - tc * tc)
    da = concatenate(
        [
            dct * gg * i * (1.0 - i),
            dct * c * f * (1.0 - f),
            dct * i * (1.0 - gg * gg),
            dh * tc * o * (1.0 - o),
        ],
        axis=1,
    )
    gstate = concatenate([matmul(da, w_hh), dct * f], axis=1) if need[1] else None
    gw_hh = matmul(da.T, h) if need[2] else None
    return (da, gstate, gw_hh, gw_hr) if w_hr else (da, gstate, gw_hh)


def lstm_cell_step(
    xg: Tensor,
    state: Tensor,
    w_hh: Tensor,
    w_hr: Tensor | None = None,
    *,
    w_hh_t: np.ndarray | None = None,
) -> Tensor:
    """One LSTM time step on the packed state.

    Parameters
    ----------
    xg : Tensor
        ``(B, 4H)``: ``x W_ih^T + b_ih + b_hh`` for this step, gates in the order i, f, g, o.
    state : Tensor
        ``(B, P + H)``: ``[h | c]``; ``P`` is the projection size (``H`` without one).
    w_hh : Tensor
        ``(4H, P)``.
    w_hr : Tensor, optional
        ``(P, H)``: the projection of LSTMs with ``proj_size > 0``.
    w_hh_t : ndarray, optional (keyword-only)
        ``w_hh``'s values transposed in C order, made once for all the steps of a layer:
        BLAS multiplies by it faster than by a transposed view.

    Returns
    -------
    Tensor
        ``(B, P + H)``: ``[h' | c']`` with ``c' = f c + i g`` and ``h' = o tanh(c')``
        (times ``W_hr^T`` with a projection).
    """
    ts = (xg, state, w_hh) if w_hr is None else (xg, state, w_hh, w_hr)
    return _lstm_cell(*ts, res=_wants_residuals(*ts), w_hh_t=w_hh_t)


# ---------------------------------------------------------------------- GRU
def _gru_spec(s: Sampler) -> Sample:
    b, hidden = s.integers(1, 3), s.integers(1, 3)
    args = [s.array((b, 3 * hidden)), s.array((b, hidden)), s.array((3 * hidden, hidden))]
    if s.boolean():
        args.append(s.array((3 * hidden,)))
    return Sample(tuple(args))


@primitive("nn.functional.gru_cell", spec=_gru_spec, ref=k.gru_reference)
def _gru_cell(
    xg: np.ndarray,
    h: np.ndarray,
    w_hh: np.ndarray,
    *b_hh: np.ndarray,
    res: k.Residuals | None = None,
    w_hh_t: np.ndarray | None = None,
) -> np.ndarray:
    """One GRU step: (B, 3H), (B, H), (3H, H)[, (3H,)] -> (B, H)."""
    hidden = h.shape[-1]
    if w_hh.shape != (3 * hidden, hidden) or xg.shape[-1] != 3 * hidden:
        raise ValueError(
            f"gru_cell: input gates {xg.shape}, state {h.shape} and weight_hh {w_hh.shape} do "
            "not fit: expected (B, 3H), (B, H) and (3H, H)"
        )
    _check_transposed(w_hh, w_hh_t)
    return k.gru_forward(xg, h, w_hh, b_hh[0] if b_hh else None, res, w_hh_t)


@_gru_cell.defvjp
def _gru_cell_vjp(
    g: Tensor,
    out: Tensor,
    xg: Tensor,
    h: Tensor,
    w_hh: Tensor,
    *b_hh: Tensor,
    res: k.Residuals | None = None,
    w_hh_t: np.ndarray | None = None,
) -> tuple[Tensor | None, ...]:
    # h' = (1 - z) n + z h with n = tanh(x_n + r (W_hn h + b_hn)): the chain rule
    need = (True, h.requires_grad, w_hh.requires_grad, bool(b_hh) and b_hh[0].requires_grad)
    if is_grad_enabled():
        return _gru_cell_vjp_graph(g, xg, h, w_hh, b_hh, need)
    gates = res.gates if res is not None else None
    if gates is None:  # a forward that kept nothing: run it again to get the gates
        res = k.Residuals()
        k.gru_forward(xg.array, h.array, w_hh.array, b_hh[0].array if b_hh else None, res)
        gates = res.gates
    assert gates is not None
    grads = k.gru_backward(g.array, h.array, w_hh.array, gates, need)
    wrapped = tuple(None if a is None else Tensor.from_array(a) for a in grads)
    return wrapped if b_hh else wrapped[:3]


def _gru_cell_vjp_graph(
    g: Tensor,
    xg: Tensor,
    h: Tensor,
    w_hh: Tensor,
    b_hh: tuple[Tensor, ...],
    need: tuple[bool, bool, bool, bool],
) -> tuple[Tensor | None, ...]:
    """The GRU step's VJP in differentiable Tensor ops (for ``create_graph``)."""
    hidden = h.shape[-1]
    gh = matmul(h, w_hh.T)
    if b_hh:
        gh = gh + b_hh[0]
    r = sigmoid(_columns(xg, 0, hidden) + _columns(gh, 0, hidden))
    z = sigmoid(_columns(xg, hidden, 2 * hidden) + _columns(gh, hidden, 2 * hidden))
    ghn = _columns(gh, 2 * hidden, 3 * hidden)
    n = tanh(_columns(xg, 2 * hidden, 3 * hidden) + r * ghn)
    dan = g * (1.0 - z) * (1.0 - n * n)
    dar = dan * ghn * r * (1.0 - r)
    daz = g * (h - n) * z * (1.0 - z)
    dxg = concatenate([dar, daz, dan], axis=1)
    dgh = concatenate([dar, daz, dan * r], axis=1)
    gh_prev = matmul(dgh, w_hh) + g * z if need[1] else None
    gw = matmul(dgh.T, h) if need[2] else None
    if not b_hh:
        return dxg, gh_prev, gw
    return dxg, gh_prev, gw, reduce_sum(dgh, 0) if need[3] else None


def gru_cell_step(
    xg: Tensor,
    h: Tensor,
    w_hh: Tensor,
    b_hh: Tensor | None = None,
    *,
    w_hh_t: np.ndarray | None = None,
) -> Tensor:
    """One GRU time step.

    Parameters
    ----------
    xg : Tensor
        ``(B, 3H)``: ``x W_ih^T + b_ih`` for this step, gates in the order r, z, n.
    h : Tensor
        ``(B, H)``: the previous hidden state.
    w_hh : Tensor
        ``(3H, H)``.
    b_hh : Tensor, optional
        ``(3H,)``.
    w_hh_t : ndarray, optional (keyword-only)
        As in :func:`lstm_cell_step`.

    Returns
    -------
    Tensor
        ``(B, H)``: ``(1 - z) n + z h`` with ``n = tanh(x_n + r (W_hn h + b_hn))``.
    """
    ts = (xg, h, w_hh) if b_hh is None else (xg, h, w_hh, b_hh)
    return _gru_cell(*ts, res=_wants_residuals(*ts), w_hh_t=w_hh_t)


# ---------------------------------------------------------------------- Elman RNN
def _rnn_spec(s: Sampler) -> Sample:
    b, hidden = s.integers(1, 3), s.integers(1, 3)
    nonlinearity = s.choice(["tanh", "relu"])
    # relu: keep the pre-activations away from its kink, which finite differences cannot cross
    xg = s.array((b, hidden), low=1.0, high=2.0) if nonlinearity == "relu" else s.array((b, hidden))
    w = (
        s.array((hidden, hidden), low=-0.2, high=0.2)
        if nonlinearity == "relu"
        else s.array((hidden, hidden))
    )
    h = s.array((b, hidden), low=-1.0, high=1.0)
    if nonlinearity == "relu" and s.boolean():
        xg = -xg  # the other side of the kink
    return Sample((xg, h, w), {"nonlinearity": nonlinearity})


@primitive("nn.functional.rnn_cell", spec=_rnn_spec, ref=k.rnn_reference, saves_output=True)
def _rnn_cell(
    xg: np.ndarray,
    h: np.ndarray,
    w_hh: np.ndarray,
    *,
    nonlinearity: str,
    w_hh_t: np.ndarray | None = None,
) -> np.ndarray:
    """One Elman RNN step ``act(xg + h W_hh^T)``: (B, H), (B, H), (H, H) -> (B, H)."""
    hidden = h.shape[-1]
    if w_hh.shape != (hidden, hidden) or xg.shape[-1] != hidden:
        raise ValueError(
            f"rnn_cell: input {xg.shape}, state {h.shape} and weight_hh {w_hh.shape} do not "
            "fit: expected (B, H), (B, H) and (H, H)"
        )
    _check_transposed(w_hh, w_hh_t)
    return k.rnn_forward(xg, h, w_hh, nonlinearity, w_hh_t)


@_rnn_cell.defvjp
def _rnn_cell_vjp(
    g: Tensor,
    out: Tensor,
    xg: Tensor,
    h: Tensor,
    w_hh: Tensor,
    *,
    nonlinearity: str,
    w_hh_t: np.ndarray | None = None,
) -> tuple[Tensor | None, ...]:
    # h' = act(a), a = xg + h W^T: da = g act'(a); dh = da W; dW = da^T h
    need = (True, h.requires_grad, w_hh.requires_grad)
    if is_grad_enabled():
        if nonlinearity == "tanh":
            da = g * (1.0 - out * out)
        else:  # relu' is a step: a constant mask
            da = g * Tensor.from_array((out.array > 0).astype(out.dtype))
        return da, matmul(da, w_hh) if need[1] else None, matmul(da.T, h) if need[2] else None
    grads = k.rnn_backward(g.array, out.array, h.array, w_hh.array, nonlinearity, need)
    return tuple(None if a is None else Tensor.from_array(a) for a in grads)


def rnn_cell_step(
    xg: Tensor,
    h: Tensor,
    w_hh: Tensor,
    *,
    nonlinearity: str = "tanh",
    w_hh_t: np.ndarray | None = None,
) -> Tensor:
    """One Elman RNN time step, ``act(xg + h W_hh^T)`` with ``act`` tanh or relu.

    Parameters
    ----------
    xg : Tensor
        ``(B, H)``: ``x W_ih^T + b_ih + b_hh`` for this step.
    h : Tensor
        ``(B, H)``.
    w_hh : Tensor
        ``(H, H)``.
    nonlinearity : {'tanh', 'relu'}
    w_hh_t : ndarray, optional (keyword-only)
        As in :func:`lstm_cell_step`.

    Returns
    -------
    Tensor
        ``(B, H)``.
    """
    return _rnn_cell(xg, h, w_hh, nonlinearity=k.check_nonlinearity(nonlinearity), w_hh_t=w_hh_t)


# ---------------------------------------------------------------------- the loop over time
@primitive("nn.functional.shared_across_steps", register=False, saves=())
def _shared_across_steps(w: np.ndarray) -> np.ndarray:
    """``w`` itself (a view of it)."""
    return w.view()


@_shared_across_steps.defvjp
def _shared_across_steps_vjp(g: Tensor, out: Tensor, w: Tensor) -> Tensor:
    return g  # the identity


def shared_across_steps(w: Tensor) -> Tensor:
    """``w`` as one node of the graph that every time step reads.

    The gradients of the steps then meet at that node, where the engine sums them as they
    arrive; a parameter read directly by every step would keep each step's gradient (a
    full weight-sized array) until the end of the backward pass before summing them.
    """
    if not (w.requires_grad and is_grad_enabled()):
        return w
    return _shared_across_steps(w)


def _rows(x: Tensor, lo: int, hi: int) -> Tensor:
    return getitem(x, slice(lo, hi))


def _steps(xg: Tensor, bounds: Sequence[int]) -> list[Tensor]:
    """The rows ``[bounds[t], bounds[t+1])`` of ``xg`` for every step ``t``, cut by halves:
    each cut's gradient is a zero-filled array of its parent's size, so halving costs
    O(N log T) in backward where cutting each step from the whole would cost O(N T)."""
    n = len(bounds) - 1
    pieces: list[Tensor] = []

    def cut(part: Tensor, lo: int, hi: int) -> None:
        if hi - lo <= 2:
            base = bounds[lo]
            for t in range(lo, hi):
                pieces.append(_rows(part, bounds[t] - base, bounds[t + 1] - base))
            return
        mid, base = (lo + hi) // 2, bounds[lo]
        cut(_rows(part, 0, bounds[mid] - base), lo, mid)
        cut(_rows(part, bounds[mid] - base, bounds[hi] - base), mid, hi)

    cut(xg, 0, n)
    return pieces


def scan(
    step: Step,
    xg: Tensor,
    state0: Tensor,
    *,
    batch_sizes: Sequence[int] | None = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor]:
    """Run ``step`` over the time steps of ``xg``.

    Parameters
    ----------
    step : callable
        ``step(xg_t, state) -> state`` (one fused cell call).
    xg : Tensor
        The input gates of every step: ``(T, B, G)``, or, with ``batch_sizes``, a packed
        ``(N, G)`` whose first ``batch_sizes[0]`` rows are step 0, and so on.
    state0 : Tensor
        ``(B, S)``: the initial state (of all ``B`` sequences, in packed order).
    batch_sizes : sequence of int, optional
        For packed input: how many sequences are still running at each step (non-increasing).
    reverse : bool, default False
        Run from the last step to the first (the backward direction of a bidirectional layer).

    Returns
    -------
    (Tensor, Tensor)
        The state after every step, ``(T, B, S)`` (packed: ``(N, S)``), and the final
        state of each sequence, ``(B, S)``.
    """
    if batch_sizes is None:
        n_steps, batch = xg.shape[0], xg.shape[1]
        sizes = [batch] * n_steps
        # (T, B, G) -> (T*B, G): the steps are contiguous row blocks
        flat = xg.reshape((n_steps * batch, xg.shape[2]))
    else:
        sizes, flat = [int(b) for b in batch_sizes], xg
    bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
    xs = _steps(flat, bounds)
    outs: list[Tensor] = [state0] * len(sizes)
    if not reverse:
        state, finished = state0, []
        for t, x_t in enumerate(xs):
            if sizes[t] < state.shape[0]:  # sequences that ended keep their last state
                finished.append(_rows(state, sizes[t], state.shape[0]))
                state = _rows(state, 0, sizes[t])
            state = step(x_t, state)
            outs[t] = state
        final = concatenate([state, *reversed(finished)], axis=0) if finished else state
    else:
        state = _rows(state0, 0, sizes[-1]) if sizes[-1] < state0.shape[0] else state0
        for t in range(len(sizes) - 1, -1, -1):
            if sizes[t] > state.shape[0]:  # sequences that start here (counted from the end)
                state = concatenate([state, _rows(state0, state.shape[0], sizes[t])], axis=0)
            state = step(xs[t], state)
            outs[t] = state
        final = state
    if batch_sizes is None:
        return stack(outs, axis=0), final
    return concatenate(outs, axis=0), final
