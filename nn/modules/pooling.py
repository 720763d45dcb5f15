"""Pooling layers: ``MaxPool1d``, ``MaxPool2d``, ``AvgPool1d``, ``AvgPool2d`` and
``AdaptiveAvgPool2d``. Each holds its settings and calls the matching ``nn.functional``
function."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import autograd_np.nn.functional as F
from autograd_np.arguments import int_tuple
from autograd_np.nn.modules.module import Module
from autograd_np.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
]

IntOrTuple = int | Sequence[int]


class _MaxPoolNd(Module):
    """What MaxPool1d and MaxPool2d share: settings, repr, and the call of the pooling."""

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def _pool(self, pool: Callable[..., Any], input: Tensor) -> Any:
        """``pool`` (F.max_pool1d or F.max_pool2d) of ``input`` with these settings."""
        return pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class _AvgPoolNd(Module):
    """The repr AvgPool1d and AvgPool2d share."""

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_MaxPoolNd):
    """The maximum over sliding windows of an input of shape (N, C, L).

    Parameters
    ----------
    kernel_size : int
        The window size.
    stride : int, optional
        The step between windows; defaults to ``kernel_size``.
    padding : int, default 0
        Implicit -inf padding on both sides (at most half the kernel size).
    dilation : int, default 1
        The spacing between the elements of a window.
    return_indices : bool, default False
        Also return the argmax indices (as ``F.max_pool1d`` does).
    ceil_mode : bool, default False
        Round the output size up instead of down.

    Shapes
    ------
    input : (N, C, L) or (C, L); output : (N, C, L_out) with
    ``L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1)``.
    """

    def forward(self, input: Tensor) -> Any:
        """The pooled input via ``F.max_pool1d``."""
        return self._pool(F.max_pool1d, input)


class MaxPool2d(_MaxPoolNd):
    """The maximum over sliding windows of an input of shape (N, C, H, W).

    Parameters are those of :class:`MaxPool1d`, each an int or an (int, int) pair.

    Shapes
    ------
    input : (N, C, H, W) or (C, H, W); output : (N, C, OH, OW) with
    ``OH = floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0] + 1)``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.MaxPool2d(2)(ag.zeros(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    def forward(self, input: Tensor) -> Any:
        """The pooled input via ``F.max_pool2d``."""
        return self._pool(F.max_pool2d, input)


class AvgPool1d(_AvgPoolNd):
    """The mean over sliding windows of an input of shape (N, C, L).

    Parameters
    ----------
    kernel_size : int
    stride : int, optional
        Defaults to ``kernel_size``.
    padding : int, default 0
        Implicit zero padding on both sides.
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Whether the padding zeros count in the mean's denominator.

    Shapes
    ------
    input : (N, C, L) or (C, L); output : (N, C, L_out) with
    ``L_out = floor((L + 2 * padding - kernel_size) / stride + 1)``.
    """

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = int_tuple(kernel_size, 1, "kernel_size")
        self.stride = int_tuple(stride if stride is not None else kernel_size, 1, "stride")
        self.padding = int_tuple(padding, 1, "padding")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        """The pooled input via ``F.avg_pool1d``."""
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )


class AvgPool2d(_AvgPoolNd):
    """The mean over sliding windows of an input of shape (N, C, H, W).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int), default 0
    ceil_mode : bool, default False
    count_include_pad : bool, default True
        Whether the padding zeros count in the mean's denominator.
    divisor_override : int, optional
        Divide every window sum by this instead.

    Shapes
    ------
    input : (N, C, H, W) or (C, H, W); output : (N, C, OH, OW) with
    ``OH = floor((H + 2 * padding[0] - KH) / stride[0] + 1)``.
    """

    def __init__(
        self,
        kernel_size: IntOrTuple,
        stride: IntOrTuple | None = None,
        padding: IntOrTuple = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        """The pooled input via ``F.avg_pool2d``."""
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size, whatever the input size.

    Parameters
    ----------
    output_size : int, (int, int) or (int | None, int | None)
        The output's (OH, OW); an int means a square; None keeps that input dim.

    Shapes
    ------
    input : (N, C, H, W) or (C, H, W); output : (N, C, OH, OW).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.AdaptiveAvgPool2d(1)(ag.zeros(2, 16, 7, 5)).shape
    (2, 16, 1, 1)
    """

    def __init__(self, output_size: int | Sequence[int | None]) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        """The pooled input via ``F.adaptive_avg_pool2d``."""
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size, whatever the input size.

    Parameters
    ----------
    output_size : int, (int, int) or (int | None, int | None)
        The output's (OH, OW); an int means a square; None keeps that input dim.
    return_indices : bool, default False
        Also return the flat index of each maximum in its input plane.

    Shapes
    ------
    input : (N, C, H, W) or (C, H, W); output : (N, C, OH, OW).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> nn.AdaptiveMaxPool2d(1)(ag.zeros(2, 16, 7, 5)).shape
    (2, 16, 1, 1)
    """

    def __init__(
        self, output_size: int | Sequence[int | None], return_indices: bool = False
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """The pooled input via ``F.adaptive_max_pool2d``."""
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
