"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's arguments, parameter names, gate order and
initialisation, so state dicts are exchangeable with PyTorch's.

A layer computes the input gates of all time steps with one GEMM, then runs one fused cell
primitive per step (see :mod:`autograd_np.nn.functional.rnn`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd_np.nn.functional as F
from autograd_np.creation import as_generator
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.functional import rnn as R
from autograd_np.nn.modules._rnn_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from autograd_np.nn.modules._utils import GeneratorLike, check_device, empty_parameter, float_dtype
from autograd_np.nn.modules.module import Module
from autograd_np.nn.parameter import Parameter
from autograd_np.nn.utils.rnn import PackedSequence
from autograd_np.ops import concatenate, getitem, index_select, stack, swapaxes, unsqueeze
from autograd_np.tensor import Tensor

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cols(t: Tensor, lo: int, hi: int) -> Tensor:
    """``t[..., lo:hi]``."""
    return getitem(t, (Ellipsis, slice(lo, hi)))


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and
    direction, and the loop over layers. See those classes for the arguments."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        check_device(device, name)
        dt = float_dtype(dtype, name)
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                f"element being zeroed, got {dropout}"
            )
        if int(hidden_size) <= 0 or int(num_layers) <= 0:
            raise ValueError(
                f"{name}: hidden_size and num_layers must be positive, got {hidden_size} and "
                f"{num_layers}"
            )
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = int(proj_size)
        self.generator = as_generator(generator)
        gate_size = _GATES[mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, real_hidden),
                }
                if self.bias:
                    shapes["bias_ih"] = (gate_size,)
                    shapes["bias_hh"] = (gate_size,)
                if self.proj_size:
                    shapes["weight_hr"] = (self.proj_size, self.hidden_size)
                names = []
                for key, shape in shapes.items():
                    setattr(self, key + suffix, empty_parameter(shape, dt))
                    names.append(key + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters(self.generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        rng = as_generator(generator)
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv, generator=rng)

    def flatten_parameters(self) -> None:
        """Do nothing (as on a CPU build of PyTorch, where weights are never flattened)."""

    @property
    def _flat_weights(self) -> list[Parameter]:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    # ------------------------------------------------------------------ forward
    def _state_sizes(self) -> tuple[int, int]:
        """(width of h, width of c or 0)."""
        real = self.proj_size or self.hidden_size
        return real, (self.hidden_size if self.mode == "LSTM" else 0)

    def _check_hidden(self, h: Any, batch: int, width: int, what: str) -> Tensor:
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, width)
        t = h if isinstance(h, Tensor) else Tensor(h)
        if t.shape != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {t.shape}")
        return t

    def _layer_step(self, names: list[str]) -> tuple[Tensor | None, Any]:
        """The bias added to the GEMM of the input gates, and the one-step function."""
        p = {n.split("_l")[0]: getattr(self, n) for n in names}
        w_t = np.ascontiguousarray(p["weight_hh"].array.T)  # made once for all the steps
        w_hh = R.shared_across_steps(p["weight_hh"])
        b_ih, b_hh = p.get("bias_ih"), p.get("bias_hh")
        if self.mode == "GRU":
            b = None if b_hh is None else R.shared_across_steps(b_hh)
            return b_ih, lambda x, s: R.gru_cell_step(x, s, w_hh, b, w_hh_t=w_t)
        bias = None if b_ih is None else b_ih + b_hh
        if self.mode == "LSTM":
            w_hr = p.get("weight_hr")
            w_hr = None if w_hr is None else R.shared_across_steps(w_hr)
            return bias, lambda x, s: R.lstm_cell_step(x, s, w_hh, w_hr, w_hh_t=w_t)
        act = "tanh" if self.mode == "RNN_TANH" else "relu"
        return bias, lambda x, s: R.rnn_cell_step(x, s, w_hh, nonlinearity=act, w_hh_t=w_t)

    def _run(
        self, x: Tensor, states: list[Tensor], batch_sizes: list[int] | None
    ) -> tuple[Tensor, list[Tensor]]:
        """All layers and directions. ``x`` is (T, B, I) or packed (N, I); ``states`` the
        initial state of each layer/direction, (B, S). Returns the last layer's output and
        the final states."""
        directions = 2 if self.bidirectional else 1
        width, _ = self._state_sizes()
        finals: list[Tensor] = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                names = self._all_weights[k]
                bias, step = self._layer_step(names)
                xg = F.linear(x, getattr(self, names[0]), bias)  # all steps: one GEMM
                seq, final = R.scan(step, xg, states[k], batch_sizes=batch_sizes, reverse=d == 1)
                finals.append(final)
                outs.append(_cols(seq, 0, width) if self.mode == "LSTM" else seq)
            x = outs[0] if directions == 1 else concatenate(outs, axis=-1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True, generator=self.generator)
        return x, finals

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """Run the layers over a sequence; see the class docstring for shapes."""
        packed = isinstance(input, PackedSequence)
        if packed:
            x, sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in sizes_t.array]
            batch, unbatched = batch_sizes[0], False
        else:
            x = input if isinstance(input, Tensor) else Tensor(input)
            if x.ndim not in (2, 3):
                raise ValueError(
                    f"{self._get_name()}: Expected input to be 2D or 3D, got {x.ndim}D instead"
                )
            batch_sizes, sorted_indices, unsorted_indices = None, None, None
            unbatched = x.ndim == 2
            if unbatched:
                x = unsqueeze(x, 1)
            elif self.batch_first:
                x = swapaxes(x, 0, 1)  # (B, T, I) -> (T, B, I)
            batch = x.shape[1]
        if not packed and x.shape[0] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]}"
            )
        w0 = getattr(self, self._flat_weights_names[0])
        if x.dtype != w0.dtype:
            raise TypeError(
                f"{self._get_name()}: input dtype {x.dtype} does not match the parameters' "
                f"dtype {w0.dtype}; convert one of them (x.to(...) or module.to(...))"
            )
        h0, c0 = self._initial_states(hx, batch, unbatched, sorted_indices, w0.dtype)
        states = list(h0) if c0 is None else [concatenate([h, c], axis=-1) for h, c in zip(h0, c0)]
        out, finals = self._run(x, states, batch_sizes)
        width, _ = self._state_sizes()
        last = stack(finals, axis=0)  # (L*D, B, S)
        if unsorted_indices is not None:
            last = index_select(last, 1, unsorted_indices)
        h_n = _cols(last, 0, width) if c0 is not None else last
        if unbatched:
            out, last = getitem(out, (slice(None), 0)), getitem(last, (slice(None), 0))
            h_n = _cols(last, 0, width) if c0 is not None else last
        elif not packed and self.batch_first:
            out = swapaxes(out, 0, 1)
        result: Any = out
        if packed:
            result = PackedSequence(out, sizes_t, sorted_indices, unsorted_indices)
        if c0 is None:
            return result, h_n
        return result, (h_n, _cols(last, width, last.shape[-1]))

    def _initial_states(
        self,
        hx: Any,
        batch: int,
        unbatched: bool,
        sorted_indices: Tensor | None,
        dtype: np.dtype[Any],
    ) -> tuple[list[Tensor], list[Tensor] | None]:
        """h0 (and c0) of every layer/direction, each (B, width), in packed order."""
        width, cell = self._state_sizes()
        directions = 2 if self.bidirectional else 1
        n = self.num_layers * directions
        lstm = self.mode == "LSTM"
        if hx is None:
            h = [Tensor.from_array(np.zeros((batch, width), dtype=dtype))] * n
            c = [Tensor.from_array(np.zeros((batch, cell), dtype=dtype))] * n if lstm else None
            return h, c
        if lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError("LSTM: hx must be a tuple (h_0, c_0)")
            parts = [hx[0], hx[1]]
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._get_name()}: hx must be a Tensor, not a tuple")
            parts = [hx]
        checked = []
        for part, w, what in zip(parts, (width, cell), ("hidden", "cell state")):
            t = part if isinstance(part, Tensor) else Tensor(part)
            if unbatched:
                if t.ndim != 2:
                    raise RuntimeError(
                        f"For unbatched 2-D input, hx should also be 2-D but got {t.ndim}-D tensor"
                    )
                t = unsqueeze(t, 1)
            elif t.ndim != 3:
                raise RuntimeError(
                    f"For batched 3-D input, hx should also be 3-D but got {t.ndim}-D tensor"
                )
            t = self._check_hidden(t, batch, w, what)
            if sorted_indices is not None:
                t = index_select(t, 1, sorted_indices)
            checked.append([getitem(t, i) for i in range(n)])
        return checked[0], (checked[1] if lstm else None)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """An Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` in each layer,
    ``act`` tanh or relu.

    Parameters
    ----------
    input_size : int
        Features of each input step.
    hidden_size : int
        Features of the hidden state ``H``.
    num_layers : int, default 1
        Stacked layers ``L``; layer ``l > 0`` reads the output of layer ``l - 1``.
    nonlinearity : {'tanh', 'relu'}, default 'tanh'
    bias : bool, default True
        Whether the layers have ``bias_ih`` and ``bias_hh``.
    batch_first : bool, default False
        Input and output as ``(B, T, *)`` instead of ``(T, B, *)`` (the states stay
        ``(L*D, B, H)``).
    dropout : float, default 0.0
        Dropout on the outputs of every layer but the last, in training mode.
    bidirectional : bool, default False
        Add a direction reading the sequence backwards (``D = 2``); outputs are
        concatenated, forward first.
    device, dtype
        ``device`` must be None or 'cpu'; ``dtype`` of the parameters (float32 by default).
    generator : np.random.Generator or int, optional (keyword-only)
        Where the initial weights, then the dropout masks, come from.

    Attributes
    ----------
    weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k]
        PyTorch's names (``_reverse`` for the backward direction): (H, I) for layer 0,
        (H, D*H) above, (H, H), (H,), (H,). All drawn from U(-1/sqrt(H), 1/sqrt(H)).

    Shapes
    ------
    input : (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence;
    h_0 : (L*D, B, H), or (L*D, H) unbatched; zeros when omitted.
    Returns ``(output, h_n)``: output (T, B, D*H) (a PackedSequence for packed input),
    h_n (L*D, B, H).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> rnn = nn.RNN(10, 20, 2, generator=0)
    >>> out, h_n = rnn(ag.randn(5, 3, 10, generator=0))
    >>> out.shape, h_n.shape
    ((5, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        self.nonlinearity = nonlinearity
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(
            mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype, generator=generator,
        )  # fmt: skip

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """A long short-term memory layer, with PyTorch's equations and gate order (i, f, g, o):
    ``i, f, o = sigmoid(.)`` and ``g = tanh(.)`` of ``x W_ih^T + b_ih + h W_hh^T + b_hh``,
    ``c' = f c + i g``, ``h' = o tanh(c')`` (times ``W_hr^T`` when ``proj_size > 0``).

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        As :class:`RNN`.
    proj_size : int, default 0
        With ``P = proj_size > 0`` (less than ``hidden_size``), ``h`` is projected to P
        features by ``weight_hr``; otherwise ``P = H``.
    device, dtype, generator
        As :class:`RNN`.

    Attributes
    ----------
    weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k], weight_hr_l[k]
        PyTorch's names (``_reverse`` for the backward direction): (4H, I) for layer 0,
        (4H, D*P) above, (4H, P), (4H,), (4H,), (P, H). All drawn from
        U(-1/sqrt(H), 1/sqrt(H)).

    Shapes
    ------
    input : (T, B, I), (B, T, I) with batch_first, (T, I) unbatched, or a PackedSequence;
    hx : a tuple ``(h_0, c_0)`` of (L*D, B, P) and (L*D, B, H) (without B unbatched);
    zeros when omitted. Returns ``(output, (h_n, c_n))``: output (T, B, D*P) (a
    PackedSequence for packed input), h_n (L*D, B, P), c_n (L*D, B, H).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> lstm = nn.LSTM(10, 20, 2, generator=0)
    >>> out, (h_n, c_n) = lstm(ag.randn(5, 3, 10, generator=0))
    >>> out.shape, h_n.shape, c_n.shape
    ((5, 3, 20), (2, 3, 20), (2, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(
            "LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, proj_size, device, dtype, generator=generator,
        )  # fmt: skip


class GRU(RNNBase):
    """A gated recurrent unit layer, with PyTorch's equations and gate order (r, z, n):
    ``r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)``, ``z`` likewise,
    ``n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn))``, ``h' = (1 - z) n + z h``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        As :class:`RNN`.
    device, dtype, generator
        As :class:`RNN`.

    Attributes
    ----------
    weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k]
        As :class:`RNN`'s with ``3H`` rows: (3H, I), (3H, H), (3H,), (3H,).

    Shapes
    ------
    As :class:`RNN`: returns ``(output, h_n)``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> gru = nn.GRU(10, 20, batch_first=True, generator=0)
    >>> out, h_n = gru(ag.randn(3, 5, 10, generator=0))
    >>> out.shape, h_n.shape
    ((3, 5, 20), (1, 3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(
            "GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
            bidirectional, 0, device, dtype, generator=generator,
        )  # fmt: skip
