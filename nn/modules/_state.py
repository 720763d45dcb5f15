"""Loading a state dict into a Module: validate every key and shape first, then copy."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_np.autograd.grad_mode import no_grad
from autograd_np.tensor import Tensor

if TYPE_CHECKING:
    from autograd_np.nn.modules.module import Module

__all__ = ["load_into"]

_IncompatibleKeysBase = namedtuple("_IncompatibleKeysBase", ["missing_keys", "unexpected_keys"])


class _IncompatibleKeys(_IncompatibleKeysBase):
    """``(missing_keys, unexpected_keys)``, returned by ``load_state_dict``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def load_into(module: Module, state_dict: Mapping[str, Any], strict: bool) -> _IncompatibleKeys:
    """The work of ``Module.load_state_dict`` (see there): check everything, then copy the
    values in place under ``no_grad``; nothing is copied when an error is raised."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
    expected = OrderedDict(module.state_dict(keep_vars=True).items())
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    errors: list[str] = []
    if strict and missing:
        errors.append(
            "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". "
        )
    if strict and unexpected:
        errors.append(
            "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". "
        )
    updates: list[tuple[Tensor, np.ndarray]] = []
    for key, target in expected.items():
        if key not in state_dict:
            continue
        value = state_dict[key]
        src = value.array if isinstance(value, Tensor) else np.asarray(value)
        if src.dtype.kind not in "biuf":
            errors.append(
                f"value for {key} has unsupported dtype {src.dtype}; expected a numeric "
                "Tensor or array."
            )
        elif src.shape != target.shape:
            errors.append(
                f"size mismatch for {key}: copying a param with shape {src.shape} from "
                f"checkpoint, the shape in current model is {target.shape}."
            )
        else:
            updates.append((target, src))
    if errors:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__}:\n\t" + "\n\t".join(errors)
        )
    with no_grad():
        for target, src in updates:
            target.copy_(src)
    return _IncompatibleKeys(missing, unexpected)
