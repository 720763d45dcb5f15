"""A pickle reader for CIFAR-10's python batches: builtin containers and filled uint8 arrays.

The CIFAR-10 python files are pickles. Plain :func:`pickle.load` runs whatever a
tampered file asks for (``os.system`` via ``__reduce__``), and even numpy's own array
constructors let a file ask for arrays it never fills (stale heap memory) of any size.
This unpickler resolves only the globals the real files reference, and to stand-ins
that accept only the real files' sequence:

1. ``numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b"b")`` makes an empty
   placeholder (``numpy.ndarray`` itself is only accepted as that first argument);
2. ``numpy.dtype("u1", 0, 1)`` with the state ``(3, "|", None, None, None, -1, -1, 0)``
   is the only dtype;
3. the placeholder's ``__setstate__((1, shape, dtype, False, data))`` fills it, where
   ``data`` are bytes whose length equals the product of ``shape`` (checked with Python
   ints, before anything is allocated; the array is a view of those bytes).

A placeholder that the file never fills, a second fill, or any other call is refused.
Files re-pickled by Python 3 spell the module ``numpy._core.multiarray`` and write bytes
as ``_codecs.encode(text, "latin1")``; both are accepted.
"""

from __future__ import annotations

import codecs
import io
import pickle
from typing import Any

import numpy as np

from autograd_np.data.errors import DatasetError

__all__ = ["ALLOWED_GLOBALS", "safe_loads"]

# how deeply the unpickled containers may nest (a CIFAR batch is a dict of lists)
_MAX_DEPTH = 32
_MAX_NDIM = 8


class _Refused(Exception):
    """A call the real CIFAR files never make; becomes a DatasetError naming the file."""


class _StandIn:
    """Base of the stand-ins: no ``__dict__``, and a BUILD opcode on them is refused."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise _Refused(f"{self!r} does not take a state")


class _NdarrayToken(_StandIn):
    """Stands for ``numpy.ndarray``: only valid as ``_reconstruct``'s first argument."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _Refused("numpy.ndarray may not be called directly (it makes unfilled arrays)")

    def __repr__(self) -> str:
        return "numpy.ndarray"


_NDARRAY = _NdarrayToken()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Dtype(_StandIn):
    """Stands for ``numpy.dtype("u1", 0, 1)`` until its state is set, then it is uint8."""

    __slots__ = ("ready",)
    _STATE = (3, "|", None, None, None, -1, -1, 0)

    def __init__(self) -> None:
        self.ready = False

    def __setstate__(self, state: Any) -> None:
        if self.ready:
            raise _Refused("a dtype's state is set twice")
        if not isinstance(state, tuple) or len(state) != len(self._STATE):
            raise _Refused(f"unexpected uint8 dtype state {state!r}; expected {self._STATE}")
        normal = tuple(s.decode("latin1") if isinstance(s, bytes) else s for s in state)
        if normal != self._STATE or not all(_is_int(s) for s in (state[0], *state[5:])):
            raise _Refused(f"unexpected uint8 dtype state {state!r}; expected {self._STATE}")
        self.ready = True

    def __repr__(self) -> str:
        return "numpy.dtype('u1')"


