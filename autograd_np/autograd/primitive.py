"""Declaring differentiable primitives, and calling them (the dispatch that records nodes).

A primitive is declared once: a numpy forward and, beside it, its vector-Jacobian product
(VJP) written with differentiable Tensor ops, so ``create_graph=True`` gives derivatives of
any order. Tensor inputs are positional; every other option is keyword-only.

Examples
--------
>>> import numpy as np
>>> from autograd_np.autograd import primitive
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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from autograd_np.autograd import grad_mode
from autograd_np.autograd.graph import ENGINE, Node
from autograd_np.autograd.views import register_view
from autograd_np.dtypes import DEFAULT_FLOAT, to_array
from autograd_np.testing.registry import REGISTRY, OpInfo, SampleSpec
from autograd_np.testing.registry import register as register_op

if TYPE_CHECKING:
    from autograd_np.tensor import Tensor

__all__ = ["Primitive", "composite", "primitive"]

T = TypeVar("T")
VJPFn = Callable[..., Any]


# ---------------------------------------------------------------------- primitives
def _constant(value: Any, like: np.dtype[Any] | None) -> Tensor:
    """Wrap a non-Tensor argument as a constant.

    Python and numpy scalars are weak, as in PyTorch: they take the floating dtype of the
    tensor arguments, so ``x * 2.0`` and ``x * np.sqrt(2.0)`` keep x's float32. Arrays and
    lists follow :func:`~autograd_np.dtypes.to_array`.
    """
    kind = type(value)
    if kind is float or kind is int or isinstance(value, (np.floating, np.integer)):
        if like is not None:
            return ENGINE.tensor.from_array(np.asarray(value, dtype=like))
        if kind is float:
            return ENGINE.tensor.from_array(np.asarray(value, dtype=DEFAULT_FLOAT))
    return ENGINE.tensor.from_array(to_array(value))


def _wrap_constants(args: tuple[Any, ...]) -> tuple[Tensor, ...]:
    like = None
    for a in args:
        if isinstance(a, ENGINE.tensor) and a.array.dtype.kind == "f":
            like = a.array.dtype
            break
    return tuple(a if isinstance(a, ENGINE.tensor) else _constant(a, like) for a in args)


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
    family needs to replay the view (see ``autograd_np.autograd.views``)."""
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
        """Declare the forward used when the call is recorded: ``fwd(*arrays,
        needs_input_grad, **options) -> (out, residuals)``, as ``jax.custom_vjp``'s. The node
        keeps ``residuals`` (arrays the VJP needs that are not inputs or the output:
        pooling's argmax, say) and the VJP receives them as ``residuals=``.
        ``needs_input_grad`` is a tuple of bools, one per input, as PyTorch's
        ``ctx.needs_input_grad``: whether that input's gradient will be asked for (a
        residual only one gradient reads need not be kept otherwise). Unrecorded calls run
        the plain forward.
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
        tensor = ENGINE.tensor
        for a in args:
            if type(a) is not tensor and not isinstance(a, tensor):
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
                needs = tuple(t._node is not None or t._leaf_requires_grad for t in args)
                out, residuals = self.fwd(
                    *[t.array for t in args], needs_input_grad=needs, **kwargs
                )
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
        result = tensor.from_array(out)
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
        result = ENGINE.tensor.from_array(out, node)
        if out.base is not None:
            _share_version(result, inputs, self, kwargs)
        if self.saves_output:
            node.out_box = result._version_box
            node.out_version = result._version_box.value
        if trace:
            node.trace = _user_stack()
        return result


def _user_stack() -> list[str]:
    """The current call stack, without autograd_np's own frames (for anomaly reports)."""
    engine = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
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
            register_op(
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
        register_op(
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
