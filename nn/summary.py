"""``summary``: a table of a model's layers with output shapes, parameter counts and FLOPs.

FLOP convention (per forward call, for the given input shape):

===============================  ==========================================================
layer                            FLOPs
===============================  ==========================================================
Linear                           2 * in_features * out.size (a multiply-add is 2 FLOPs)
                                 + out.size with a bias
Conv1d, Conv2d                   2 * (C_in / groups) * prod(kernel) * out.size
                                 + out.size with a bias
ConvTranspose2d                  2 * (C_out / groups) * prod(kernel) * in.size
                                 + out.size with a bias
BatchNorm*, LayerNorm, GroupNorm 2 * out.size to normalize, + 2 * out.size with affine
                                 parameters (statistics are not counted)
MaxPool*, AvgPool*               prod(kernel) * out.size (one compare or add per element
                                 of each window)
AdaptiveAvgPool2d                in.size
activations, Softmax, LogSoftmax 1 * out.size (transcendentals count as one)
Flatten, Unflatten, Identity,    0
Dropout (eval), Embedding, other
===============================  ==========================================================

Modules of other types (including custom leaf modules) count 0 FLOPs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd_np.autograd.grad_mode import no_grad
from autograd_np.dtypes import DTypeLike
from autograd_np.nn.modules import (
    activation,
    conv,
    dropout,
    flatten,
    linear,
    normalization,
    pooling,
    sparse,
)
from autograd_np.nn.modules.module import Module
from autograd_np.tensor import Tensor

__all__ = ["LayerSummary", "ModelSummary", "summary"]

Shape = tuple[int, ...]


@dataclass
class LayerSummary:
    """One row of a :class:`ModelSummary`: one call of one layer."""

    name: str
    type: str
    output_shape: Any
    params: int
    trainable_params: int
    flops: int


@dataclass
class ModelSummary:
    """What :func:`summary` returns; ``str()`` (and ``repr()``) is the table.

    Attributes
    ----------
    layers : list of LayerSummary
        One row per call of each leaf layer (and of each module with parameters of its
        own), in call order. A layer called twice has two rows; its parameters are counted
        in the first only.
    input_shapes : list of tuple
    output_shape : tuple, or nested lists of tuples for non-Tensor outputs
    total_params, trainable_params : int
        Over ``model.parameters()`` (shared parameters once).
    total_flops : int
        The sum over the rows (see the module docstring for the convention).
    """

    layers: list[LayerSummary]
    input_shapes: list[Shape]
    output_shape: Any
    total_params: int
    trainable_params: int
    total_flops: int
    table: str = field(default="", repr=False)

    def __str__(self) -> str:
        return self.table

    __repr__ = __str__


def _shape_of(value: Any) -> Any:
    if isinstance(value, Tensor):
        return tuple(value.shape)
    if isinstance(value, (tuple, list)):
        return [_shape_of(v) for v in value]
    return None


def _first_tensor(value: Any) -> Tensor | None:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            t = _first_tensor(v)
            if t is not None:
                return t
    return None


def _numel(shape: Sequence[int]) -> int:
    return math.prod(shape)


_ELEMENTWISE = (
    activation.ReLU,
    activation.LeakyReLU,
    activation.ELU,
    activation.GELU,
    activation.SiLU,
    activation.Sigmoid,
    activation.Tanh,
    activation.Softplus,
    activation.Softmax,
    activation.LogSoftmax,
)


def _flops(module: Module, inp: Tensor | None, out: Tensor | None) -> int:
    """FLOPs of one call, by the convention of the module docstring."""
    if out is None:
        return 0
    n_out = _numel(out.shape)
    n_in = _numel(inp.shape) if inp is not None else 0
    bias = n_out if getattr(module, "bias", None) is not None else 0
    if isinstance(module, linear.Linear):
        return 2 * module.in_features * n_out + bias
    if isinstance(module, conv.ConvTranspose2d):
        per_input = (module.out_channels // module.groups) * _numel(module.kernel_size)
        return 2 * per_input * n_in + bias
    if isinstance(module, (conv.Conv1d, conv.Conv2d)):
        per_output = (module.in_channels // module.groups) * _numel(module.kernel_size)
        return 2 * per_output * n_out + bias
    if isinstance(
        module, (normalization._BatchNorm, normalization.LayerNorm, normalization.GroupNorm)
    ):
        return 2 * n_out + (2 * n_out if getattr(module, "weight", None) is not None else 0)
    if isinstance(
        module, (pooling.MaxPool1d, pooling.MaxPool2d, pooling.AvgPool1d, pooling.AvgPool2d)
    ):
        dims = 1 if isinstance(module, (pooling.MaxPool1d, pooling.AvgPool1d)) else 2
        k = module.kernel_size
        window = int(k) ** dims if isinstance(k, int) else _numel(k)
        return window * n_out
    if isinstance(module, pooling.AdaptiveAvgPool2d):
        return n_in
    if isinstance(module, _ELEMENTWISE):
        return n_out
    if isinstance(
        module,
        (flatten.Flatten, flatten.Unflatten, linear.Identity, dropout._DropoutNd, sparse.Embedding),
    ):
        return 0
    return 0


def _fmt_shape(shape: Any) -> str:
    if shape is None:
        return "-"
    if isinstance(shape, tuple):
        return str(list(shape))
    return ", ".join(_fmt_shape(s) for s in shape)


def _table(result: ModelSummary) -> str:
    header = ("Layer (type)", "Output shape", "Param #", "FLOPs")
    rows = [
        (
            f"{row.name} ({row.type})" if row.name else row.type,
            _fmt_shape(row.output_shape),
            f"{row.params:,}",
            f"{row.flops:,}",
        )
        for row in result.layers
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return (
            f"{cells[0]:<{widths[0]}}  {cells[1]:<{widths[1]}}  "
            f"{cells[2]:>{widths[2]}}  {cells[3]:>{widths[3]}}"
        )

    rule = "=" * len(line(header))
    inputs = result.input_shapes if len(result.input_shapes) > 1 else result.input_shapes[0]
    lines = [rule, line(header), rule, *(line(r) for r in rows), rule]
    lines += [
        f"Total params: {result.total_params:,}",
        f"Trainable params: {result.trainable_params:,}",
        f"Non-trainable params: {result.total_params - result.trainable_params:,}",
        f"Total FLOPs: {result.total_flops:,} (multiply-add = 2 FLOPs)",
        f"Input shape: {_fmt_shape(inputs)}",
        f"Output shape: {_fmt_shape(result.output_shape)}",
        rule,
    ]
    return "\n".join(lines)


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]],
    *,
    dtype: DTypeLike = np.float32,
) -> ModelSummary:
    """Run ``model`` once on zeros and tabulate its layers.

    The forward runs in evaluation mode and under ``no_grad`` (so BatchNorm statistics and
    dropout generators are untouched); each module's training flag is restored afterwards.

    Parameters
    ----------
    model : Module
    input_size : sequence of int, or a sequence of them
        The full input shape, batch dim included (``(1, 3, 32, 32)``); several shapes for a
        model whose ``forward`` takes several inputs.
    dtype : numpy dtype, default float32
        Of the zeros fed to the model (an integer dtype for an Embedding front end).

    Returns
    -------
    ModelSummary
        Rows per layer call (name, type, output shape, parameter count, FLOPs) and totals;
        ``str(result)`` is the table. FLOPs follow the convention of
        :mod:`autograd_np.nn.summary` (a multiply-add counts as 2).

    Examples
    --------
    >>> from autograd_np import nn
    >>> model = nn.Sequential(nn.Linear(4, 8, generator=0), nn.ReLU(), nn.Linear(8, 2, generator=1))
    >>> s = nn.summary(model, (1, 4))
    >>> s.total_params, s.total_flops
    (58, 114)
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be a Module, got {type(model).__name__}")
    sizes: list[Any] = list(input_size)
    if sizes and all(isinstance(s, (int, np.integer)) for s in sizes):
        shapes: list[Shape] = [tuple(int(s) for s in sizes)]
    elif sizes and all(isinstance(s, (tuple, list)) for s in sizes):
        shapes = [tuple(int(d) for d in s) for s in sizes]
    else:
        raise ValueError(
            f"summary: input_size must be a shape (ints) or a list of shapes, got {input_size!r}"
        )
    rows: list[LayerSummary] = []
    counted: set[int] = set()

    def make_hook(name: str) -> Callable[[Module, tuple[Any, ...], Any], None]:
        def hook(module: Module, args: tuple[Any, ...], output: Any) -> None:
            params = trainable = 0
            if id(module) not in counted:
                counted.add(id(module))
                own = list(module.parameters(recurse=False))
                params = sum(p.numel() for p in own)
                trainable = sum(p.numel() for p in own if p.requires_grad)
            rows.append(
                LayerSummary(
                    name=name,
                    type=type(module).__name__,
                    output_shape=_shape_of(output),
                    params=params,
                    trainable_params=trainable,
                    flops=_flops(module, _first_tensor(args), _first_tensor(output)),
                )
            )

        return hook

    modes = [(m, m.training) for m in model.modules()]
    handles = []
    for name, module in model.named_modules():
        has_children = any(True for _ in module.children())
        has_own = any(True for _ in module.parameters(recurse=False))
        if not has_children or has_own:
            handles.append(module.register_forward_hook(make_hook(name)))
    try:
        model.eval()
        inputs = [Tensor(np.zeros(s, dtype=dtype)) for s in shapes]
        with no_grad():
            output = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            object.__setattr__(module, "training", mode)
    params = list(model.parameters())
    result = ModelSummary(
        layers=rows,
        input_shapes=shapes,
        output_shape=_shape_of(output),
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        total_flops=sum(r.flops for r in rows),
    )
    result.table = _table(result)
    return result