class _Placeholder(_StandIn):
    """What ``_reconstruct`` returns: an array that exists once ``__setstate__`` fills it."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if self.array is not None:
            raise _Refused("an array's state is set twice")
        if not isinstance(state, tuple) or len(state) != 5:
            raise _Refused("an array state must be (version, shape, dtype, is_fortran, data)")
        version, shape, dtype, fortran, data = state
        if version != 1 or not _is_int(version):
            raise _Refused(f"array state version {version!r}; expected 1")
        if (
            not isinstance(shape, tuple)
            or len(shape) > _MAX_NDIM
            or not all(_is_int(d) and d >= 0 for d in shape)
        ):
            raise _Refused(f"array shape {shape!r} is not a tuple of up to 8 non-negative ints")
        if not isinstance(dtype, _Dtype) or not dtype.ready:
            raise _Refused("an array's dtype must be the uint8 dtype, built before the array")
        if fortran is not False and not (_is_int(fortran) and fortran == 0):
            raise _Refused("Fortran-ordered arrays are not accepted")
        if not isinstance(data, bytes):
            raise _Refused(f"array data must be bytes, got {type(data).__name__}")
        size = 1
        for d in shape:  # Python ints: no wraparound, and nothing is allocated
            size *= d
        if size != len(data):
            raise _Refused(
                f"an array of shape {shape} needs {size} bytes but the file holds {len(data)}"
            )
        self.array = np.frombuffer(data, dtype=np.uint8).reshape(shape)

    def __repr__(self) -> str:
        return "numpy array" if self.array is not None else "unfilled numpy array"


class _Function(_StandIn):
    """A global function the files may call, checked by ``fn``."""

    __slots__ = ("fn", "name")

    def __init__(self, name: str, fn: Any) -> None:
        self.name = name
        self.fn = fn

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.name


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> _Placeholder:
    if cls is not _NDARRAY or not isinstance(shape, tuple) or shape != (0,):
        raise _Refused(
            f"_reconstruct{(cls, shape, typecode)!r}: only (numpy.ndarray, (0,), b'b'), an "
            "empty array then filled by its state, is accepted"
        )
    if typecode not in (b"b", "b"):
        raise _Refused(f"_reconstruct: typecode {typecode!r}; expected b'b'")
    return _Placeholder()


def _dtype(name: Any, align: Any = 0, copy: Any = 1) -> _Dtype:
    if name not in ("u1", b"u1") or align not in (0, False) or copy not in (1, True):
        raise _Refused(
            f"numpy.dtype{(name, align, copy)!r}: only the uint8 dtype ('u1', 0, 1) of CIFAR "
            "images is accepted"
        )
    return _Dtype()


def _encode(text: Any, encoding: Any) -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise _Refused("_codecs.encode is accepted only as encode(str, 'latin1')")
    return codecs.encode(text, "latin1")


_RECONSTRUCT = _Function("_reconstruct", _reconstruct)

# (module, name) -> stand-in. The real CIFAR-10 files use numpy.core.multiarray._reconstruct,
# numpy.ndarray and numpy.dtype; files re-pickled by Python 3 with numpy 2 spell the module
# numpy._core.multiarray and encode bytes with _codecs.encode.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Function("numpy.dtype", _dtype),
    ("_codecs", "encode"): _Function("_codecs.encode", _encode),
}


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, source: str) -> None:
        super().__init__(io.BytesIO(data), encoding="bytes")
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in ALLOWED_GLOBALS)
            raise DatasetError(
                f"{self._source}: refusing to unpickle the global {module}.{name}; a CIFAR "
                f"batch may only reference {allowed}. The file is corrupt or was tampered "
                "with."
            ) from None


def _finish(obj: Any, source: str, depth: int = 0) -> Any:
    """Replace filled placeholders by their arrays; refuse unfilled ones and stray stand-ins."""
    if depth > _MAX_DEPTH:
        raise DatasetError(f"{source}: containers nested deeper than {_MAX_DEPTH} levels")
    if isinstance(obj, _Placeholder):
        if obj.array is None:
            raise DatasetError(
                f"{source}: the file creates an array but never fills it with data; a CIFAR "
                "batch's arrays are always filled. The file is corrupt or was tampered with."
            )
        return obj.array
    if isinstance(obj, _StandIn):
        raise DatasetError(f"{source}: unexpected object {obj!r} in the unpickled data")
    if isinstance(obj, dict):
        for k in obj:
            if not isinstance(k, (str, bytes, int)):
                raise DatasetError(f"{source}: a dict key is a {type(k).__name__}")
        return {k: _finish(v, source, depth + 1) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finish(v, source, depth + 1) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_finish(v, source, depth + 1) for v in obj)
    return obj


def safe_loads(data: bytes, source: str) -> Any:
    """Unpickle a CIFAR-10 python batch; ``source`` names it in errors.

    Only the globals in :data:`ALLOWED_GLOBALS` resolve, each to a stand-in that accepts
    only what the real files do (see the module docstring); uint8 arrays come back as
    read-only views of the file's bytes. Strings stored as Python 2 ``str`` come back as
    ``bytes`` (``encoding='bytes'``).

    Raises
    ------
    DatasetError
        If the pickle references any other global, makes any other call, leaves an
        array unfilled, or is malformed or truncated.
    """
    try:
        obj = _RestrictedUnpickler(data, source).load()
    except DatasetError:
        raise
    except _Refused as exc:
        raise DatasetError(f"{source}: {exc}. The file is corrupt or was tampered with.") from None
    except Exception as exc:
        raise DatasetError(f"{source}: not a valid pickle: {type(exc).__name__}: {exc}") from exc
    return _finish(obj, source)
