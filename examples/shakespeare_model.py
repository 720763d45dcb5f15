"""The models of ``examples.shakespeare``: a small GPT (nanoGPT's architecture) and a
character-level LSTM baseline.

The GPT is nanoGPT's ``model.py`` in this library's nn: token and position embeddings,
pre-norm blocks of causal self-attention (one fused ``F.scaled_dot_product_attention``) and
a GELU MLP, a final LayerNorm, and a language-model head tied to the token embedding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_np as ag
import autograd_np.nn as nn
import autograd_np.nn.functional as F
from autograd_np.nn import init


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: one (C -> 3C) projection, fused attention, output
    projection.

    Shapes
    ------
    (B, T, C) -> (B, T, C)
    """

    def __init__(self, n_embd: int, n_head: int, bias: bool, *, generator: Any) -> None:
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"n_embd ({n_embd}) must be a multiple of n_head ({n_head})")
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias, generator=generator)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias, generator=generator)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        b, t, c = x.shape
        h = self.n_head
        # (B, T, 3C) -> (B, T, 3, H, D) -> (3, B, H, T, D)
        qkv = self.c_attn(x).reshape(b, t, 3, h, c // h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_causal=True)
        y = y.transpose(1, 2).reshape(b, t, c)  # (B, H, T, D) -> (B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    """``Linear(C, 4C)``, GELU, ``Linear(4C, C)``."""

    def __init__(self, n_embd: int, bias: bool, *, generator: Any) -> None:
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias, generator=generator)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias, generator=generator)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    """A pre-norm Transformer block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``."""

    def __init__(self, n_embd: int, n_head: int, bias: bool, *, generator: Any) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, bias, generator=generator)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, bias, generator=generator)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """A character-level GPT.

    Parameters
    ----------
    vocab_size, block_size, n_layer, n_head, n_embd : int
    bias : bool, default False
        Biases in the Linear and LayerNorm layers (nanoGPT's recipe has none).
    generator : np.random.Generator or int (keyword-only)
        Initial weights: N(0, 0.02), the residual projections N(0, 0.02 / sqrt(2 n_layer)),
        as nanoGPT.

    Shapes
    ------
    idx (B, T) int -> logits (B, T, vocab_size), T <= block_size
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        n_layer: int,
        n_head: int,
        n_embd: int,
        bias: bool = False,
        *,
        generator: Any = None,
    ) -> None:
        super().__init__()
        rng = ag.creation.as_generator(generator)
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd, generator=rng)
        self.wpe = nn.Embedding(block_size, n_embd, generator=rng)
        self.h = nn.ModuleList([Block(n_embd, n_head, bias, generator=rng) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False, generator=rng)
        self.lm_head.weight = self.wte.weight  # weight tying: one Parameter, two modules
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer), generator=rng)
            elif p.ndim == 2:
                init.normal_(p, 0.0, 0.02, generator=rng)
            elif name.endswith("bias"):
                init.zeros_(p)
        self._positions = np.arange(block_size)

    def forward(self, idx: Any) -> ag.Tensor:
        t = np.shape(idx)[1]
        if t > self.block_size:
            raise ValueError(f"GPT: sequence of length {t} exceeds block_size {self.block_size}")
        x = self.wte(idx) + self.wpe(self._positions[:t])
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class CharLSTM(nn.Module):
    """A character-level LSTM language model: embedding, ``nn.LSTM``, linear head.

    Shapes
    ------
    idx (B, T) int -> logits (B, T, vocab_size)
    """

    def __init__(
        self, vocab_size: int, n_embd: int, hidden: int, n_layer: int, *, generator: Any = None
    ) -> None:
        super().__init__()
        rng = ag.creation.as_generator(generator)
        self.wte = nn.Embedding(vocab_size, n_embd, generator=rng)
        self.lstm = nn.LSTM(n_embd, hidden, n_layer, batch_first=True, generator=rng)
        self.head = nn.Linear(hidden, vocab_size, generator=rng)

    def forward(self, idx: Any) -> ag.Tensor:
        out, _ = self.lstm(self.wte(idx))
        return self.head(out)


def weight_decay_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """nanoGPT's optimizer groups: weight decay on parameters with 2 or more dimensions
    (matrices and embeddings), none on biases and LayerNorm weights."""
    params = list(model.parameters())  # a tied Parameter appears once
    return [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
