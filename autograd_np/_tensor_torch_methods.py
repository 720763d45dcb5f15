"""PyTorch's Tensor methods that training scripts call: devices and ``to``, ``new_*``
constructors, comparisons by name, shape helpers, fills and scatters, random fills and
``__format__``.

A mixin of :class:`~autograd_np.tensor.Tensor`, like :mod:`autograd_np._tensor_methods`.
The CPU is the only device: ``.cpu()`` and ``.to('cpu')`` return the tensor itself, and
``.cuda()`` or ``.to('cuda')`` raise an error that says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_np.devices import CPU, DeviceLike, check_device, device
from autograd_np.dtypes import DTypeLike
from autograd_np.random import GeneratorLike, as_generator

if TYPE_CHECKING:
    from autograd_np.ops.extrema import ValuesIndices
    from autograd_np.tensor import Tensor, TensorLike

__all__ = ["TorchTensorMethods"]

_int = int
_bool = bool
_float = float

# Bound by bind() when autograd_np.tensor has finished loading.
_ops: Any = None
_creation: Any = None
_Tensor: Any = None


class TorchTensorMethods:
    """PyTorch-named methods of :class:`~autograd_np.tensor.Tensor` (see the module
    docstring)."""

    __slots__ = ()

    if TYPE_CHECKING:
        array: np.ndarray

        @property
        def shape(self) -> tuple[_int, ...]: ...
        @property
        def ndim(self) -> _int: ...
        @property
        def dtype(self) -> np.dtype[Any]: ...
        def astype(self, dtype: DTypeLike) -> Tensor: ...
        def clone(self) -> Tensor: ...
        def item(self) -> Any: ...
        def _inplace(self, name: str, values: Any) -> Tensor: ...
        def _arith_inplace(
            self, name: str, op: Callable[..., Tensor], other: Any, *, reads_self: _bool
        ) -> Tensor: ...

    # ------------------------------------------------------------------ devices
    @property
    def device(self) -> device:
        """``device(type='cpu')``: the only device."""
        return CPU

    @property
    def is_cuda(self) -> _bool:
        """False: tensors live on the CPU."""
        return False

    @property
    def is_cpu(self) -> _bool:
        """True: tensors live on the CPU."""
        return True

    def cpu(self) -> Tensor:
        """The tensor itself (it is already on the CPU)."""
        return self  # type: ignore[return-value]

    def cuda(self, device: DeviceLike = None, non_blocking: _bool = False) -> Tensor:
        """Raises: there is no CUDA device here."""
        raise RuntimeError(
            "Tensor.cuda: no CUDA device is available: autograd_np runs on the CPU only "
            "(use .to(device) with device('cuda' if cuda.is_available() else 'cpu'))"
        )

    def get_device(self) -> _int:
        """-1, PyTorch's answer for a tensor on the CPU."""
        return -1

    def pin_memory(self) -> Tensor:
        """The tensor itself: pinned memory speeds copies to a GPU, and there is none."""
        return self  # type: ignore[return-value]

    def is_pinned(self) -> _bool:
        """False: memory is never pinned (see :meth:`pin_memory`)."""
        return False

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """Convert dtype and/or device, PyTorch's ``Tensor.to``.

        ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (other's dtype
        and device), with keywords ``dtype=``, ``device=``, ``non_blocking=`` (accepted)
        and ``copy=``. Returns the tensor itself when nothing changes (unless
        ``copy=True``); a dtype conversion between floating dtypes is differentiable.
        The CPU is the only device: any other raises.
        """
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = _bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, (str, device, _int)) and not isinstance(a, _bool):
                dev = a
            elif isinstance(a, TorchTensorMethods):
                dtype = a.dtype
            elif isinstance(a, _bool):
                continue  # PyTorch's positional non_blocking / copy flags
            else:
                dtype = a
        check_device(dev, "Tensor.to")
        out: Tensor = self  # type: ignore[assignment]
        if dtype is not None and np.dtype(dtype) != self.dtype:
            return self.astype(dtype)
        return out.clone() if copy else out

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``); others need an empty
        format spec, as in PyTorch."""
        if self.ndim == 0:
            return format(self.item(), format_spec)
        return object.__format__(self, format_spec)

    # ------------------------------------------------------------------ new tensors
    def new_zeros(
        self,
        *size: Any,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return _creation.zeros(
            *size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad
        )

    def new_ones(
        self,
        *size: Any,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype unless ``dtype`` is given."""
        return _creation.ones(
            *size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad
        )

    def new_empty(
        self,
        *size: Any,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        """An uninitialised tensor of ``size``, with this tensor's dtype by default."""
        return _creation.empty(
            *size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad
        )

    def new_full(
        self,
        size: Sequence[_int],
        fill_value: Any,
        *,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        """``fill_value`` in a tensor of ``size``, with this tensor's dtype by default."""
        return _creation.full(
            size,
            fill_value,
            dtype=dtype or self.dtype,
            device=device,
            requires_grad=requires_grad,
        )

    def new_tensor(
        self,
        data: Any,
        *,
        dtype: DTypeLike | None = None,
        device: DeviceLike = None,
        requires_grad: _bool = False,
    ) -> Tensor:
        """A copy of ``data`` as a tensor with this tensor's dtype (unless ``dtype``)."""
        return _creation.tensor(
            data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad
        )

    # ------------------------------------------------------------------ shapes and layout
    def contiguous(self) -> Tensor:
        """The tensor itself when its values are C-contiguous, else a contiguous copy that
        stays in the graph (so changing it in place never changes this tensor)."""
        if self.array.flags.c_contiguous:
            return self  # type: ignore[return-value]
        return self.clone()

    def is_contiguous(self) -> _bool:
        """Whether the values are C-contiguous in memory."""
        return _bool(self.array.flags.c_contiguous)

    def t(self) -> Tensor:
        """The transpose of a matrix (0-D and 1-D tensors come back as they are)."""
        if self.ndim > 2:
            raise ValueError(
                f"t() expects a tensor with at most 2 dims, got shape {self.shape}; use "
                "transpose(dim0, dim1) or mT"
            )
        if self.ndim < 2:
            return _ops.reshape(self, self.shape)
        return _ops.swapaxes(self, 0, 1)

    def narrow(self, dim: _int, start: Any, length: _int) -> Tensor:
        """The slice ``start : start + length`` along ``dim`` (a view, differentiable)."""
        d = dim % self.ndim if -self.ndim <= dim < self.ndim else None
        if d is None:
            raise ValueError(f"narrow: dim {dim} is out of range for shape {self.shape}")
        n = self.shape[d]
        s = _int(start)
        s = s + n if s < 0 else s
        if not (0 <= s <= n and length >= 0 and s + length <= n):
            raise ValueError(
                f"narrow: start {start} and length {length} do not fit dim {dim} of size {n}"
            )
        return _ops.getitem(self, (slice(None),) * d + (slice(s, s + length),))

    def view_as(self, other: Tensor) -> Tensor:
        """This tensor with ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """This tensor broadcast to ``other``'s shape."""
        return _ops.expand(self, *other.shape)

    def type_as(self, other: Tensor) -> Tensor:
        """This tensor converted to ``other``'s dtype."""
        return self.astype(other.dtype)

    def nelement(self) -> _int:
        """The number of elements (PyTorch's alias of ``numel``)."""
        return _int(self.array.size)

    def stride(self, dim: _int | None = None) -> Any:
        """The step in elements between neighbours along each dim (or along ``dim``)."""
        steps = tuple(_int(st // self.array.itemsize) for st in self.array.strides)
        return steps if dim is None else steps[dim]

    def data_ptr(self) -> _int:
        """The address of the first element (tensors sharing memory may share it)."""
        return _int(self.array.__array_interface__["data"][0])

    def element_size(self) -> _int:
        """The size of one element in bytes."""
        return _int(self.array.itemsize)

    def half(self) -> Tensor:
        """Convert to float16."""
        return self.astype(np.float16)

    # ------------------------------------------------------------------ products
    def mm(self, mat2: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors."""
        if self.ndim != 2 or getattr(mat2, "ndim", None) != 2:
            raise ValueError(
                f"mm: expected two 2-D tensors, got shapes {self.shape} and "
                f"{getattr(mat2, 'shape', None)}"
            )
        return _ops.matmul(self, mat2)

    def bmm(self, mat2: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors with the same batch size."""
        shape2: tuple[_int, ...] = tuple(getattr(mat2, "shape", ()))
        if self.ndim != 3 or len(shape2) != 3 or shape2[0] != self.shape[0]:
            raise ValueError(
                f"bmm: expected 3-D tensors (b, n, m) and (b, m, p), got shapes {self.shape} "
                f"and {shape2}"
            )
        return _ops.matmul(self, mat2)

    # ------------------------------------------------------------------ arithmetic by name
    def add(self, other: TensorLike, *, alpha: _float = 1.0) -> Tensor:
        return _ops.add(self, other if alpha == 1.0 else _ops.multiply(other, alpha))

    def sub(self, other: TensorLike, *, alpha: _float = 1.0) -> Tensor:
        return _ops.subtract(self, other if alpha == 1.0 else _ops.multiply(other, alpha))

    def mul(self, other: TensorLike) -> Tensor:
        return _ops.multiply(self, other)

    def div(self, other: TensorLike) -> Tensor:
        return _ops.divide(self, other)

    def neg(self) -> Tensor:
        return _ops.negative(self)

    def log2(self) -> Tensor:
        return _ops.log2(self)

    def log10(self) -> Tensor:
        return _ops.log10(self)

    def floor(self) -> Tensor:
        return _ops.floor(self)

    def ceil(self) -> Tensor:
        return _ops.ceil(self)

    def round(self) -> Tensor:
        return _ops.round(self)

    def trunc(self) -> Tensor:
        return _ops.trunc(self)

    def cumprod(self, dim: _int) -> Tensor:
        return _ops.cumprod(self, dim)

    def isnan(self) -> Tensor:
        return _ops.isnan(self)

    def isinf(self) -> Tensor:
        return _ops.isinf(self)

    def isfinite(self) -> Tensor:
        return _ops.isfinite(self)

    def logical_and(self, other: TensorLike) -> Tensor:
        return _ops.logical_and(self, other)

    def logical_or(self, other: TensorLike) -> Tensor:
        return _ops.logical_or(self, other)

    def logical_xor(self, other: TensorLike) -> Tensor:
        return _ops.logical_xor(self, other)

    def logical_not(self) -> Tensor:
        return _ops.logical_not(self)

    def outer(self, vec2: TensorLike) -> Tensor:
        return _ops.outer(self, vec2)

    def where(self, condition: TensorLike, other: TensorLike) -> Tensor:
        """``self`` where ``condition`` is true, else ``other`` (PyTorch's ``x.where``)."""
        return _ops.where(condition, self, other)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _ops.roll(self, shifts, dims)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _ops.movedim(self, source, destination)

    def repeat_interleave(self, repeats: Any, dim: _int | None = None) -> Tensor:
        return _ops.repeat_interleave(self, repeats, dim)

    # ------------------------------------------------------------------ comparisons
    def eq(self, other: TensorLike) -> Tensor:
        return _ops.equal(self, other)

    def ne(self, other: TensorLike) -> Tensor:
        return _ops.not_equal(self, other)

    def lt(self, other: TensorLike) -> Tensor:
        return _ops.less(self, other)

    def le(self, other: TensorLike) -> Tensor:
        return _ops.less_equal(self, other)

    def gt(self, other: TensorLike) -> Tensor:
        return _ops.greater(self, other)

    def ge(self, other: TensorLike) -> Tensor:
        return _ops.greater_equal(self, other)

    # ------------------------------------------------------------------ selection
    def tril(self, diagonal: _int = 0) -> Tensor:
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: _int = 0) -> Tensor:
        return _ops.triu(self, diagonal)

    def topk(
        self, k: _int, dim: _int = -1, largest: _bool = True, sorted: _bool = True
    ) -> ValuesIndices:
        return _ops.topk(self, k, dim, largest, sorted)

    def sort(
        self, dim: _int = -1, descending: _bool = False, *, stable: _bool = False
    ) -> ValuesIndices:
        return _ops.sort(self, dim, descending)

    def argsort(self, dim: _int = -1, descending: _bool = False) -> Tensor:
        return _ops.argsort(self, dim, descending)

    def unbind(self, dim: _int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, each without that dim (differentiable)."""
        d = dim % self.ndim if -self.ndim <= dim < self.ndim else None
        if d is None:
            raise ValueError(f"unbind: dim {dim} is out of range for shape {self.shape}")
        lead = (slice(None),) * d
        return tuple(_ops.getitem(self, (*lead, i)) for i in range(self.shape[d]))

    def masked_select(self, mask: TensorLike) -> Tensor:
        """The elements where the bool ``mask`` (broadcast with this tensor) is true, as a
        1-D tensor (differentiable)."""
        m = np.asarray(getattr(mask, "array", mask))
        if m.dtype != np.bool_:
            raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
        shape = np.broadcast_shapes(m.shape, self.shape)
        x = self if self.shape == shape else _ops.broadcast_to(self, shape)
        return _ops.getitem(x, np.broadcast_to(m, shape))

    def nonzero(self, *, as_tuple: _bool = False) -> Any:
        """The indices of the non-zero elements: an int64 tensor of shape (n, ndim), or
        with ``as_tuple=True`` one 1-D index tensor per dim."""
        idx = np.nonzero(self.array)
        if as_tuple:
            return tuple(_Tensor.from_array(i.astype(np.int64)) for i in idx)
        return _Tensor.from_array(np.stack(idx, axis=1).astype(np.int64))

    def count_nonzero(self, dim: Any = None) -> Tensor:
        """The number of non-zero elements (along ``dim``), int64."""
        counts = np.count_nonzero(self.array, axis=dim)
        return _Tensor.from_array(np.asarray(counts, dtype=np.int64))

    def clamp_min(self, min: TensorLike) -> Tensor:
        return _ops.clip(self, min, None)

    def clamp_max(self, max: TensorLike) -> Tensor:
        return _ops.clip(self, None, max)

    def rsqrt(self) -> Tensor:
        return _ops.reciprocal(_ops.sqrt(self))

    def unflatten(self, dim: _int, sizes: Sequence[_int]) -> Tensor:
        """Split dim ``dim`` into ``sizes`` (one may be -1)."""
        d = dim % self.ndim
        return _ops.reshape(self, (*self.shape[:d], *sizes, *self.shape[d + 1 :]))

    # ------------------------------------------------------------------ fills and scatters
    # The in-place forms are recorded in grad mode like ``add_`` (see Tensor._arith_inplace).
    def masked_fill(self, mask: TensorLike, value: Any) -> Tensor:
        return _ops.masked_fill(self, mask, value)

    def masked_fill_(self, mask: TensorLike, value: Any) -> Tensor:
        return self._arith_inplace(
            "masked_fill_", lambda old, v: _ops.masked_fill(old, mask, v), value, reads_self=False
        )

    def index_fill(self, dim: _int, index: TensorLike, value: Any) -> Tensor:
        return _ops.index_fill(self, dim, index, value)

    def index_fill_(self, dim: _int, index: TensorLike, value: Any) -> Tensor:
        return self._arith_inplace(
            "index_fill_",
            lambda old, v: _ops.index_fill(old, dim, index, v),
            value,
            reads_self=False,
        )

    def scatter(self, dim: _int, index: TensorLike, src: Any) -> Tensor:
        return _ops.scatter(self, dim, index, src)

    def scatter_(self, dim: _int, index: TensorLike, src: Any) -> Tensor:
        return self._arith_inplace(
            "scatter_", lambda old, s: _ops.scatter(old, dim, index, s), src, reads_self=False
        )

    def scatter_add(self, dim: _int, index: TensorLike, src: TensorLike) -> Tensor:
        return _ops.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: _int, index: TensorLike, src: TensorLike) -> Tensor:
        return self._arith_inplace(
            "scatter_add_",
            lambda old, s: _ops.scatter_add(old, dim, index, s),
            src,
            reads_self=False,
        )

    # ------------------------------------------------------------------ random fills
    def uniform_(
        self, a: _float = 0.0, b: _float = 1.0, *, generator: GeneratorLike = None
    ) -> Tensor:
        """Fill in place with uniform samples from ``[a, b)``."""
        rng = as_generator(generator)
        return self._inplace("uniform_", rng.uniform(a, b, size=self.shape))

    def normal_(
        self, mean: _float = 0.0, std: _float = 1.0, *, generator: GeneratorLike = None
    ) -> Tensor:
        """Fill in place with normal samples of the given mean and standard deviation."""
        rng = as_generator(generator)
        return self._inplace("normal_", rng.normal(mean, std, size=self.shape))

    def bernoulli_(self, p: _float = 0.5, *, generator: GeneratorLike = None) -> Tensor:
        """Fill in place with 1 (probability ``p``) or 0."""
        rng = as_generator(generator)
        return self._inplace("bernoulli_", rng.random(self.shape) < p)


def bind() -> None:
    """Bind the ops package and the creation functions used by the methods above."""
    global _ops, _creation, _Tensor
    from autograd_np import creation, ops
    from autograd_np.tensor import Tensor

    _ops, _creation, _Tensor = ops, creation, Tensor
