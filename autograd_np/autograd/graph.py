"""The graph: one :class:`Node` per recorded call, and the table through which the engine
reaches the Tensor class and the few ops it uses.

What a node keeps until backward is what its op declares: the inputs listed in ``saves``
(all of them by default), the output with ``saves_output=True``, and residuals: arrays
computed by the forward that the VJP needs and that are neither (see
:meth:`~autograd_np.autograd.primitive.Primitive.deffwd`). Everything else is dropped after
the forward; the VJP sees stand-ins of the right shape and dtype for values that were not
saved. Only saved values are checked for in-place changes at backward.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from autograd_np.hooks import HookDict

if TYPE_CHECKING:
    from autograd_np.autograd.primitive import Primitive
    from autograd_np.tensor import Tensor

__all__ = ["ENGINE", "EngineTable", "Node", "increment_version"]


class EngineTable:
    """What the engine calls but does not import: the Tensor class, filled in by
    ``autograd_np.tensor``, and the ops the traversal and the in-place machinery use, filled
    in by ``autograd_np.ops``. The one seam between the engine and the op families: the
    engine imports neither, so no import cycle goes through it."""

    tensor: type[Tensor]
    add: Callable[..., Tensor]
    subtract: Callable[..., Tensor]
    sum: Callable[..., Tensor]
    reshape: Callable[..., Tensor]
    astype: Callable[..., Tensor]
    clone: Callable[..., Tensor]

    def fill(self, **entries: Any) -> None:
        """Set entries (``ENGINE.fill(add=add, ...)``); unknown names are an error."""
        for name, value in entries.items():
            if name not in EngineTable.__annotations__:
                raise AttributeError(f"EngineTable has no entry {name!r}")
            setattr(self, name, value)


ENGINE = EngineTable()


def increment_version(tensor: Tensor) -> None:
    """Record an in-place change of ``tensor``'s values made outside autograd's view (through
    numpy, ``t.array[...] = ...``), as ``torch.autograd.graph.increment_version``: a node
    that saved the tensor then refuses to use it at backward."""
    tensor._version_box.value += 1


# ---------------------------------------------------------------------- graph nodes
Edge = Union["Node", "Tensor", None]

# One element per dtype, broadcast to any shape: the stand-in for a value a node did not
# save (NaN for floats, the largest int for integers, so that a VJP reading it by mistake
# gives NaN gradients or an IndexError, which the registry's gradient checks see).
_FILLERS: dict[np.dtype[Any], np.ndarray] = {}


_STAND_INS: dict[tuple[tuple[int, ...], np.dtype[Any], bool], Tensor] = {}


def _stand_in(shape: tuple[int, ...], dtype: np.dtype[Any], requires_grad: bool) -> Tensor:
    """A tensor with the shape and dtype of a value that was not saved, holding no memory
    (shared: one per shape, dtype and ``requires_grad``, as making one costs more than a
    small op's whole VJP)."""
    key = (shape, dtype, requires_grad)
    t = _STAND_INS.get(key)
    if t is not None:
        return t
    filler = _FILLERS.get(dtype)
    if filler is None:
        if dtype.kind in "fc":
            value: Any = np.nan
        elif dtype.kind in "iu":
            value = np.iinfo(dtype).max
        else:
            value = np.ones((), dtype=dtype)
        filler = _FILLERS[dtype] = np.full((), value, dtype=dtype)
    t = ENGINE.tensor.from_array(np.broadcast_to(filler, shape))
    t._leaf_requires_grad = requires_grad
    if len(_STAND_INS) >= 1024:
        _STAND_INS.clear()
    _STAND_INS[key] = t
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
        # Where each gradient goes, the in-place version of each input now (a saved input
        # must still be at it in backward), and the shape and dtype of each.
        # (one loop: a comprehension per list costs more than a small op's numpy work)
        edges: list[Edge] = []
        versions: list[int] = []
        shapes: list[tuple[int, ...]] = []
        dtypes: list[np.dtype[Any]] = []
        for t in inputs:
            node = t._node
            edges.append(node if node is not None else t if t._leaf_requires_grad else None)
            versions.append(t._version_box.value)
            a = t.array
            shapes.append(a.shape)
            dtypes.append(a.dtype)
        self.edges = edges
        self.versions = versions
        self.shapes = shapes
        self.dtypes = dtypes
        saves = op.saves
        if saves is None:
            self.saved: tuple[Tensor | None, ...] = inputs
        elif not saves:
            self.saved = (None,) * len(inputs)
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
        return ENGINE.tensor.from_array(self.out_data, self)

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
