"""The registry of differentiable primitives, and the graph node each recorded call makes.

A primitive is declared once: a numpy forward and, beside it, its vector-Jacobian product
(VJP) written with differentiable Tensor ops, so ``create_graph=True`` gives derivatives of
any order. Tensor inputs are positional; every other option is keyword-only.

Examples
--------
>>> import numpy as np
>>> from autograd_np.function import primitive
>>> @primitive(saves=(0,))
... def cube(x: np.ndarray) -> np.ndarray:
...     '''x ** 3, elementwise.'''
...     return x**3
>>> @cube.defvjp
... def _cube_vjp(g, out, x):
...     return (3 * g * x * x,)  # d(x^3)/dx = 3x^2

The VJP receives the incoming gradient ``g``, the output ``out`` and the inputs (all
Tensors), plus the keyword options, and returns one gradient per input (None where there is
none). Gradients may have the broadcast shape of the output: the engine sums them back to
each input's shape, in one place, after every VJP.
"""

from __future__ import annotations

import traceback
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from autograd_np import grad_mode
from autograd_np._dtypes import DEFAULT_FLOAT, is_floating, to_array

if TYPE_CHECKING:
    from autograd_np.tensor import Tensor

__all__ = [
    "REGISTRY",
    "Node",
    "OpInfo",
    "Primitive",
    "Sample",
    "Sampler",
    "composite",
    "primitive",
]

T = TypeVar("T")
VJPFn = Callable[..., Any]


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


def _register(info: OpInfo) -> None:
    if info.name in REGISTRY and REGISTRY[info.name].fn is not info.fn:
        raise ValueError(f"an op named {info.name!r} is already registered")
    REGISTRY[info.name] = info


# ---------------------------------------------------------------------- graph nodes
class Node:
    """The record of one differentiable call: the op, its inputs and options, its output.

    ``grad_fn`` of a tensor is its node; ``repr`` shows the op's name (``<ExpBackward>``).
    """

    __slots__ = (
        "__weakref__",
        "inputs",
        "kwargs",
        "op",
        "out_box",
        "out_data",
        "released",
        "retained",
        "saved_versions",
        "tensor_hooks",
        "trace",
    )

    def __init__(
        self, op: Primitive, inputs: tuple[Tensor, ...], kwargs: dict[str, Any], out: np.ndarray
    ) -> None:
        self.op = op
        self.inputs: tuple[Tensor, ...] | None = inputs
        self.kwargs = kwargs
        self.out_data: np.ndarray | None = out
        self.out_box: Any = None  # version counter of the output, when the VJP reads it
        self.released = False
        self.tensor_hooks: list[Callable[[Tensor], Tensor | None]] | None = None
        self.retained: weakref.ref[Tensor] | None = None
        saves = op.saves
        if saves is None:
            self.saved_versions: tuple[tuple[int, Any, int], ...] = tuple(
                (i, t._version_box, t._version_box.value) for i, t in enumerate(inputs)
            )
        else:
            self.saved_versions = tuple(
                (i, inputs[i]._version_box, inputs[i]._version_box.value) for i in saves
            )
        self.trace: list[str] | None = None

    def name(self) -> str:
        """The op's name in PyTorch style, e.g. ``ExpBackward``."""
        return self.op.backward_name

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple[Node | None, ...]:
        """The nodes of the inputs (None for leaves and constants)."""
        if self.inputs is None:
            return ()
        return tuple(t._node for t in self.inputs)

    def retain(self, tensor: Tensor) -> None:
        self.retained = weakref.ref(tensor)

    def output(self) -> Tensor:
        """The output as a tensor in the graph (for VJPs that reuse the forward result)."""
        assert self.out_data is not None
        return Tensor._make(self.out_data, self)

    def check_versions(self) -> None:
        """Raise if a value the VJP needs was changed in place after the forward."""
        if self.out_box is not None and self.out_box.value != 0:
            raise RuntimeError(
                f"the output of {self.op.name} is needed for gradient computation but was "
                f"modified by an in-place operation (it is at version {self.out_box.value}; "
                "expected version 0). Clone it before changing it in place."
            )
        for index, box, version in self.saved_versions:
            if box.value != version:
                assert self.inputs is not None
                t = self.inputs[index]
                raise RuntimeError(
                    f"one of the tensors needed for gradient computation has been modified by "
                    f"an in-place operation: input {index} of {self.op.name} "
                    f"(shape {t.shape}, dtype {t.dtype}) is at version {box.value}; expected "
                    f"version {version}. Clone it before changing it in place, or change it "
                    "after backward."
                )

    def release(self) -> None:
        """Free what the backward pass needed (after ``backward`` without ``retain_graph``)."""
        self.inputs = None
        self.out_data = None
        self.kwargs = {}
        self.released = True


