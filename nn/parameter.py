"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.dtypes import DEFAULT_FLOAT
from autograd_np.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a :class:`~autograd_np.nn.Module`.

    Assigning a Parameter as a module attribute (``self.weight = Parameter(...)``) registers
    it, so it appears in ``parameters()``, ``named_parameters()`` and ``state_dict()``.
    A plain Tensor assigned the same way is just an attribute.

    Parameters
    ----------
    data : array_like or Tensor, optional
        The values. numpy arrays and Tensors are shared, not copied (a Tensor's in-place
        version counter is shared too); Python floats and lists become float32. None gives an
        empty float32 parameter.
    requires_grad : bool, default True
        Whether the parameter is trained (only floating-point parameters can require grad).

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_np.nn import Parameter
    >>> w = Parameter(np.ones(2, dtype=np.float32))
    >>> w
    Parameter containing:
    tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=DEFAULT_FLOAT)
        super().__init__(data, requires_grad=requires_grad)
        if isinstance(data, Tensor):
            self._version_box = data._version_box

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.array.copy(), requires_grad=self.requires_grad)
        if self.grad is not None:
            result.grad = Tensor.from_array(self.grad.array.copy())
        memo[id(self)] = result
        return result
