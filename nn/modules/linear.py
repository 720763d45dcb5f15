"""``Identity`` and ``Linear``."""

from __future__ import annotations

import math
from typing import Any

import autograd_np.nn.functional as F
from autograd_np.dtypes import DTypeLike
from autograd_np.nn import init
from autograd_np.nn.modules._utils import (
    check_device,
    empty_parameter,
    float_dtype,
)
from autograd_np.nn.modules.module import Module
from autograd_np.random import GeneratorLike, as_generator
from autograd_np.tensor import Tensor

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (a placeholder
    that keeps a model's structure when a layer is removed).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> x = ag.ones(2, 3)
    >>> nn.Identity(54, unused="x")(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        """Return ``input``."""
        return input


class Linear(Module):
    """A fully connected layer: ``y = x @ weight.T + bias``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool, default True
        Whether to learn an additive bias.
    device : None or "cpu"
        Accepted for PyTorch compatibility; the CPU is the only device.
    dtype : numpy dtype, optional
        Of the parameters; float32 by default.
    generator : np.random.Generator or int, optional (keyword-only)
        Where the initial weights come from (None: the default generator, seeded by
        ``autograd_np.manual_seed``).

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        Initialized as PyTorch does: ``kaiming_uniform_(a=sqrt(5))``, i.e.
        U(-1/sqrt(in_features), 1/sqrt(in_features)).
    bias : Parameter of shape (out_features,), or None
        U(-1/sqrt(in_features), 1/sqrt(in_features)).

    Shapes
    ------
    input : (*, in_features); output : (*, out_features).

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np import nn
    >>> fc = nn.Linear(20, 30, generator=0)
    >>> fc(ag.zeros(128, 20)).shape
    (128, 30)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: DTypeLike | None = None,
        *,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        check_device(device, "Linear")
        dt = float_dtype(dtype, "Linear")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.weight = empty_parameter((self.out_features, self.in_features), dt)
        if bias:
            self.bias = empty_parameter((self.out_features,), dt)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Draw new initial values (PyTorch's scheme) from ``generator``."""
        rng = as_generator(generator)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=rng)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=rng)

    def forward(self, input: Tensor) -> Tensor:
        """``input @ weight.T + bias`` via ``F.linear``."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
