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

What a node keeps until backward is what the op declares: the inputs listed in ``saves``
(all of them by default), the output with ``saves_output=True``, and residuals: arrays
computed by the forward that the VJP needs and that are neither (as ``jax.custom_vjp``,
an op may declare ``@op.deffwd``, a forward returning ``(out, residuals)``; its VJP then
takes ``residuals=``). Everything else is dropped after the forward; the VJP sees
stand-ins of the right shape and dtype for values that were not saved. Only saved
values are checked for in-place changes at backward.
"""

from __future__ import annotations

import os
import traceback
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, Union

import numpy as np

from autograd_np import grad_mode
from autograd_np._dtypes import DEFAULT_FLOAT, to_array
from autograd_np._views import register_view
from autograd_np.hooks import HookDict

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
    "increment_version",
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
Edge = Union["Node", "Tensor", None]

# One element per dtype, broadcast to any shape: the stand-in for a value a node did not
# save (NaN for floats, the largest int for integers, so that a VJP reading it by mistake
# gives NaN gradients or an IndexError, which the registry's gradient checks see).
_FILLERS: dict[np.dtype[Any], np.ndarray] = {}


def _stand_in(shape: tuple[int, ...], dtype: np.dtype[Any], requires_grad: bool) -> Tensor:
    """A tensor with the shape and dtype of a value that was not saved, holding no memory."""
    filler = _FILLERS.get(dtype)
    if filler is None:
        if dtype.kind in "fc":
            value: Any = np.nan
        elif dtype.kind in "iu":
            value = np.iinfo(dtype).max
        else:
            value = np.ones((), dtype=dtype)
        filler = _FILLERS[dtype] = np.full((), value, dtype=dtype)
    t = Tensor.from_array(np.broadcast_to(filler, shape))
    t._leaf_requires_grad = requires_grad
    return t


class Node:
    """The record of one differentiable call: the op, what its VJP needs, where gradients go.

    ``grad_fn`` of a tensor is its node; ``repr`` shows the op's name (``<ExpBackward>``).
    A node keeps exactly what its op declares (see :func:`primitive`): the inputs listed in
    ``saves``, the output when ``saves_output``, and the op's residuals; of the other inputs
    and of an unsaved output only the shape and dtype.

    Attributes
    ----------
    op : Primitive
        The op that was called.
    saved : tuple of (Tensor or None)
        One entry per input: the input for those the op saves, else None (and all None once
        a backward has freed the node).
    residuals : object
        What the op's ``fwd`` returned beside the output (None for ops without residuals).
    edges : list
        Where the gradient of each input goes, fixed when the op is recorded: the input's
        node, the input itself for a leaf that requires grad, or None for a constant. Later
        in-place changes or ``detach_()`` of an input do not rewire a recorded graph.
    """

    __slots__ = (
        "__weakref__",
        "dtypes",
        "edges",
        "kwargs",
        "op",
        "out_box",
        "out_data",
        "out_dtype",
        "out_shape",
        "out_version",
        "released",
        "residuals",
        "retained",
        "saved",
        "shapes",
        "tensor_hooks",
        "trace",
        "versions",
    )

    def __init__(
        self,
        op: Primitive,
        inputs: tuple[Tensor, ...],
        kwargs: dict[str, Any],
        out: np.ndarray,
        residuals: Any = None,
    ) -> None:
        self.op = op
        self.kwargs = kwargs
        # One pass over the inputs: where each gradient goes, the shape and dtype of each,
        # and its in-place version now (a saved input must still be at it in backward).
        edges: list[Edge] = []
        versions: list[int] = []
        shapes: list[tuple[int, ...]] = []
        dtypes: list[np.dtype[Any]] = []
        for t in inputs:
            node = t._node
            edges.append(node if node is not None else t if t._leaf_requires_grad else None)
            versions.append(t._version_box.value)
            arr = t.array
            shapes.append(arr.shape)
            dtypes.append(arr.dtype)
        self.edges = edges
        self.versions = versions
        self.shapes = shapes
        self.dtypes = dtypes
        saves = op.saves
        if saves is None:
            self.saved: tuple[Tensor | None, ...] = inputs
        else:
            self.saved = tuple(t if i in saves else None for i, t in enumerate(inputs))
        self.out_shape = out.shape
        self.out_dtype = out.dtype
        self.out_data: np.ndarray | None = out if op.saves_output else None
        self.residuals = residuals
        self.out_box: Any = None  # version counter of the output, when the VJP reads it
        self.out_version = 0
        self.released = False
        self.tensor_hooks: HookDict | None = None
        self.retained: weakref.ref[Tensor] | None = None
        self.trace: list[str] | None = None

    def name(self) -> str:
        """The op's name in PyTorch style, e.g. ``ExpBackward``."""
        return self.op.backward_name

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple[Node | None, ...]:
        """The nodes of the inputs, in order (None for leaves and constants).

        Kept after a backward frees the graph's values, so the structure can still be walked.
        """
        return tuple(e if isinstance(e, Node) else None for e in self.edges)

    def retain(self, tensor: Tensor) -> None:
        """Give ``tensor`` (this node's output) its gradient in ``.grad`` during backward."""
        self.retained = weakref.ref(tensor)

    def output(self) -> Tensor:
        """The output as a tensor in the graph when the op saves it, else a stand-in of its
        shape and dtype (for VJPs that reuse the forward result)."""
        if self.out_data is None:
            return _stand_in(self.out_shape, self.out_dtype, False)
        return Tensor.from_array(self.out_data, self)

    def inputs(self) -> tuple[Tensor, ...]:
        """The inputs as the VJP sees them: the saved ones, and stand-ins of the right shape
        and dtype (holding no values) for the others."""
        saved = self.saved
        if self.op.saves is None:
            return saved  # type: ignore[return-value]
        return tuple(
            t
            if t is not None
            else _stand_in(self.shapes[i], self.dtypes[i], self.edges[i] is not None)
            for i, t in enumerate(saved)
        )

    def apply_vjp(self, g: Tensor) -> Any:
        """The op's VJP on the cotangent ``g``, as it returns it."""
        op = self.op
        vjp = op.vjp
        if vjp is None:
            raise RuntimeError(f"{op.name} has no VJP; declare one with @{op.name}.defvjp")
        if op.fwd is not None:
            return vjp(g, self.output(), *self.inputs(), residuals=self.residuals, **self.kwargs)
        return vjp(g, self.output(), *self.inputs(), **self.kwargs)

    def check_versions(self) -> None:
        """Raise if a value the VJP needs was changed in place after the forward."""
        name = self.op.name
        if self.out_box is not None and self.out_box.value != self.out_version:
            raise RuntimeError(
                f"{name}: its output is needed for gradient computation but was modified by "
                f"an in-place operation (it is at version {self.out_box.value}; expected "
                f"version {self.out_version}). Clone it before changing it in place, or change "
                "it after backward."
            )
        for i, t in enumerate(self.saved):
            if t is not None and t._version_box.value != self.versions[i]:
                raise RuntimeError(
                    f"{name}: one of the tensors needed for gradient computation has been "
                    f"modified by an in-place operation: input {i} of {name} (shape {t.shape}, "
                    f"dtype {t.dtype}) is at version {t._version_box.value}; expected version "
                    f"{self.versions[i]}. Clone it before changing it in place, or change it "
                    "after backward."
                )

    def release(self) -> None:
        """Free what the backward pass needed (after ``backward`` without ``retain_graph``).

        The edges stay, so ``next_functions`` still describes the graph."""
        self.saved = (None,) * len(self.edges)
        self.out_data = None
        self.residuals = None
        self.kwargs = {}
        self.released = True