# ---------------------------------------------------------------------- primitives
def _to_tensor(value: Any, like: np.dtype[Any] | None) -> Tensor:
    """Wrap a non-Tensor argument as a constant, matching a floating ``like`` dtype for
    Python scalars so that ``x * 2.0`` keeps x's float32."""
    if isinstance(value, (float, int, bool)) and not isinstance(value, np.generic):
        if like is not None and is_floating(like) and not isinstance(value, bool):
            return Tensor._make(np.asarray(value, dtype=like))
        if isinstance(value, float):
            return Tensor._make(np.asarray(value, dtype=DEFAULT_FLOAT))
    return Tensor._make(to_array(value))


class Primitive:
    """A differentiable op: a numpy forward plus its VJP (see the module docstring).

    Call it with Tensors (or array-likes, which become constants) and keyword options; it
    returns a Tensor, recorded in the graph when grad mode is on and an input requires grad.
    """

    def __init__(
        self,
        forward: Callable[..., np.ndarray],
        *,
        name: str,
        saves: Sequence[int] | None,
        saves_output: bool,
        differentiable: bool,
    ) -> None:
        self.forward = forward
        self.name = name
        self.saves = None if saves is None else tuple(saves)
        self.saves_output = saves_output
        self.differentiable = differentiable
        self.vjp: VJPFn | None = None
        parts = name.rsplit(".", 1)[-1].split("_")
        self.backward_name = "".join(p[:1].upper() + p[1:] for p in parts) + "Backward"
        self.__name__ = name.rsplit(".", 1)[-1]
        self.__qualname__ = self.__name__
        self.__doc__ = forward.__doc__
        self.__module__ = forward.__module__
        self.__wrapped__ = forward

    def defvjp(self, vjp: VJPFn) -> VJPFn:
        """Declare the VJP: ``vjp(g, out, *inputs, **options) -> gradients``."""
        if not self.differentiable:
            raise TypeError(f"{self.name} is declared non-differentiable; it takes no VJP")
        self.vjp = vjp
        return vjp

    def expose(self, public: Callable[..., T]) -> Callable[..., T]:
        """Declare ``public`` as the function users call for this primitive (one that
        normalises arguments, say); the property tests then call the primitive through it
        with the same samples. Returns ``public`` unchanged."""
        if self.name not in REGISTRY or REGISTRY[self.name].primitive is not self:
            raise ValueError(f"{self.name} is not a registered primitive")
        REGISTRY[self.name].fn = public
        return public

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        like = None
        for a in args:
            if isinstance(a, Tensor):
                like = a.data.dtype
                if is_floating(like):
                    break
        inputs = tuple(a if isinstance(a, Tensor) else _to_tensor(a, like) for a in args)
        try:
            out = self.forward(*[t.data for t in inputs], **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            if str(e).startswith(f"{self.__name__}:"):
                raise
            shapes = ", ".join(str(t.shape) for t in inputs)
            cls: type[Exception] = IndexError
            if isinstance(e, ValueError):
                cls = ValueError
            elif isinstance(e, TypeError):
                cls = TypeError
            raise cls(f"{self.__name__}: {e} (input shapes {shapes})") from e
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        state = grad_mode._state
        if state.anomaly:
            _check_forward_finite(self, inputs, out)
        if (
            state.grad_enabled
            and self.differentiable
            and any(t._node is not None or t._leaf_requires_grad for t in inputs)
        ):
            if not is_floating(out.dtype):
                return Tensor._make(out)
            node = Node(self, inputs, kwargs, out)
            if state.anomaly:
                node.trace = traceback.format_stack()[:-1]
            result = Tensor._make(out, node)
            if self.saves_output:
                node.out_box = result._version_box
            return result
        return Tensor._make(out)


def _check_forward_finite(op: Primitive, inputs: tuple[Tensor, ...], out: np.ndarray) -> None:
    if out.dtype.kind != "f" or np.isfinite(out).all():
        return
    if all(t.data.dtype.kind != "f" or np.isfinite(t.data).all() for t in inputs):
        bad = "nan" if np.isnan(out).any() else "inf"
        raise FloatingPointError(
            f"{op.name} forward produced {bad} from finite inputs "
            f"(input shapes {[t.shape for t in inputs]}); detect_anomaly is on"
        )


def primitive(
    name: str | None = None,
    *,
    spec: SampleSpec | None = None,
    ref: Callable[..., Any] | None = None,
    saves: Sequence[int] | None = None,
    saves_output: bool = False,
    differentiable: bool = True,
    second_order: bool = True,
    preserves_dtype: bool = True,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    register: bool = True,
) -> Callable[[Callable[..., np.ndarray]], Primitive]:
    """Declare a numpy function as a differentiable primitive.

    Parameters
    ----------
    name : str, optional
        Registry name; defaults to the function's name.
    spec : callable, optional
        ``spec(sampler) -> Sample``: how the property tests draw valid inputs and options.
    ref : callable, optional
        A numpy reference for the forward (for ops that wrap their numpy function in more
        than a call).
    saves : sequence of int, optional
        Indices of the inputs whose values the VJP reads. An in-place change of one of those
        between forward and backward is an error. Default: all inputs.
    saves_output : bool, default False
        Whether the VJP reads ``out``; an in-place change of the output is then an error.
    differentiable : bool, default True
        False for ops like ``sign`` or comparisons: their outputs never require grad.
    second_order, atol, rtol
        See :class:`OpInfo`.
    register : bool, default True
        Put the op in :data:`REGISTRY`, so ``check_op`` and the generic tests see it.

    Returns
    -------
    decorator
        Turns the numpy forward into a :class:`Primitive`; add the VJP with ``@op.defvjp``.
    """

    def decorate(forward: Callable[..., np.ndarray]) -> Primitive:
        prim = Primitive(
            forward,
            name=name or forward.__name__,
            saves=saves,
            saves_output=saves_output,
            differentiable=differentiable,
        )
        if register:
            _register(
                OpInfo(
                    prim.name,
                    prim,
                    primitive=prim,
                    spec=spec,
                    ref=ref,
                    differentiable=differentiable,
                    second_order=second_order,
                    preserves_dtype=preserves_dtype,
                    atol=atol,
                    rtol=rtol,
                    kind="primitive",
                )
            )
        return prim

    return decorate


def composite(
    name: str | None = None,
    *,
    spec: SampleSpec | None = None,
    ref: Callable[..., Any] | None = None,
    differentiable: bool = True,
    second_order: bool = True,
    preserves_dtype: bool = True,
    atol: float = 1e-6,
    rtol: float = 1e-4,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Register a public op composed of primitives, so the generic tests check it too.

    Returns the function unchanged.
    """

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        _register(
            OpInfo(
                name or fn.__name__,
                fn,
                spec=spec,
                ref=ref,
                differentiable=differentiable,
                second_order=second_order,
                preserves_dtype=preserves_dtype,
                atol=atol,
                rtol=rtol,
                kind="composite",
            )
        )
        return fn

    return decorate


def registered(names: Iterable[str] | None = None) -> list[OpInfo]:
    """The registered ops (all of them, or those named), sorted by name."""
    if names is None:
        return [REGISTRY[k] for k in sorted(REGISTRY)]
    return [REGISTRY[k] for k in names]


# tensor.py imports the op modules, which import this one: bind Tensor last.
from autograd_np.tensor import Tensor  # noqa: E402
