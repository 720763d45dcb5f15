"""Deep graphs: iterative traversal, memory released by backward, safe deallocation."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import tracemalloc
import weakref

import numpy as np

import autograd_np as ag

N_DEEP = 100_000


def _chain(x: ag.Tensor, n: int) -> ag.Tensor:
    y = x
    for i in range(n):
        y = y + 1.0 if i % 2 else y * 1.0
    return y


def test_backward_through_a_100k_op_chain_is_iterative():
    x = ag.tensor([0.5], requires_grad=True)
    y = _chain(x, N_DEEP)
    assert y.item() == 0.5 + N_DEEP // 2
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_grad_with_create_graph_through_a_long_chain():
    x = ag.tensor(2.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(2_000):
        y = y * 1.0 + 0.0
    (g,) = ag.grad(y * y, x, create_graph=True)  # 2x
    (gg,) = ag.grad(g, x)  # 2
    assert (g.item(), gg.item()) == (4.0, 2.0)


def test_backward_frees_the_intermediates():
    x = ag.tensor(np.ones(250_000, dtype=np.float32), requires_grad=True)
    h1 = x * 2
    h2 = h1.exp()
    loss = (h2 * h1).sum()
    refs = [weakref.ref(h1), weakref.ref(h2)]
    del h1, h2
    gc.collect()
    assert all(r() is not None for r in refs)  # the graph holds them until backward
    loss.backward()
    gc.collect()
    assert all(r() is None for r in refs)
    assert x.grad is not None


def test_retain_graph_keeps_the_intermediates_until_the_output_goes():
    x = ag.tensor(np.ones(1000, dtype=np.float32), requires_grad=True)
    h = x.exp()
    loss = (h * h).sum()
    ref = weakref.ref(h)
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    del loss
    gc.collect()
    assert ref() is None


def test_memory_of_the_graph_is_released_by_backward():
    size = 500_000  # 2 MB per float32 array
    tracemalloc.start()
    try:
        x = ag.tensor(np.ones(size, dtype=np.float32), requires_grad=True)
        start, _ = tracemalloc.get_traced_memory()
        y = x
        for _ in range(5):
            # the multiply saves its input (the previous tanh's output), tanh its output:
            # one array kept per step, the product is dropped
            y = (y * 1.5).tanh()
        loss = y.sum()
        del y
        gc.collect()
        with_graph, _ = tracemalloc.get_traced_memory()
        loss.backward()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    array_bytes = size * 4
    assert 4.5 * array_bytes < with_graph - start < 5.5 * array_bytes
    # the five saved arrays are freed; only x.grad (one array) is added
    assert with_graph - after > 3.5 * array_bytes


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_dropping_a_100k_op_graph_without_backward_does_not_crash():
    # Deep chains of objects can overflow the C stack when freed recursively; run in a
    # subprocess so that a crash fails this test instead of killing the test run.
    result = _run_python(
        f"""
        import gc
        import autograd_np as ag
        x = ag.tensor([1.0], requires_grad=True)
        y = x
        for i in range({N_DEEP}):
            y = y * 1.0
        del y
        gc.collect()
        x2 = ag.tensor([1.0], requires_grad=True)
        z = x2
        for i in range({N_DEEP}):
            z = z + 1.0
        z.sum().backward()  # the freed node shells still form a {N_DEEP}-long chain
        del z
        gc.collect()
        print("ok", x2.grad.item())
        """
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["ok", "1.0"]
