"""Checkpoints, as ``torch.save``/``torch.load`` and ``torch.serialization`` have them, with
no pickle anywhere.

- :func:`save` / :func:`load`: autograd_np's own format, a JSON structure plus arrays in
  one zip (see :mod:`autograd_np.serialization._native`), for tensors, arrays, plain values,
  containers and whole objects such as Modules. ``load`` also reads the tensors of
  PyTorch's ``.pt``/``.pth`` files, through a restricted pickle interpreter.
- :func:`add_safe_globals`, :class:`safe_globals`, :func:`get_safe_globals`,
  :func:`clear_safe_globals`: the classes ``load(..., weights_only=True)`` may rebuild.
- :mod:`autograd_np.serialization.safetensors`: the safetensors format of the wider
  ecosystem (``save_file`` / ``load_file``), written and read with numpy alone.
"""

from autograd_np.serialization import safetensors
from autograd_np.serialization._api import load, save
from autograd_np.serialization._globals import (
    WeightsOnlyError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = [
    "WeightsOnlyError",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "load",
    "safe_globals",
    "safetensors",
    "save",
]
