"""The one-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell`` (exported from
:mod:`autograd_np.nn.modules.rnn`, PyTorch's path for them). Each step is one fused cell
primitive of :mod:`autograd_np.nn.functional.rnn`."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_np.nn.functional as F
from autograd_np.creation import as_generator
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.functional import rnn as R
from autograd_np.nn.modules._utils import GeneratorLike, check_device, empty_parameter, float_dtype
from autograd_np.nn.modules.module import Module
from autograd_np.ops import concatenate, getitem, unsqueeze
from autograd_np.tensor import Tensor

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


def _cols(t: Tensor, lo: int, hi: int) -> Tensor:
    """``t[..., lo:hi]``."""
    return getitem(t, (Ellipsis, slice(lo, hi)))


class RNNCellBase(Module):
    """What the one-step cells share: ``weight_ih`` (G, I), ``weight_hh`` (G, H),
    ``bias_ih`` and ``bias_hh`` (G,), all drawn from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        check_device(device, self._get_name())
        dt = float_dtype(dtype, self._get_name())
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        gates = num_chunks * self.hidden_size
        self.weight_ih = empty_parameter((gates, self.input_size), dt)
        self.weight_hh = empty_parameter((gates, self.hidden_size), dt)
        if bias:
            self.bias_ih = empty_parameter((gates,), dt)
            self.bias_hh = empty_parameter((gates,), dt)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        rng = as_generator(generator)
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv, generator=rng)

    def _input(self, input: Any) -> tuple[Tensor, bool]:
        x = input if isinstance(input, Tensor) else Tensor(input)
        if x.ndim not in (1, 2):
            raise ValueError(
                f"{self._get_name()}: Expected input to be 1D or 2D, got {x.ndim}D instead"
            )
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {x.shape[-1]} expected {self.input_size}"
            )
        unbatched = x.ndim == 1
        return (unsqueeze(x, 0) if unbatched else x), unbatched

    def _state(self, h: Any, x: Tensor, unbatched: bool, width: int) -> Tensor:
        if h is None:
            return Tensor.from_array(np.zeros((x.shape[0], width), dtype=x.dtype))
        t = h if isinstance(h, Tensor) else Tensor(h)
        if unbatched:
            if t.ndim != 1:
                raise RuntimeError(f"{self._get_name()}: Expected hidden to be 1D for 1D input")
            t = unsqueeze(t, 0)
        if t.shape != (x.shape[0], width):
            raise RuntimeError(
                f"{self._get_name()}: hidden state of shape {t.shape} does not fit: expected "
                f"{(x.shape[0], width)}"
            )
        return t

    def _gates(self, x: Tensor, both_biases: bool) -> Tensor:
        """``x W_ih^T`` plus ``b_ih`` (and ``b_hh`` when it enters linearly)."""
        bias: Tensor | None = self.bias_ih
        if both_biases and bias is not None:
            bias = bias + self.bias_hh
        return F.linear(x, self.weight_ih, bias)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        return s if nonlinearity == "tanh" else s + f", nonlinearity={nonlinearity}"


def _squeeze0(t: Tensor, unbatched: bool) -> Tensor:
    return getitem(t, 0) if unbatched else t


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    nonlinearity : {'tanh', 'relu'}, default 'tanh'
    device, dtype, generator
        As :class:`RNN`.

    Shapes
    ------
    input (B, I) or (I,); hx (B, H) or (H,), zeros when omitted -> h' of hx's shape.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.RNNCell(10, 20, generator=0)(ag.ones(3, 10)).shape
    (3, 20)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype, generator=generator)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched, self.hidden_size)
        out = R.rnn_cell_step(
            self._gates(x, True), h, self.weight_hh, nonlinearity=self.nonlinearity
        )
        return _squeeze0(out, unbatched)


class LSTMCell(RNNCellBase):
    """One LSTM step (gate order i, f, g, o): ``c' = f c + i g``, ``h' = o tanh(c')``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    device, dtype, generator
        As :class:`RNN`.

    Shapes
    ------
    input (B, I) or (I,); hx a tuple ``(h, c)`` of (B, H) or (H,), zeros when omitted ->
    ``(h', c')`` of the same shapes.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> h, c = nn.LSTMCell(10, 20, generator=0)(ag.ones(3, 10))
    >>> h.shape, c.shape
    ((3, 20), (3, 20))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype, generator=generator)

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        """The next ``(h, c)``."""
        x, unbatched = self._input(input)
        hidden = self.hidden_size
        if hx is None:
            state = self._state(None, x, unbatched, 2 * hidden)
        else:
            h = self._state(hx[0], x, unbatched, hidden)
            state = concatenate([h, self._state(hx[1], x, unbatched, hidden)], axis=1)
        out = R.lstm_cell_step(self._gates(x, True), state, self.weight_hh)
        h_new, c_new = _cols(out, 0, hidden), _cols(out, hidden, 2 * hidden)
        return _squeeze0(h_new, unbatched), _squeeze0(c_new, unbatched)


class GRUCell(RNNCellBase):
    """One GRU step (gate order r, z, n): ``h' = (1 - z) n + z h``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool, default True
    device, dtype, generator
        As :class:`RNN`.

    Shapes
    ------
    input (B, I) or (I,); hx (B, H) or (H,), zeros when omitted -> h' of hx's shape.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.GRUCell(10, 20, generator=0)(ag.ones(10)).shape
    (20,)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype, generator=generator)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched, self.hidden_size)
        out = R.gru_cell_step(self._gates(x, False), h, self.weight_hh, self.bias_hh)
        return _squeeze0(out, unbatched)
