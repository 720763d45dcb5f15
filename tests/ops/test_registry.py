"""The registry drives the tests: every registered op, primitive or composite, is checked
by the same properties (forward against numpy, dtype preservation, first- and second-order
VJPs against finite differences with random cotangents)."""

from __future__ import annotations

import inspect

import pytest

import autograd_np
import autograd_np.distributed  # registers the differentiable all-reduce
import autograd_np.nn.functional as nn_functional  # registers the nn.functional ops
from autograd_np.testing import check_op
from autograd_np.testing.registry import REGISTRY, registered


@pytest.mark.parametrize("info", registered(), ids=lambda info: info.name)
def test_op_properties(info):
    check_op(info)


def _public_ops():
    for module in (autograd_np.ops, nn_functional):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not inspect.isclass(obj):
                yield f"{module.__name__}.{name}", obj


def test_every_public_op_has_a_sample_specification():
    covered = {id(info.fn) for info in REGISTRY.values() if info.spec is not None}
    covered |= {id(info.primitive) for info in REGISTRY.values() if info.spec is not None}
    missing = [name for name, fn in _public_ops() if id(fn) not in covered]
    assert not missing, (
        "public ops without a registered sample specification (declare them with "
        f"@primitive(spec=...), @composite(spec=...) or Primitive.expose): {missing}"
    )


def test_every_registered_op_has_a_specification_and_a_vjp():
    for info in REGISTRY.values():
        assert info.spec is not None, f"{info.name} has no sample specification"
        if info.primitive is not None and info.differentiable:
            assert info.primitive.vjp is not None, f"{info.name} has no VJP"
