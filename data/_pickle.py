"""A pickle reader that can only rebuild numpy arrays and builtin containers.

The CIFAR-10 python files are pickles. Plain :func:`pickle.load` runs whatever a
tampered file asks for (``os.system`` via ``__reduce__``); this unpickler resolves only
the globals the real files (and numpy's own array pickles) reference, and refuses
everything else before it can be called.
"""

from __future__ import annotations

import codecs
import importlib
import io
import pickle
from typing import Any

import numpy as np

from autograd_np.data.errors import DatasetError

__all__ = ["ALLOWED_GLOBALS", "safe_loads"]


def _reconstruct() -> Any:
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(module)._reconstruct
        except (ImportError, AttributeError):
            continue
    raise ImportError("numpy's multiarray._reconstruct not found")  # pragma: no cover


_RECONSTRUCT = _reconstruct()

# (module, name) -> object. The real CIFAR-10 files use numpy.core.multiarray._reconstruct,
# numpy.ndarray and numpy.dtype; files re-pickled by Python 3 with numpy 2 spell the
# module numpy._core.multiarray and encode bytes with _codecs.encode.
ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
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


def safe_loads(data: bytes, source: str) -> Any:
    """Unpickle ``data`` allowing only :data:`ALLOWED_GLOBALS`; ``source`` names it in errors.

    Strings stored as Python 2 ``str`` come back as ``bytes`` (``encoding='bytes'``).

    Raises
    ------
    DatasetError
        If the pickle references any other global, or is malformed or truncated.
    """
    try:
        return _RestrictedUnpickler(data, source).load()
    except DatasetError:
        raise
    except Exception as exc:
        raise DatasetError(f"{source}: not a valid pickle: {type(exc).__name__}: {exc}") from exc