# ---------------------------------------------------------------------- primitives
def _constant(value: Any, like: np.dtype[Any] | None) -> Tensor:
    """Wrap a non-Tensor argument as a constant.

    Python and numpy scalars are weak, as in PyTorch: they take the floating dtype of the
    tensor arguments, so ``x * 2.0`` and ``x * np.sqrt(2.0)`` keep x's float32. Arrays and
    lists follow :func:`~autograd_np._dtypes.to_array`.
    """
    kind = type(value)
    if kind is float or kind is int or isinstance(value, (np.floating, np.integer)):
        if like is not None:
            return Tensor.from_array(np.asarray(value, dtype=like))
        if kind is float:
            return Tensor.from_array(np.asarray(value, dtype=DEFAULT_FLOAT))
    return Tensor.from_array(to_array(value))


def _wrap_constants(args: tuple[Any, ...]) -> tuple[Tensor, ...]:
    like = None
    for a in args:
        if isinstance(a, Tensor) and a.array.dtype.kind == "f":
            like = a.array.dtype
            break
    return tuple(a if isinstance(a, Tensor) else _constant(a, like) for a in args)


def _named_error(op: Primitive, e: Exception, inputs: tuple[Tensor, ...]) -> Exception:
    """``e`` with a message that starts with the op's name and lists the inputs."""
    message = str(e)
    if message.startswith(f"{op.__name__}:"):
        return e
    described = ", ".join(f"{t.array.dtype} {t.array.shape}" for t in inputs)
    message = f"{op.__name__}: {message} (inputs: {described})"
    for cls in (type(e), ValueError, TypeError, IndexError):
        if isinstance(e, cls):
            try:
                return cls(message)
            except Exception:  # an exception class with another constructor
                continue
    return RuntimeError(message)  # pragma: no cover - one of the classes above always fits


