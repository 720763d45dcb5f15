"""Dtype conventions: float32 by default, float64 for gradient checks, int64 for indices."""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
bool_ = np.bool_

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)

DTypeLike = Any  # anything np.dtype() accepts


class _DefaultFloat:
    """The floating dtype that Python floats and the creation functions give
    (:func:`set_default_dtype`)."""

    dtype: np.dtype[Any] = DEFAULT_FLOAT


_default_float = _DefaultFloat()


def get_default_dtype() -> np.dtype[Any]:
    """The default floating-point dtype (float32 unless :func:`set_default_dtype` changed it).

    Python floats, the creation functions (``zeros``, ``rand``...) and new layers' parameters
    use it.
    """
    return _default_float.dtype


def set_default_dtype(d: DTypeLike) -> None:
    """Set the default floating-point dtype (float32 or float64; float16 also works).

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.0]).dtype
    dtype('float64')
    >>> torch.set_default_dtype(torch.float32)
    """
    dt = np.dtype(d)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are supported, got {dt}")
    _default_float.dtype = dt


class _BFloat16:
    """PyTorch's ``bfloat16`` as a name only: numpy has no such type, so making a tensor
    with it raises an error that says so (scripts list it in dtype tables)."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        # numpy reads ``.dtype`` of objects given as a dtype: this is where the error comes
        raise TypeError(
            "bfloat16 is not supported: numpy has no bfloat16 type, so autograd_np cannot "
            "make bfloat16 tensors; use float32 (or float16)"
        )

    is_floating_point = True
    itemsize = 2

    def __repr__(self) -> str:
        return "autograd_np.bfloat16"

    def __reduce__(self) -> str:
        return "bfloat16"


bfloat16 = _BFloat16()


def finfo(dtype: DTypeLike | None = None) -> np.finfo[Any]:
    """Machine limits of a floating dtype (numpy's ``finfo``; the default dtype's without
    an argument)."""
    return np.finfo(get_default_dtype() if dtype is None else dtype)


def iinfo(dtype: DTypeLike) -> np.iinfo[Any]:
    """Machine limits of an integer dtype (numpy's ``iinfo``)."""
    return np.iinfo(dtype)


def is_floating(dtype: np.dtype[Any]) -> bool:
    """Return True for real floating dtypes, the only ones that can require grad."""
    return dtype.kind == "f"


def _first_leaf(data: Any) -> Any:
    """The first scalar or array inside nested lists and tuples (None when empty)."""
    while isinstance(data, (list, tuple)):
        if not data:
            return None
        data = data[0]
    return data


def _unwrap(data: Any) -> Any:
    """Nested lists with every tensor replaced by its values (detached, not copied)."""
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    values = getattr(data, "array", None)
    if isinstance(values, np.ndarray) and not isinstance(data, np.ndarray):
        return values
    return data


def to_array(data: Any, dtype: DTypeLike | None = None, *, copy: bool = False) -> np.ndarray:
    """Convert ``data`` to an ndarray with the library's dtype rules.

    numpy arrays and numpy scalars keep their dtype; Python floats (and lists of numbers
    holding any) become float32, Python ints int64 and bools bool. Lists of tensors,
    arrays or numpy scalars are stacked and keep their dtype (a tensor's values are taken
    without its graph). ``dtype`` overrides all of that.
    """
    if isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        numbers_only = True
        if isinstance(data, (list, tuple)):
            leaf = _first_leaf(data)
            if leaf is not None and type(leaf) not in (bool, int, float):
                data = _unwrap(data)
                numbers_only = False
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"cannot make a tensor from this data: {e}") from None
        if arr.dtype.kind == "f" and dtype is None and numbers_only:
            arr = arr.astype(_default_float.dtype)
        elif arr.dtype.kind in "iu" and dtype is None and numbers_only:
            arr = arr.astype(DEFAULT_INT, copy=False)
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"cannot make a tensor from {type(data).__name__} data of numpy dtype "
                f"{arr.dtype}; expected numbers, booleans or arrays of them"
            )
    if dtype is not None:
        return np.array(arr, dtype=dtype, copy=True) if copy else arr.astype(dtype, copy=False)
    return arr.copy() if copy else arr


