"""Activation layers, one per activation of ``nn.functional``; each holds its settings and
calls the function of the same (lower-case) name.

``inplace=True`` is accepted for compatibility with PyTorch code, but the result is always
computed out of place: the input is left unchanged and memory use is that of
``inplace=False``. (Modifying a tensor in place that autograd may still need is what
PyTorch's flag risks; here it cannot happen.)
"""

from __future__ import annotations

import warnings
from typing import Any

import autograd_np.nn.functional as F
from autograd_np.creation import as_generator
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.functional.attention import multi_head_attention_forward
from autograd_np.nn.modules._utils import (
    GeneratorLike,
    check_device,
    empty_parameter,
    float_dtype,
)
from autograd_np.nn.modules.linear import Linear
from autograd_np.nn.modules.module import Module
from autograd_np.nn.parameter import Parameter
from autograd_np.ops.shape import swapaxes
from autograd_np.tensor import Tensor

__all__ = [
    "ELU",
    "GELU",
    "LeakyReLU",
    "LogSoftmax",
    "MultiheadAttention",
    "ReLU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]


class ReLU(Module):
    """``max(0, x)``, elementwise.

    Parameters
    ----------
    inplace : bool, default False
        Accepted for compatibility; computed out of place (see the module docstring).

    Shapes
    ------
    input : any; output : the same.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.relu(input)``."""
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise.

    Parameters
    ----------
    negative_slope : float, default 0.01
    inplace : bool, default False
        Accepted for compatibility; computed out of place.
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.leaky_relu(input, negative_slope)``."""
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    alpha : float, default 1.0
    inplace : bool, default False
        Accepted for compatibility; computed out of place.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.elu(input, alpha)``."""
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """The Gaussian error linear unit ``x * Phi(x)``.

    Parameters
    ----------
    approximate : {"none", "tanh"}, default "none"
        "tanh" uses the tanh approximation of Phi.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """``F.gelu(input, approximate=...)``."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)`` (also called swish).

    Parameters
    ----------
    inplace : bool, default False
        Accepted for compatibility; computed out of place.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """``F.silu(input)``."""
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.sigmoid(input)``."""
        return F.sigmoid(input)


class Tanh(Module):
    """The hyperbolic tangent, elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """``F.tanh(input)``."""
        return F.tanh(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.

    Parameters
    ----------
    beta : float, default 1.0
    threshold : float, default 20.0
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        """``F.softplus(input, beta, threshold)``."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _implicit_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice of dim when none is given (with its warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``.

    Parameters
    ----------
    dim : int
        The dim along which the outputs sum to 1. None picks one as PyTorch's legacy rule
        does (0 for 0-, 1- and 3-D inputs, else 1) with a warning.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.softmax(input, dim)``."""
        dim = self.dim if self.dim is not None else _implicit_dim("softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably.

    Parameters
    ----------
    dim : int
        As in :class:`Softmax`.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """``F.log_softmax(input, dim)``."""
        dim = self.dim if self.dim is not None else _implicit_dim("log_softmax", input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class MultiheadAttention(Module):
    """Multi-head attention (PyTorch's ``nn.MultiheadAttention``): project queries, keys and
    values, attend in ``num_heads`` heads of ``embed_dim // num_heads`` channels each, and
    project the concatenated heads.

    Parameters
    ----------
    embed_dim : int
        Channels of the query (and of the output).
    num_heads : int
        A divisor of ``embed_dim``.
    dropout : float, default 0.0
        Dropout on the attention weights in training mode.
    bias : bool, default True
        Biases in the input and output projections.
    add_bias_kv : bool, default False
        Learn one extra key and value (``bias_k``, ``bias_v``) appended to the sequence.
    add_zero_attn : bool, default False
        Append a zero key and value to the sequence.
    kdim, vdim : int, optional
        Channels of the key and value (default ``embed_dim``). When either differs, the
        projections are separate parameters ``q_proj_weight``, ``k_proj_weight``,
        ``v_proj_weight``; otherwise one ``in_proj_weight`` of shape (3E, E).
    batch_first : bool, default False
        Inputs and outputs are (N, L, E) instead of (L, N, E).
    device : None or "cpu"
    dtype : numpy dtype, optional
    generator : np.random.Generator or int, optional (keyword-only)
        Initial weights, and then this layer's dropout.

    Attributes
    ----------
    in_proj_weight : Parameter (3E, E) or None
        Xavier-uniform, as PyTorch.
    in_proj_bias : Parameter (3E,) or None
        Zeros.
    out_proj : Linear (E -> E)
        PyTorch's Linear initialisation, zero bias.
    bias_k, bias_v : Parameter (1, 1, E) or None
        Xavier-normal.

    Shapes
    ------
    query (L, N, E), key (S, N, kdim), value (S, N, vdim) (or (N, L, E)... with
    ``batch_first``, or unbatched (L, E)); key_padding_mask (N, S) (True or -inf: ignore
    that key); attn_mask (L, S) or (N * num_heads, L, S) (True or -inf: not allowed) ->
    output like the query with E channels; weights (N, L, S) averaged over the heads, or
    (N, num_heads, L, S) with ``average_attn_weights=False``, or None with
    ``need_weights=False``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> mha = nn.MultiheadAttention(16, 4, batch_first=True, generator=0)
    >>> x = ag.ones((2, 5, 16))
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    ((2, 5, 16), (2, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        check_device(device, "MultiheadAttention")
        dt = float_dtype(dtype, "MultiheadAttention")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                f"embed_dim={embed_dim} and num_heads={num_heads} instead"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                f"({num_heads})"
            )
        self.embed_dim = int(embed_dim)
        self.kdim = int(kdim) if kdim is not None else self.embed_dim
        self.vdim = int(vdim) if vdim is not None else self.embed_dim
        self._qkv_same_embed_dim = self.kdim == self.embed_dim and self.vdim == self.embed_dim
        self.num_heads = int(num_heads)
        self.dropout = float(dropout)
        self.batch_first = batch_first
        self.head_dim = self.embed_dim // self.num_heads
        self.add_zero_attn = add_zero_attn
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter((3 * e, e), dt)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty_parameter((e, e), dt)
            self.k_proj_weight = empty_parameter((e, self.kdim), dt)
            self.v_proj_weight = empty_parameter((e, self.vdim), dt)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty_parameter((3 * e,), dt)
        else:
            self.register_parameter("in_proj_bias", None)
        rng = as_generator(generator)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt, generator=rng)
        self.bias_k: Parameter | None
        self.bias_v: Parameter | None
        if add_bias_kv:
            self.bias_k = empty_parameter((1, 1, e), dt)
            self.bias_v = empty_parameter((1, 1, e), dt)
        else:
            self.bias_k = self.bias_v = None
        self.generator = rng
        self._reset_parameters(rng)

    def _reset_parameters(self, generator: GeneratorLike = None) -> None:
        rng = as_generator(generator)
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=rng)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w, generator=rng)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None and self.bias_v is not None:
            init.xavier_normal_(self.bias_k, generator=rng)
            init.xavier_normal_(self.bias_v, generator=rng)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """New initial values (PyTorch's scheme) from ``generator``."""
        rng = as_generator(generator)
        self.out_proj.reset_parameters(rng)
        self._reset_parameters(rng)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from ``query`` over ``key``/``value``; returns ``(output, weights)``.

        A boolean ``attn_mask`` or ``key_padding_mask`` marks with True what may NOT be
        attended to (PyTorch's convention for this layer, the opposite of
        ``F.scaled_dot_product_attention``'s); float masks are added. ``is_causal`` is a
        hint that ``attn_mask`` is the causal mask, which must still be given. With
        ``need_weights=True`` the weights are computed explicitly (a fully masked row gives
        NaN, as in PyTorch); otherwise the fused ``F.scaled_dot_product_attention`` runs
        (such a row gives zeros).
        """
        q, k, v = (t if isinstance(t, Tensor) else Tensor(t) for t in (query, key, value))
        if q.ndim not in (2, 3):
            raise ValueError(f"MultiheadAttention: query must be 2-D or 3-D, got shape {q.shape}")
        if self.batch_first and q.ndim == 3:
            # (N, L, E) -> (L, N, E)
            q, k, v = (swapaxes(t, 0, 1) for t in (q, k, v))
        if q.shape[-1] != self.embed_dim:
            raise ValueError(
                f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, "
                f"but got {q.shape[-1]}"
            )
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            e = self.embed_dim
            wq, wk, wv = w[:e], w[e : 2 * e], w[2 * e :]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        out, weights = multi_head_attention_forward(
            q,
            k,
            v,
            self.num_heads,
            wq,
            wk,
            wv,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
            generator=self.generator,
        )
        if self.batch_first and q.ndim == 3:
            out = swapaxes(out, 0, 1)  # (L, N, E) -> (N, L, E)
        return out, weights

    def extra_repr(self) -> str:
        s = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.batch_first:
            s += ", batch_first=True"
        return s
