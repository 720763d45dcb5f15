"""no_grad, enable_grad, set_grad_enabled: context managers, decorators, threads."""

from __future__ import annotations

import threading

import pytest

import autograd_np as ag


@pytest.fixture(autouse=True)
def _grad_mode_restored():
    yield
    assert ag.is_grad_enabled(), "a test leaked grad mode off"


def _x():
    return ag.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context():
    x = _x()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert ag.is_grad_enabled()
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad():
    x = _x()
    with ag.no_grad():
        with ag.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_context_restores_mode_on_error():
    with pytest.raises(ValueError), ag.no_grad():
        raise ValueError("boom")
    assert ag.is_grad_enabled()


def test_nested_and_reused_context_objects():
    ctx = ag.no_grad()
    with ctx:
        with ctx:  # re-entering the same object
            assert not ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_decorators_with_and_without_parentheses():
    x = _x()

    @ag.no_grad()
    def f1(t):
        return t * 2

    @ag.no_grad
    def f2(t):
        return t * 2

    assert not f1(x).requires_grad
    assert not f2(x).requires_grad
    assert f2.__name__ == "f2"

    @ag.enable_grad
    def g(t):
        return t * 2

    with ag.no_grad():
        assert g(x).requires_grad
    assert ag.is_grad_enabled()


def test_decorated_generator_runs_each_step_in_the_mode():
    @ag.no_grad()
    def steps():
        yield ag.is_grad_enabled()
        received = yield ag.is_grad_enabled()
        return received

    gen = steps()
    assert next(gen) is False
    assert ag.is_grad_enabled()  # the caller's mode between steps
    assert next(gen) is False
    with pytest.raises(StopIteration) as stop:
        gen.send("done")
    assert stop.value.value == "done"
    assert ag.is_grad_enabled()


def test_decorated_generator_can_be_closed_and_thrown_into():
    seen = []

    @ag.no_grad
    def steps():
        try:
            while True:
                try:
                    yield 1
                except KeyError:
                    seen.append(("caught", ag.is_grad_enabled()))
        finally:
            seen.append(("closed", ag.is_grad_enabled()))

    gen = steps()
    next(gen)
    assert gen.throw(KeyError("k")) == 1
    gen.close()
    assert seen == [("caught", False), ("closed", False)]
    assert ag.is_grad_enabled()


def test_set_grad_enabled_as_a_function_call():
    ag.set_grad_enabled(False)
    try:
        assert not ag.is_grad_enabled()
        assert not (_x() * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)
    assert ag.is_grad_enabled()


def test_set_grad_enabled_as_a_context_manager():
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with ag.set_grad_enabled(True):
            assert ag.is_grad_enabled()
        assert not ag.is_grad_enabled()


def test_set_grad_enabled_as_a_decorator_applies_only_inside_the_call():
    @ag.set_grad_enabled(False)
    def inside():
        return ag.is_grad_enabled()

    assert ag.is_grad_enabled()  # decorating does not switch the mode off
    assert inside() is False
    assert ag.is_grad_enabled()

    with ag.no_grad():

        @ag.set_grad_enabled(True)
        def on():
            return ag.is_grad_enabled()

        assert not ag.is_grad_enabled()  # decoration inside no_grad leaves it on
        assert on() is True
        assert not ag.is_grad_enabled()


def test_grad_mode_is_per_thread():
    results = {}
    started = threading.Event()
    release = threading.Event()

    def worker():
        with ag.no_grad():
            started.set()
            release.wait(5)
            results["worker"] = ag.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    started.wait(5)
    results["main"] = ag.is_grad_enabled()  # the worker's no_grad does not reach here
    release.set()
    t.join(5)
    assert results == {"main": True, "worker": False}


def test_bare_decorator_rejects_non_callables():
    with pytest.raises(TypeError, match="takes no arguments"):
        ag.no_grad(3)  # type: ignore[arg-type]