# ---------------------------------------------------------------------- what each op accepts
# PyTorch refuses some dtypes where numpy computes something. One table says which kinds of
# dtype each op takes ("b" bool, "i" integers signed or unsigned, "f" floats); ops not listed
# take all three. Every entry was checked against torch 2.13.
ACCEPTS: dict[str, str] = {
    # float statistics: "could not infer output dtype" for integers (pass dtype= to convert)
    "mean": "f",
    "var": "f",
    "std": "f",
    "norm": "f",
    "softmax": "f",
    "log_softmax": "f",
    "leaky_relu": "f",
    # sign-sensitive and rounding ops: not for bool
    "abs": "if",
    "negative": "if",
    "floor": "if",
    "ceil": "if",
    "round": "if",
    "trunc": "if",
    "relu": "if",
    "hardtanh": "if",
    "argmax": "if",
    "argmin": "if",
    "matmul": "if",
    "dot": "if",
    # bit manipulation: integers and bool only
    "bitwise_and": "bi",
    "bitwise_or": "bi",
    "bitwise_xor": "bi",
    "bitwise_not": "bi",
    "bitwise_left_shift": "bi",
    "bitwise_right_shift": "bi",
}

_KIND_NAMES = {"b": "bool", "i": "integer", "f": "floating-point"}

# what PyTorch says instead of a bare refusal
_HINTS = {
    ("subtract", "b"): "Subtraction, the `-` operator, with a bool tensor is not supported. If "
    "you are trying to invert a mask, use the `~` or `logical_not()` operator instead",
    ("negative", "b"): "Negation, the `-` operator, on a bool tensor is not supported. If you "
    "are trying to invert a mask, use the `~` or `logical_not()` operator instead",
    ("mean", "i"): "integer and bool tensors have no floating mean; convert first "
    "(x.float(), or mean(..., dtype=float32))",
}
_HINTS[("mean", "b")] = _HINTS[("mean", "i")]


def kind(dtype: np.dtype[Any]) -> str:
    """``"b"``, ``"i"`` (signed or unsigned integers) or ``"f"``: the categories of PyTorch's
    type promotion (bool < integer < floating)."""
    return "b" if dtype.kind == "b" else "i" if dtype.kind in "iu" else "f"


_NUMPY_KINDS = {"b": "b", "i": "iu", "f": "f"}
_KINDS_CACHE: dict[str, str] = {}


def check_kind(op: str, *arrays: Any, accepts: str | None = None) -> None:
    """Refuse, at the user's call, an input whose dtype ``op`` does not take (see ACCEPTS).

    Raises
    ------
    TypeError
        Naming the op, the dtype and what it accepts (with PyTorch's hint where it gives one).
    """
    allowed = ACCEPTS.get(op, "bif") if accepts is None else accepts
    kinds = _KINDS_CACHE.get(allowed)
    if kinds is None:  # numpy's kind letters of the allowed categories
        kinds = _KINDS_CACHE[allowed] = "".join(_NUMPY_KINDS[c] for c in allowed)
    for a in arrays:
        dtype = getattr(a, "dtype", None)
        if dtype is not None and dtype.kind not in kinds:
            _refuse(op, np.dtype(dtype), allowed)


def _refuse(op: str, dtype: np.dtype[Any], allowed: str) -> None:
    hint = _HINTS.get((op, kind(dtype)))
    if hint is not None:
        raise TypeError(f"{op}: {hint} (got a {dtype} tensor)")
    names = " and ".join(_KIND_NAMES[c] for c in "bif" if c in allowed)
    raise TypeError(
        f"{op}: not supported for {dtype} tensors (as in PyTorch); it takes {names} tensors"
    )


def accumulation_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype PyTorch sums, multiplies and scans ``dtype`` in: int64 for bool and every
    integer (``bool_tensor.sum()`` counts), float32 for float16 (whose range ends at 65504;
    the result is cast back to float16), ``dtype`` itself otherwise."""
    if dtype.kind in "biu":
        return DEFAULT_INT
    if dtype == np.float16:
        return np.dtype(np.float32)
    return dtype


def bool_as_int(a: np.ndarray) -> np.ndarray:
    """A bool array as int64 (PyTorch's arithmetic on bool alone: ``square``, integer
    powers, ``clamp`` with integer bounds); other arrays unchanged."""
    return a.astype(DEFAULT_INT) if a.dtype.kind == "b" else a
