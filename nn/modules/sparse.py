"""``Embedding``: a lookup table of learnable vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_np.nn.functional as F
from autograd_np.autograd.grad_mode import no_grad
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.modules._utils import (
    check_device,
    empty_parameter,
    float_dtype,
)
from autograd_np.nn.modules.module import Module
from autograd_np.nn.parameter import Parameter
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    Parameters
    ----------
    num_embeddings : int
        The number of rows.
    embedding_dim : int
        The size of each vector.
    padding_idx : int, optional
        This row is initialized to zeros and gets no gradient (a padding token's vector);
        negative values count from the end.
    max_norm : float, optional
        At each forward, looked-up rows whose norm exceeds ``max_norm`` are rescaled in
        place in ``weight`` to norm ``max_norm`` (as PyTorch).
    norm_type : float, default 2.0
        The p of the norm for ``max_norm``.
    scale_grad_by_freq : bool, default False
        Not supported: only False is accepted.
    sparse : bool, default False
        Sparse gradients do not exist here: only False is accepted.
    _weight : Tensor or array, optional
        Initial weights (shape (num_embeddings, embedding_dim)) instead of random ones.
    _freeze : bool, default False
        Whether the weight is frozen (``requires_grad=False``).
    device : None or "cpu"
    dtype : numpy dtype, optional
        float32 by default.
    generator : np.random.Generator or int, optional (keyword-only)
        Where the initial weights come from.

    Attributes
    ----------
    weight : Parameter, shape (num_embeddings, embedding_dim)
        Initialized from N(0, 1), as in PyTorch, with the ``padding_idx`` row zeroed.

    Shapes
    ------
    input : int array of any shape (*); output : (*, embedding_dim).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0, generator=0)
    >>> emb(ag.tensor([[1, 2, 0]])).shape
    (1, 3, 3)
    >>> emb.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        check_device(device, "Embedding")
        dt = float_dtype(dtype, "Embedding")
        if sparse:
            raise ValueError("Embedding: sparse gradients are not supported; use sparse=False")
        if scale_grad_by_freq:
            raise ValueError(
                "Embedding: scale_grad_by_freq is not supported; use scale_grad_by_freq=False"
            )
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"({self.num_embeddings})"
                )
            padding_idx %= self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = empty_parameter((self.num_embeddings, self.embedding_dim), dt)
            self.reset_parameters(generator)
        else:
            data = _weight.array if isinstance(_weight, Tensor) else np.asarray(_weight)
            expected = (self.num_embeddings, self.embedding_dim)
            if data.shape != expected:
                raise ValueError(f"Embedding: _weight has shape {data.shape}, expected {expected}")
            self.weight = Parameter(data.astype(dt, copy=False))
        if _freeze:
            self.weight.requires_grad_(False)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw the weight from N(0, 1) (using ``generator``) and zero the padding row."""
        init.normal_(self.weight, generator=as_generator(generator))
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:
        """The rows of ``weight`` at the indices ``input`` via ``F.embedding``."""
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq=True"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (a 2-D Tensor or array, shared when
        it is already floating point), frozen unless ``freeze=False``."""
        data = embeddings.array if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if data.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape {data.shape}"
            )
        rows, cols = data.shape
        return cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=data,
            _freeze=freeze,
            dtype=data.dtype if data.dtype.kind == "f" else None,
        )
