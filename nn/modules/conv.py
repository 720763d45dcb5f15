"""Convolution layers: ``Conv1d``, ``Conv2d`` and ``ConvTranspose2d``."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import autograd_np.nn.functional as F
from autograd_np.arguments import int_tuple
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.functional import conv_options as co
from autograd_np.nn.modules._utils import (
    check_device,
    empty_parameter,
    float_dtype,
)
from autograd_np.nn.modules.module import Module
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What the convolutions share: arguments (with the signature of Conv1d and Conv2d),
    parameters, initialization, repr, and the forward of Conv1d and Conv2d."""

    _n: int = 2
    transposed: bool = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        n = self._n
        check_device(device, name)
        dt = float_dtype(dtype, name)
        groups = co.check_groups(name, groups)
        if in_channels % groups != 0:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})"
            )
        if out_channels % groups != 0:
            raise ValueError(
                f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})"
            )
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, got {padding_mode!r}"
            )
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = int_tuple(kernel_size, n, "kernel_size", op=name)
        co.check_kernel(name, self.kernel_size)
        self.stride = int_tuple(stride, n, "stride", op=name, minimum=1)
        self.dilation = int_tuple(dilation, n, "dilation", op=name, minimum=1)
        self.output_padding: tuple[int, ...] = (0,) * n  # set by ConvTranspose2d
        self.groups = groups
        self.padding_mode = padding_mode
        self.padding: str | tuple[int, ...]
        if isinstance(padding, str):
            co.check_padding_string(name, padding, self.stride)
            self.padding = padding
        else:
            self.padding = int_tuple(padding, n, "padding", op=name, minimum=0)
        # F.pad's layout: (last dim left, last dim right, previous dim left, ...).
        pads: list[int] = []
        for i in reversed(range(n)):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif isinstance(self.padding, tuple):
                pads += [self.padding[i], self.padding[i]]
            else:  # "valid"
                pads += [0, 0]
        self._reversed_padding_repeated_twice = tuple(pads)
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = empty_parameter(shape, dt)
        if bias:
            self.bias = empty_parameter((self.out_channels,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw new initial values from ``generator``, as PyTorch does:
        ``kaiming_uniform_(weight, a=sqrt(5))`` and ``bias ~ U(-1/sqrt(fan_in),
        1/sqrt(fan_in))`` with ``fan_in = weight.shape[1] * prod(kernel_size)``."""
        rng = as_generator(generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound, generator=rng)

    def _conv_forward(self, conv: Callable[..., Tensor], input: Tensor) -> Tensor:
        """``conv`` (F.conv1d or F.conv2d) of ``input``, after ``F.pad`` for non-zero
        padding modes."""
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        n = self._n
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """A 1-D convolution (cross-correlation) over an input of shape (N, C_in, L).

    Parameters are those of :class:`Conv2d`, with one spatial dim.

    Shapes
    ------
    input : (N, C_in, L) or (C_in, L); output : (N, C_out, L_out) with
    ``L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``.
    weight : (C_out, C_in / groups, kernel_size); bias : (C_out,).
    """

    _n = 1

    def forward(self, input: Tensor) -> Tensor:
        """The convolution via ``F.conv1d`` (after ``F.pad`` for non-zero padding modes)."""
        return self._conv_forward(F.conv1d, input)


class Conv2d(_ConvNd):
    """A 2-D convolution (cross-correlation) over an input of shape (N, C_in, H, W).

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int, (int, int), "valid" or "same", default 0
        Zeros (or ``padding_mode`` values) added on both sides of each spatial dim.
        "same" keeps the spatial size (stride 1 only; extra padding goes on the right).
    dilation : int or (int, int), default 1
    groups : int, default 1
        Input and output channels are split into this many independent groups.
    bias : bool, default True
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, default "zeros"
    device : None or "cpu"
        Accepted for PyTorch compatibility.
    dtype : numpy dtype, optional
        Of the parameters; float32 by default.
    generator : np.random.Generator or int, optional (keyword-only)
        Where the initial weights come from (None: the default generator, seeded by
        ``autograd_np.manual_seed``).

    Attributes
    ----------
    weight : Parameter, shape (C_out, C_in / groups, KH, KW)
        ``kaiming_uniform_(a=sqrt(5))``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
        ``fan_in = C_in / groups * KH * KW``.
    bias : Parameter of shape (C_out,), or None
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    Shapes
    ------
    input : (N, C_in, H, W) or (C_in, H, W); output : (N, C_out, OH, OW) with
    ``OH = floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0] + 1)``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> conv = nn.Conv2d(3, 8, 3, padding=1, generator=0)
    >>> conv(ag.zeros(2, 3, 16, 16)).shape
    (2, 8, 16, 16)
    """

    _n = 2

    def forward(self, input: Tensor) -> Tensor:
        """The convolution via ``F.conv2d`` (after ``F.pad`` for non-zero padding modes)."""
        return self._conv_forward(F.conv2d, input)


class ConvTranspose2d(_ConvNd):
    """A 2-D transposed convolution (the gradient of Conv2d with respect to its input),
    often used to upsample.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int or (int, int)
    stride : int or (int, int), default 1
    padding : int or (int, int), default 0
        ``dilation * (kernel_size - 1) - padding`` zeros are implicitly added on both sides.
    output_padding : int or (int, int), default 0
        Extra size added to one side of the output (to pick among the output sizes that
        map to the same input size when stride > 1).
    groups : int, default 1
    bias : bool, default True
    dilation : int or (int, int), default 1
    padding_mode : "zeros"
        The only mode supported, as in PyTorch.
    device, dtype, generator
        As in :class:`Conv2d`.

    Attributes
    ----------
    weight : Parameter, shape (C_in, C_out / groups, KH, KW)
        ``kaiming_uniform_(a=sqrt(5))`` with ``fan_in = C_out / groups * KH * KW``.
    bias : Parameter of shape (C_out,), or None

    Shapes
    ------
    input : (N, C_in, H, W); output : (N, C_out, OH, OW) with
    ``OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1)
    + output_padding[0] + 1``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> up = nn.ConvTranspose2d(8, 4, 2, stride=2, generator=0)
    >>> up(ag.zeros(1, 8, 5, 5)).shape
    (1, 4, 10, 10)
    """

    _n = 2
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for ConvTranspose2d, got {padding_mode!r}'
            )
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be ints, got {padding!r}")
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, device, dtype, generator=generator,
        )  # fmt: skip
        name = type(self).__name__
        self.output_padding = int_tuple(output_padding, self._n, "output_padding", op=name)
        co.check_output_padding(name, self.output_padding, self.stride, self.dilation)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple[int, ...]:
        """The output padding that gives ``output_size`` (PyTorch's rule)."""
        if output_size is None:
            return self.output_padding
        size = [int(s) for s in output_size]
        k = self._n
        if len(size) == k + 2:
            size = size[2:]
        if len(size) != k:
            raise ValueError(
                f"ConvTranspose2d: output_size must have {k} or {k + 2} elements (got {len(size)})"
            )
        assert isinstance(self.padding, tuple)  # transposed convolutions take no strings
        pads: list[int] = []
        for d in range(k):
            in_d = input.shape[input.ndim - k + d]
            min_size = (
                (in_d - 1) * self.stride[d]
                - 2 * self.padding[d]
                + self.dilation[d] * (self.kernel_size[d] - 1)
                + 1
            )
            max_size = min_size + self.stride[d] - 1
            if not min_size <= size[d] <= max_size:
                raise ValueError(
                    f"ConvTranspose2d: requested an output size of {size}, but valid sizes "
                    f"for dim {d} range from {min_size} to {max_size} (for an input of "
                    f"shape {input.shape})"
                )
            pads.append(size[d] - min_size)
        return tuple(pads)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        """The transposed convolution via ``F.conv_transpose2d``.

        ``output_size`` (optional) picks the output padding that gives that spatial size.
        """
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )
