"""The Tensor: an ndarray, an optional gradient, and the node of the op that made it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from autograd_np._tensor_methods import TensorMethods, _bind_ops
from autograd_np._tensor_torch_methods import TorchTensorMethods
from autograd_np._tensor_torch_methods import bind as _bind_torch_methods
from autograd_np.autograd import grad_mode
from autograd_np.autograd.backward import backward
from autograd_np.autograd.graph import ENGINE
from autograd_np.autograd.views import Version as _Version
from autograd_np.autograd.views import record_family_change
from autograd_np.dtypes import DTypeLike, is_floating, to_array
from autograd_np.hooks import HookDict, RemovableHandle

if TYPE_CHECKING:
    from autograd_np.autograd import Node, Primitive

__all__ = ["Tensor", "TensorLike"]

# Tensor has methods named int, float and bool (PyTorch's conversions), which shadow the
# builtins inside the class body; annotations there use these aliases.
_int = int
_float = float
_bool = bool

TensorLike = Union["Tensor", np.ndarray, float, int, bool, Sequence[Any]]


class Tensor(TorchTensorMethods, TensorMethods):
    """An n-dimensional array that records the operations applied to it.

    Parameters
    ----------
    data : array_like
        numpy arrays and numpy scalars keep their dtype and are not copied (a Tensor's
        values are shared, with its in-place version counter, but not its graph); Python
        floats (and lists of them) become float32, Python ints int64.
    dtype : numpy dtype, optional
        Convert to this dtype.
    requires_grad : bool, default False
        Record operations on this tensor so that ``backward`` can compute its gradient.
        Only floating-point tensors can require grad.

    Attributes
    ----------
    array : np.ndarray
        The values as an ndarray (shared, never copied). Changing them in place through
        numpy (``t.array[...] = ...``) or assigning a new array bypasses the version counter,
        so a pending backward cannot detect it; use the in-place methods (``add_``,
        ``mul_``, ``copy_``...), under ``no_grad`` for tensors that require grad, as
        optimizers do.
    data : Tensor
        As in PyTorch: the same values as a Tensor outside the graph (sharing memory and
        the version counter), so ``p.data.add_(...)`` changes ``p`` without autograd seeing
        it. Assigning a Tensor or array replaces the values.
    grad : Tensor or None
        The accumulated gradient, set by ``backward`` on leaves (and on tensors that called
        ``retain_grad``). It never shares memory with another tensor, so changing it in place
        (gradient clipping, say) is safe. Assigning checks the shape and dtype.

    Notes
    -----
    ``==`` is elementwise and returns a bool Tensor, as in PyTorch, and tensors hash by
    identity. So ``x in list_of_tensors`` is True when ``x`` itself is in the list, but it
    compares values with every other element it meets first: a one-element tensor equal in
    value counts as found, and a multi-element one raises "truth value ... is ambiguous".
    To look a tensor up by identity use ``any(t is x for t in tensors)``, or a dict or set
    (which hash by identity).

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = (
        "__weakref__",
        "_grad",
        "_hooks",
        "_leaf_requires_grad",
        "_node",
        "_post_accumulate_hooks",
        "_retains_grad",
        "_version_box",
        "_view_of",
        "array",
    )

    # Make numpy defer to our reflected operators: ndarray + Tensor -> Tensor.__radd__.
    __array_ufunc__ = None
    __array_priority__ = 1000

    array: np.ndarray
    _grad: Tensor | None
    _node: Node | None
    _version_box: _Version
    # (parent, op, options) of a view made by ``op(parent, **options)``; see
    # ``autograd_np.autograd.views``
    _view_of: tuple[Tensor, Primitive, dict[str, Any]] | None

    def __init__(
        self, data: Any, *, dtype: DTypeLike | None = None, requires_grad: _bool = False
    ) -> None:
        source = data if isinstance(data, Tensor) else None
        if source is not None:
            data = source.array
        self.array = to_array(data, dtype)
        self._grad = None
        self._node = None
        self._view_of = None
        # sharing another tensor's values means sharing its in-place version counter
        if source is not None and self.array is source.array:
            self._version_box = source._version_box
        else:
            self._version_box = _Version()
        self._hooks: HookDict | None = None
        self._post_accumulate_hooks: HookDict | None = None
        self._retains_grad = False
        self._leaf_requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def from_array(cls, array: np.ndarray, node: Node | None = None) -> Tensor:
        """Wrap an ndarray as a Tensor without copying or converting it.

        The engine's fast path, and the public way for layers and optimizers to make a Tensor
        from a result they computed in numpy. ``node`` is the graph node that produced it
        (None for a tensor outside the graph).
        """
        t = object.__new__(cls)
        t.array = array
        t._grad = None
        t._node = node
        t._version_box = _Version()
        t._view_of = None
        t._hooks = None
        t._post_accumulate_hooks = None
        t._retains_grad = False
        t._leaf_requires_grad = False
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def requires_grad(self) -> _bool:
        """Whether operations on this tensor are recorded for backward."""
        return self._node is not None or self._leaf_requires_grad

    @requires_grad.setter
    def requires_grad(self, value: _bool) -> None:
        self.requires_grad_(value)

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (None until a backward reaches this tensor)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad must be a Tensor or None, got {type(value).__name__}"
                )
            if value.array.shape != self.array.shape or value.array.dtype != self.array.dtype:
                raise RuntimeError(
                    f"assigned grad has shape {value.array.shape} and dtype {value.array.dtype}; "
                    f"the tensor has shape {self.array.shape} and dtype {self.array.dtype}"
                )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The values as a Tensor outside the graph that shares memory (PyTorch's ``.data``)."""
        t = Tensor.from_array(self.array)
        t._version_box = self._version_box
        return t

    @data.setter
    def data(self, value: TensorLike) -> None:
        arr = value.array if isinstance(value, Tensor) else to_array(value)
        if self._leaf_requires_grad and not is_floating(arr.dtype):
            raise RuntimeError(
                f"data: a tensor that requires grad needs floating-point values, got {arr.dtype}"
            )
        self.array = arr
        self._version_box.value += 1

    @property
    def is_leaf(self) -> _bool:
        """True for tensors not produced by a recorded op (parameters, inputs, constants)."""
        return self._node is None

    @property
    def grad_fn(self) -> Node | None:
        """The node of the op that produced this tensor, or None for leaves."""
        return self._node

    @property
    def shape(self) -> tuple[_int, ...]:
        """The shape, as a tuple of ints."""
        return self.array.shape

    @property
    def ndim(self) -> _int:
        """The number of dimensions."""
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numpy dtype of the values."""
        return self.array.dtype

    @property
    def _version(self) -> _int:
        """How many in-place changes this tensor's values have had."""
        return self._version_box.value

    def size(self, dim: _int | None = None) -> tuple[_int, ...] | _int:
        """The shape, or the length of one dimension when ``dim`` is given."""
        if dim is None:
            return self.array.shape
        return int(self.array.shape[dim])

    def numel(self) -> _int:
        """The number of elements."""
        return int(self.array.size)

    def __len__(self) -> _int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return int(self.array.shape[0])

    def dim(self) -> _int:
        """The number of dimensions (PyTorch's name for ``ndim``)."""
        return self.array.ndim

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, got shape {self.array.shape}"
            )
        return self.array.item()

    def numpy(self) -> np.ndarray:
        """The values as an ndarray (shared, not copied).

        Raises for tensors that require grad, as PyTorch does: use ``x.detach().numpy()``.
        """
        if self.requires_grad:
            raise RuntimeError(
                "numpy() on a tensor that requires grad would drop it from the graph; "
                "use tensor.detach().numpy() instead"
            )
        return self.array

    def __array__(self, dtype: DTypeLike | None = None, copy: _bool | None = None) -> np.ndarray:
        """numpy's conversion protocol (``np.asarray(t)``): the values, shared unless a copy
        is asked for or a dtype conversion needs one. Like :meth:`numpy`, it refuses tensors
        that require grad."""
        arr = self.numpy()
        if dtype is not None and arr.dtype != np.dtype(dtype):
            if copy is False:
                raise ValueError(
                    f"__array__: converting {arr.dtype} to {np.dtype(dtype)} needs a copy, "
                    "but copy=False was given"
                )
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self.array.tolist()

    def __repr__(self) -> str:
        body = np.array2string(self.array, separator=", ", prefix="tensor(")
        extras = []
        if self.array.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.array.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name()}>")
        elif self._leaf_requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    def __bool__(self) -> _bool:
        if self.array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.array)

    def __float__(self) -> _float:
        return float(self.item())

    def __int__(self) -> _int:
        return int(self.item())

    def __index__(self) -> _int:
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.array.item())

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.array.shape[0]):
            yield self[i]

    def __hash__(self) -> _int:
        return id(self)

    # ------------------------------------------------------------------ graph control
    def requires_grad_(self, requires_grad: _bool = True) -> Tensor:
        """Set whether this leaf records operations; returns ``self``."""
        if self._node is not None:
            if not requires_grad:
                raise RuntimeError(
                    "requires_grad_(False) on a non-leaf tensor; use detach() to get a tensor "
                    "outside the graph"
                )
            return self
        if requires_grad and not is_floating(self.array.dtype):
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype {self.array.dtype}"
            )
        self._leaf_requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's values (and in-place version counter)."""
        t = Tensor.from_array(self.array)
        t._version_box = self._version_box
        return t

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place; returns ``self``."""
        self._node = None
        self._leaf_requires_grad = False
        return self

    def clone(self) -> Tensor:
        """A copy of the values that stays in the graph (gradient flows back unchanged)."""
        return _ops.clone(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        if self._node is not None and not self._retains_grad:
            self._retains_grad = True
            self._node.retain(self)

    @property
    def retains_grad(self) -> _bool:
        """True after ``retain_grad()`` on a non-leaf tensor."""
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` whenever the gradient of this tensor is computed.

        The hook may return a tensor to use in place of ``grad``. Returns a handle whose
        ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self._node is not None:
            if self._node.tensor_hooks is None:
                self._node.tensor_hooks = HookDict()
            hooks = self._node.tensor_hooks
        else:
            if self._hooks is None:
                self._hooks = HookDict()
            hooks = self._hooks
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call ``hook(tensor)`` after a backward pass has accumulated into ``tensor.grad``.

        Only for leaf tensors that require grad, as in PyTorch; distributed data-parallel
        training uses it to start reducing a gradient as soon as it is complete. Returns a
        handle whose ``remove()`` unregisters the hook.
        """
        if self._node is not None or not self._leaf_requires_grad:
            raise RuntimeError(
                "post accumulate grad hooks can only be registered on leaf tensors that "
                "require grad"
            )
        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = HookDict()
        handle = RemovableHandle(self._post_accumulate_hooks)
        self._post_accumulate_hooks[handle.id] = hook
        return handle

    def backward(
        self,
        gradient: TensorLike | None = None,
        retain_graph: _bool | None = None,
        create_graph: _bool = False,
        inputs: Sequence[Tensor] | None = None,
    ) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves.

        Parameters
        ----------
        gradient : array_like, optional
            The gradient with respect to this tensor (the cotangent). Needed unless this
            tensor has one element.
        retain_graph : bool, optional
            Keep the graph for another backward; defaults to ``create_graph``.
        create_graph : bool, default False
            Record the backward pass itself, so the gradients can be differentiated again.
        inputs : sequence of Tensor, optional
            Accumulate only into these tensors.
        """
        backward(
            self,
            gradient,
            retain_graph=retain_graph,
            create_graph=create_graph,
            inputs=inputs,
        )

    # ------------------------------------------------------------------ in place
    # Every in-place change bumps the version counter, which nodes check at backward (an
    # input or output a VJP needs must not have changed). A leaf that requires grad can only
    # be changed under no_grad (as optimizers do). The arithmetic forms (+=, add_, ...) on
    # a tensor in the graph are recorded, as in PyTorch; the others refuse there.
    def _check_inplace(self, name: str, other: Any = None) -> None:
        """Refuse an unrecorded in-place change that autograd would need to see."""
        if not grad_mode._state.grad_enabled:
            return
        if self.requires_grad:
            kind = "a leaf tensor" if self._node is None else "a tensor in the graph"
            raise RuntimeError(
                f"{name}: in-place change of {kind} that requires grad while grad mode is on; "
                "wrap it in `with no_grad():` or use an out-of-place op (where, clip, ...)"
            )
        if isinstance(other, Tensor) and other.requires_grad:
            raise RuntimeError(
                f"{name}: the new values come from a tensor that requires grad, but this "
                "in-place change is not recorded by autograd; use an out-of-place op, or "
                "detach() the source"
            )

    def _write(self, name: str, values: Any, *, casting: str) -> Tensor:
        """Store ``values`` (broadcast) into ``data`` and bump the version."""
        arr = values.array if isinstance(values, Tensor) else np.asarray(values)
        try:
            target = np.broadcast_shapes(arr.shape, self.array.shape)
        except ValueError:
            target = None
        if target != self.array.shape:
            raise RuntimeError(
                f"{name}: values of shape {arr.shape} cannot be stored in place into a tensor "
                f"of shape {self.array.shape}"
            )
        if not np.can_cast(arr.dtype, self.array.dtype, casting):  # type: ignore[arg-type]
            raise RuntimeError(
                f"{name}: a result of dtype {arr.dtype} cannot be stored in place into a "
                f"tensor of dtype {self.array.dtype}"
            )
        if not self.array.flags.writeable:
            raise RuntimeError(
                f"{name}: the tensor's values are read-only (a broadcast view or a read-only "
                "array); clone() it first"
            )
        np.copyto(self.array, arr, casting="unsafe")
        self._version_box.value += 1
        return self

    def _inplace(self, name: str, values: Any) -> Tensor:
        """An unrecorded in-place change (refused where autograd would need to see it)."""
        self._check_inplace(name, values)
        return self._write(name, values, casting="unsafe")

    def _must_record(self, other: Any) -> _bool:
        """Whether autograd must see an in-place change of ``self`` by ``other``: grad mode
        is on and either requires grad."""
        return grad_mode._state.grad_enabled and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        )

    def _arith_inplace(
        self, name: str, op: Callable[..., Tensor], other: Any, *, reads_self: _bool
    ) -> Tensor:
        """``self = op(self, other)`` in place, recorded when autograd must see it.

        ``reads_self``: whether the op's VJP needs the old value of ``self`` (mul, div),
        which is then kept in a copy.
        """
        if not self._must_record(other):
            return self._write(name, op(self, other), casting="same_kind")
        if self._node is None and self._leaf_requires_grad:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad cannot be changed in place while "
                "grad mode is on; update it under `with no_grad():` (as optimizers do), or "
                "use an out-of-place op"
            )
        # Record op(old self, other) and make self stand for its result: on the root of
        # the values' family when self is a view or has views, every view then taking its
        # values from it again (see autograd_np.autograd.views). Nodes that used the old value
        # keep their edge to the old node; the version bump makes any of them that saved the old
        # value raise at backward.
        record_family_change(
            self,
            name,
            lambda old: self._inplace_result(name, op, old, other, reads_self),
            lambda new: self._write(name, new, casting="same_kind"),
        )
        return self

    def _inplace_result(
        self, name: str, op: Callable[..., Tensor], old: Tensor, other: Any, reads_self: _bool
    ) -> Tensor:
        """``op(old, other)`` with ``old`` standing for this tensor's values before an
        in-place change (copied first when the op's VJP reads them), checked to fit back."""
        if reads_self:
            old = Tensor.from_array(old.array.copy(), old._node)
        result = op(old, old if other is self else other)
        if result.array.shape != self.array.shape:
            raise RuntimeError(
                f"{name}: the result has shape {result.array.shape}; in place it must keep the "
                f"tensor's shape {self.array.shape}"
            )
        if result.array.dtype != self.array.dtype:
            if not np.can_cast(result.array.dtype, self.array.dtype, "same_kind"):
                raise RuntimeError(
                    f"{name}: a result of dtype {result.array.dtype} cannot be stored in place "
                    f"into a tensor of dtype {self.array.dtype}"
                )
            result = _ops.astype(result, self.array.dtype)
        return result

    def _adopt(self, node: Node) -> None:
        """Make this tensor stand for ``node``'s output, after an in-place change of its
        values (the node's output is then these values, at their current version)."""
        if node.op.saves_output:
            node.out_data = self.array
            node.out_box = self._version_box
            node.out_version = self._version_box.value
        if self._retains_grad and self._node is not None:
            self._node.retained = None
            node.retain(self)
        self._node = node

    def copy_(self, src: TensorLike) -> Tensor:
        """Copy ``src`` (broadcast, converted to this dtype) into this tensor in place."""
        return self._inplace("copy_", src)

    def fill_(self, value: _float) -> Tensor:
        """Fill with ``value`` in place."""
        return self._inplace("fill_", value)

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return self._inplace("zero_", 0)

    def add_(self, other: TensorLike, *, alpha: _float = 1.0) -> Tensor:
        """``self += alpha * other`` in place."""
        o = other if alpha == 1.0 else _ops.multiply(other, alpha)
        return self._arith_inplace("add_", _ops.add, o, reads_self=False)

    def sub_(self, other: TensorLike, *, alpha: _float = 1.0) -> Tensor:
        """``self -= alpha * other`` in place."""
        o = other if alpha == 1.0 else _ops.multiply(other, alpha)
        return self._arith_inplace("sub_", _ops.subtract, o, reads_self=False)

    def mul_(self, other: TensorLike) -> Tensor:
        """``self *= other`` in place."""
        return self._arith_inplace("mul_", _ops.multiply, other, reads_self=True)

    def div_(self, other: TensorLike) -> Tensor:
        """``self /= other`` in place."""
        return self._arith_inplace("div_", _ops.divide, other, reads_self=True)

    def clamp_(self, min: _float | None = None, max: _float | None = None) -> Tensor:
        """Clip the values to ``[min, max]`` in place (either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        self._check_inplace("clamp_")
        return self._write("clamp_", np.clip(self.array, min, max), casting="same_kind")

    def __iadd__(self, other: TensorLike) -> Tensor:
        return self._arith_inplace("+=", _ops.add, other, reads_self=False)

    def __isub__(self, other: TensorLike) -> Tensor:
        return self._arith_inplace("-=", _ops.subtract, other, reads_self=False)

    def __imul__(self, other: TensorLike) -> Tensor:
        return self._arith_inplace("*=", _ops.multiply, other, reads_self=True)

    def __itruediv__(self, other: TensorLike) -> Tensor:
        return self._arith_inplace("/=", _ops.divide, other, reads_self=True)

    def __setitem__(self, key: Any, value: TensorLike) -> None:
        """``x[key] = value`` in place, with numpy's keys and broadcasting.

        In grad mode, on a tensor in the graph or with values that require grad, the
        assignment is recorded as in PyTorch: later gradients reach ``value`` from the
        assigned positions and the old ``x`` from the others (see
        :func:`autograd_np.ops.indexing.setitem_result`). A leaf that requires grad is
        changed only under ``no_grad``.
        """
        if self._must_record(value):
            self._arith_inplace(
                "__setitem__",
                lambda old, v: _ops.indexing.setitem_result(old, key, v),
                value,
                reads_self=False,
            )
            return
        key = _ops.indexing._normalize_key(key, copy=False)
        _ops.indexing.check_masks(key, self.array.shape, "__setitem__")
        if not self.array.flags.writeable:
            raise RuntimeError(
                "__setitem__: the tensor's values are read-only (a broadcast view or a "
                "read-only array); clone() it first"
            )
        try:
            self.array[key] = value.array if isinstance(value, Tensor) else value
        except (IndexError, ValueError, TypeError) as e:
            raise type(e)(f"__setitem__: {e} (tensor of shape {self.array.shape})") from e
        self._version_box.value += 1


ENGINE.tensor = Tensor  # the engine's one way to the class (it does not import this module)

# The op modules import Tensor, so they are loaded after the class exists.
from autograd_np import ops as _ops  # noqa: E402

_bind_ops()
_bind_torch_methods()
