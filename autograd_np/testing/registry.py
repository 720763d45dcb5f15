"""The registry of public ops and their sample specifications, for the property tests.

Every differentiable op declared with :func:`~autograd_np.autograd.primitive` (or
:func:`~autograd_np.autograd.composite`) is registered here with an :class:`OpInfo`: how to
draw valid calls (:class:`Sample`), a numpy reference, and the tolerances of its gradient
checks. The engine only fills the registry; the generic tests read it (as PyTorch's
``torch/testing/_internal/opinfo``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:
    from autograd_np.autograd.primitive import Primitive

__all__ = ["REGISTRY", "OpInfo", "Sample", "SampleSpec", "Sampler", "register", "registered"]

T = TypeVar("T")


# ---------------------------------------------------------------------- sample specifications
@dataclass
class Sample:
    """One valid call of an op, for the property tests.

    ``args`` are the positional arguments: float arrays are differentiated, any other value
    (integer index arrays, shapes...) is passed as is. ``kwargs`` are the keyword options.
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


class Sampler(Protocol):
    """What a sample specification may draw from; ``autograd_np.testing`` implements it
    with hypothesis, so the engine itself never imports hypothesis."""

    def shape(
        self, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
    ) -> tuple[int, ...]: ...

    def broadcastable_shapes(
        self,
        n: int,
        *,
        min_dims: int = 0,
        max_dims: int = 3,
        min_side: int = 1,
        max_side: int = 4,
    ) -> list[tuple[int, ...]]: ...

    def array(
        self,
        shape: Sequence[int],
        *,
        low: float = -2.0,
        high: float = 2.0,
        unique: bool = False,
        avoid: Sequence[float] = (),
        margin: float = 0.05,
    ) -> np.ndarray: ...

    def int_array(self, shape: Sequence[int], low: int, high: int) -> np.ndarray: ...

    def integers(self, low: int, high: int) -> int: ...

    def floats(self, low: float, high: float) -> float: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def boolean(self) -> bool: ...


SampleSpec = Callable[[Sampler], Sample]


@dataclass
class OpInfo:
    """What the generic property test needs to know about one public op.

    Attributes
    ----------
    name : str
        The registry key (``"exp"``, ``"nn.functional.conv2d"``).
    fn : callable
        The op as users call it, on Tensors (the primitive itself, or the public function
        that exposes it, see :meth:`Primitive.expose`).
    primitive : Primitive or None
        The primitive, for primitives.
    spec : callable or None
        Draws a :class:`Sample`; None only for ops with ``differentiable=False`` and no
        reference, which the meta-test reports.
    ref : callable or None
        A numpy function computing the same forward from the sample's arrays and options.
    differentiable : bool
        Whether gradients flow through the op.
    second_order : bool
        Whether the second-order check applies (False only for ops whose first derivative is
        piecewise constant in a way finite differences cannot see, which must say why).
    preserves_dtype : bool
        Whether float32 inputs give float32 outputs (False only for dtype conversions).
    atol, rtol : float
        Tolerances of the float64 gradient checks.
    kind : str
        ``"primitive"`` or ``"composite"``.
    """

    name: str
    fn: Callable[..., Any]
    primitive: Primitive | None = None
    spec: SampleSpec | None = None
    ref: Callable[..., Any] | None = None
    differentiable: bool = True
    second_order: bool = True
    preserves_dtype: bool = True
    atol: float = 1e-6
    rtol: float = 1e-4
    kind: str = "primitive"


REGISTRY: dict[str, OpInfo] = {}


def register(info: OpInfo) -> None:
    """Add ``info`` to :data:`REGISTRY` (a second op under the same name is an error)."""
    if info.name in REGISTRY and REGISTRY[info.name].fn is not info.fn:
        raise ValueError(f"an op named {info.name!r} is already registered")
    REGISTRY[info.name] = info


def registered(names: Iterable[str] | None = None) -> list[OpInfo]:
    """The registered ops (all of them, or those named), sorted by name."""
    if names is None:
        return [REGISTRY[k] for k in sorted(REGISTRY)]
    return [REGISTRY[k] for k in names]