def _share_version(
    result: Tensor, inputs: tuple[Tensor, ...], op: Primitive, kwargs: dict[str, Any]
) -> None:
    """Make a view a member of the family of the input it views: one version counter, so an
    in-place change through either is seen by every node that saved the other (as
    PyTorch's views share their base's), and what a recorded in-place change through the
    family needs to replay the view (see ``autograd_np._views``)."""
    out = result.array
    for t in inputs:
        if np.may_share_memory(out, t.array):
            register_view(result, t, op, kwargs, replayable=len(inputs) == 1)
            return


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
        self.fwd: Callable[..., tuple[np.ndarray, Any]] | None = None
        parts = name.rsplit(".", 1)[-1].split("_")
        self.backward_name = "".join(p[:1].upper() + p[1:] for p in parts) + "Backward"
        self.__name__ = name.rsplit(".", 1)[-1]
        self.__qualname__ = self.__name__
        self.__doc__ = forward.__doc__
        self.__module__ = forward.__module__
        self.__wrapped__ = forward

    def saved_indices(self, n_inputs: int) -> Sequence[int]:
        """The indices of the inputs whose values the VJP reads."""
        return range(n_inputs) if self.saves is None else self.saves

    def defvjp(self, vjp: VJPFn) -> VJPFn:
        """Declare the VJP: ``vjp(g, out, *inputs, **options) -> gradients``.

        For an op with a :meth:`deffwd`, the VJP also takes ``residuals=`` (keyword).
        Inputs the op does not save, and the output unless ``saves_output``, reach the VJP
        as stand-ins of the right shape and dtype that hold no values.
        """
        if not self.differentiable:
            raise TypeError(f"{self.name} is declared non-differentiable; it takes no VJP")
        self.vjp = vjp
        return vjp

    def deffwd(
        self, fwd: Callable[..., tuple[np.ndarray, Any]]
    ) -> Callable[..., tuple[np.ndarray, Any]]:
        """Declare the forward used when the call is recorded: ``fwd(*arrays, **options)
        -> (out, residuals)``, as ``jax.custom_vjp``'s. The node keeps ``residuals`` (arrays
        the VJP needs that are not inputs or the output: pooling's argmax, say) and the VJP
        receives them as ``residuals=``. Unrecorded calls run the plain forward.
        """
        if not self.differentiable:
            raise TypeError(f"{self.name} is declared non-differentiable; it takes no fwd")
        self.fwd = fwd
        return fwd

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
        for a in args:
            if not isinstance(a, Tensor):
                args = _wrap_constants(args)
                break
        state = grad_mode._state
        record = False
        if state.grad_enabled and self.differentiable:
            for t in args:
                if t._node is not None or t._leaf_requires_grad:
                    record = True
                    break
        residuals = None
        try:
            if record and self.fwd is not None:
                out, residuals = self.fwd(*[t.array for t in args], **kwargs)
            else:
                out = self.forward(*[t.array for t in args], **kwargs)
        except (ValueError, TypeError, IndexError) as e:
            raise _named_error(self, e, args) from e
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if state.anomaly:
            _check_forward_finite(self, args, out)
        if record and out.dtype.kind == "f":
            return self._record(args, kwargs, out, residuals, state.anomaly)
        result = Tensor.from_array(out)
        if out.base is not None:
            _share_version(result, args, self, kwargs)
        return result

    def _record(
        self,
        inputs: tuple[Tensor, ...],
        kwargs: dict[str, Any],
        out: np.ndarray,
        residuals: Any,
        trace: bool,
    ) -> Tensor:
        """The output of a call that goes into the graph, with its node."""
        node = Node(self, inputs, kwargs, out, residuals)
        result = Tensor.from_array(out, node)
        if out.base is not None:
            _share_version(result, inputs, self, kwargs)
        if self.saves_output:
            node.out_box = result._version_box
            node.out_version = result._version_box.value
        if trace:
            node.trace = _user_stack()
        return result


def increment_version(tensor: Tensor) -> None:
    """Record an in-place change of ``tensor``'s values made outside autograd's view (through
    numpy, ``t.array[...] = ...``), as ``torch.autograd.graph.increment_version``: a node
    that saved the tensor then refuses to use it at backward."""
    tensor._version_box.value += 1


def _user_stack() -> list[str]:
    """The current call stack, without the engine's own frames (for anomaly reports)."""
    engine = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frames = [
        f
        for f in traceback.extract_stack()[:-2]
        if not os.path.abspath(f.filename).startswith(engine)
    ]
    return traceback.format_list(frames)


def _check_forward_finite(op: Primitive, inputs: tuple[Tensor, ...], out: np.ndarray) -> None:
    if out.dtype.kind != "f" or np.isfinite(out).all():
        return
    if all(t.array.dtype.kind != "f" or np.isfinite(t.array).all() for t in inputs):
        bad = "nan" if np.isnan(out).any() else "inf"
        shapes = ", ".join(str(t.shape) for t in inputs)
        raise FloatingPointError(
            f"{op.name} forward produced {bad} from finite inputs (input shapes {shapes}); "
            "detect_anomaly is on"
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
        Indices of the inputs whose values the VJP reads: the node keeps those alive (and
        only the shape and dtype of the others), and an in-place change of one of them
        between forward and backward is an error. Default: all inputs.
    saves_output : bool, default False
        Whether the VJP reads ``out``: the node then keeps the output, and an in-place
        change of it is an error.
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
