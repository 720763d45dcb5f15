"""Transformer layers (PyTorch's ``nn.Transformer*``): encoder and decoder layers, their
stacks, and the whole encoder-decoder model, with PyTorch's parameter names and
initialisation, so state_dicts are exchangeable.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_np.nn.functional as F
from autograd_np.creation import as_generator
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.modules._utils import GeneratorLike, check_device, float_dtype
from autograd_np.nn.modules.activation import MultiheadAttention
from autograd_np.nn.modules.container import ModuleList
from autograd_np.nn.modules.dropout import Dropout
from autograd_np.nn.modules.linear import Linear
from autograd_np.nn.modules.module import Module
from autograd_np.nn.modules.normalization import LayerNorm
from autograd_np.tensor import Tensor

__all__ = [
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]

Activation = str | Callable[[Tensor], Tensor]


def _activation(op: str, activation: Activation) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"{op}: activation should be relu/gelu or a callable, not {activation!r}")


def _generate_square_subsequent_mask(sz: int, dtype: DTypeLike | None = None) -> Tensor:
    dt = np.dtype(dtype) if dtype is not None else np.dtype(np.float32)
    return Tensor.from_array(np.triu(np.full((sz, sz), -np.inf, dtype=dt), k=1))


def _detect_is_causal_mask(mask: Any, is_causal: bool | None, size: int | None) -> bool:
    """PyTorch's rule: an explicit ``is_causal`` wins; with None, a mask equal to the square
    subsequent mask counts as causal."""
    make_causal = is_causal is True
    if is_causal is None and mask is not None:
        m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
        sz = size if size is not None else m.shape[-2]
        causal = np.triu(np.full((sz, sz), -np.inf), k=1)
        make_causal = m.shape == causal.shape and bool(np.array_equal(m, causal))
    return make_causal


def _build_layer(
    layer: Module,
    op: str,
    attention: tuple[str, ...],
    d_model: int,
    nhead: int,
    dim_feedforward: int,
    dropout: float,
    layer_norm_eps: float,
    norm_first: bool,
    batch_first: bool,
    bias: bool,
    device: Any,
    dtype: DTypeLike | None,
    generator: GeneratorLike,
) -> None:
    """Give an encoder or decoder layer its sub-layers, in PyTorch's order (the order of
    the state_dict keys and of the draws from ``generator``): the attention blocks named in
    ``attention``, the feed-forward block, then one LayerNorm and one Dropout per block."""
    check_device(device, op)
    dt = float_dtype(dtype, op)
    rng = as_generator(generator)
    for name in attention:
        setattr(layer, name, MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dt,
            generator=rng,
        ))  # fmt: skip
    layer.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dt, generator=rng)
    layer.dropout = Dropout(dropout, generator=rng)
    layer.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dt, generator=rng)
    layer.norm_first = norm_first
    blocks = len(attention) + 1  # each attention block and the feed-forward block
    for i in range(1, blocks + 1):
        setattr(layer, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt))
    for i in range(1, blocks + 1):
        setattr(layer, f"dropout{i}", Dropout(dropout, generator=rng))


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each with a residual connection and a
    LayerNorm (after it, or before it with ``norm_first``), as PyTorch's.

    Parameters
    ----------
    d_model : int
    nhead : int
    dim_feedforward : int, default 2048
    dropout : float, default 0.1
    activation : 'relu', 'gelu' or callable, default 'relu'
    layer_norm_eps : float, default 1e-5
    batch_first : bool, default False
        (N, S, E) instead of (S, N, E).
    norm_first : bool, default False
    bias : bool, default True
    device, dtype
    generator : np.random.Generator or int, optional (keyword-only)
        Initial weights, and the dropouts' randomness.

    Shapes
    ------
    src (S, N, E) (or (N, S, E), or (S, E)); src_mask (S, S) or (N * nhead, S, S) (True
    or -inf: not allowed); src_key_padding_mask (N, S) -> the shape of src.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        _build_layer(
            self, "TransformerEncoderLayer", ("self_attn",), d_model, nhead, dim_feedforward,
            dropout, layer_norm_eps, norm_first, batch_first, bias, device, dtype, generator,
        )  # fmt: skip
        codes = {"relu": 1, "gelu": 2}
        self.activation_relu_or_gelu = (
            codes.get(activation, 0) if isinstance(activation, str) else 0
        )
        self.activation = _activation("TransformerEncoderLayer", activation)
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """One encoder layer; ``is_causal`` is a hint that ``src_mask`` is causal."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(
        self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        out = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention, attention over the encoder's output (``memory``) and a feed-forward
    network, each with a residual connection and a LayerNorm, as PyTorch's. The parameters
    are those of :class:`TransformerEncoderLayer`.

    Shapes
    ------
    tgt (T, N, E), memory (S, N, E) (batch first with ``batch_first``, or unbatched);
    tgt_mask (T, T); memory_mask (T, S); tgt_key_padding_mask (N, T);
    memory_key_padding_mask (N, S) -> the shape of tgt.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        _build_layer(
            self, "TransformerDecoderLayer", ("self_attn", "multihead_attn"), d_model, nhead,
            dim_feedforward, dropout, layer_norm_eps, norm_first, batch_first, bias, device,
            dtype, generator,
        )  # fmt: skip
        self.activation = _activation("TransformerDecoderLayer", activation)
        self.batch_first = batch_first

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """One decoder layer."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(
            x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
        )
        return self.norm3(x + self._ff_block(x))

    def _sa_block(
        self, x: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        out = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout1(out)

    def _mha_block(
        self, x: Tensor, mem: Tensor, attn_mask: Any, key_padding_mask: Any, is_causal: bool
    ) -> Tensor:
        out = self.multihead_attn(
            x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
            need_weights=False, is_causal=is_causal,
        )[0]  # fmt: skip
        return self.dropout2(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: each starts from the same
    weights, as in PyTorch), then ``norm`` if given.

    Shapes
    ------
    As :class:`TransformerEncoderLayer`; ``mask`` is the layers' ``src_mask``.
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(
        self,
        src: Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run the layers in turn; with ``is_causal=None`` a ``mask`` equal to the square
        subsequent mask is taken as causal."""
        first = self.layers[0] if len(self.layers) else None
        seq_axis = 1 if first is not None and first.batch_first and src.ndim == 3 else 0
        causal = _detect_is_causal_mask(mask, is_causal, src.shape[seq_axis])
        out = src
        for layer in self.layers:
            out = layer(
                out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=causal
            )
        return self.norm(out) if self.norm is not None else out


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer``, then ``norm`` if given.

    Shapes
    ------
    As :class:`TransformerDecoderLayer`.
    """

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run the layers in turn over ``memory``."""
        first = self.layers[0] if len(self.layers) else None
        seq_axis = 1 if first is not None and first.batch_first and tgt.ndim == 3 else 0
        causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, tgt.shape[seq_axis])
        out = tgt
        for layer in self.layers:
            out = layer(
                out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=causal, memory_is_causal=memory_is_causal,
            )  # fmt: skip
        return self.norm(out) if self.norm is not None else out


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need", as PyTorch's
    ``nn.Transformer``: an encoder stack and a decoder stack, each ending in a LayerNorm;
    every parameter with more than one dimension re-initialised Xavier-uniform.

    Parameters
    ----------
    d_model : int, default 512
    nhead : int, default 8
    num_encoder_layers, num_decoder_layers : int, default 6
    dim_feedforward : int, default 2048
    dropout : float, default 0.1
    activation : 'relu', 'gelu' or callable, default 'relu'
    custom_encoder, custom_decoder : Module, optional
    layer_norm_eps : float, default 1e-5
    batch_first, norm_first, bias : bool
    device, dtype
    generator : np.random.Generator or int, optional (keyword-only)

    Shapes
    ------
    src (S, N, E), tgt (T, N, E) (batch first with ``batch_first``; unbatched (S, E),
    (T, E)) -> (T, N, E). Masks as in the layers: src_mask (S, S), tgt_mask (T, T),
    memory_mask (T, S), key padding masks (N, S), (N, T), (N, S).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1,
    ...                        num_decoder_layers=1, dim_feedforward=32, generator=0)
    >>> tgt_mask = nn.Transformer.generate_square_subsequent_mask(7)
    >>> model(ag.ones((9, 3, 16)), ag.ones((7, 3, 16)), tgt_mask=tgt_mask).shape
    (7, 3, 16)
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        check_device(device, "Transformer")
        dt = float_dtype(dtype, "Transformer")
        rng = as_generator(generator)
        common: dict[str, Any] = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "dtype": dt,
            "generator": rng,
        }
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **common)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dlayer = TransformerDecoderLayer(d_model, nhead, **common)
            dnorm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dt)
            self.decoder = TransformerDecoder(dlayer, num_decoder_layers, dnorm)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p, generator=rng)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``, then decode ``tgt`` over the encoding."""
        batched = src.ndim == 3
        if (
            batched
            and src.shape[0 if self.batch_first else 1] != tgt.shape[0 if self.batch_first else 1]
        ):
            raise RuntimeError("Transformer: the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}), got {src.shape[-1]} and {tgt.shape[-1]}"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal,
        )  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(
        sz: int, device: Any = None, dtype: DTypeLike | None = None
    ) -> Tensor:
        """The (sz, sz) float mask with -inf above the diagonal and 0 elsewhere: position
        i may attend to positions <= i."""
        return _generate_square_subsequent_mask(sz, dtype)
