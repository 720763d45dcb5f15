"""The thread pool of ``autograd_np.parallel``: the switch, the splitting, and that every
kernel that splits gives what it gives on one thread (work is split even when small here,
by lowering ``MIN_BYTES``)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn as nn
import autograd_np.nn.functional as F
import autograd_np.optim as optim
from autograd_np import parallel


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch):
    """Run with a given thread count, splitting any work however small; the thread counts
    (the pool's and BLAS's) are put back afterwards."""
    before = (parallel._POOL.threads, parallel._POOL.explicit)
    blas_before = parallel._BLAS._get() if parallel._BLAS.found else None
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)

    def use(n: int) -> None:
        parallel.set_num_threads(n)

    yield use
    parallel._POOL.threads, parallel._POOL.explicit = before
    if blas_before is not None:
        parallel._BLAS.set_num_threads(blas_before)


def test_the_switch_is_torchs():
    assert ag.set_num_threads is parallel.set_num_threads
    assert ag.get_num_threads() >= 1
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="positive int"):
            ag.set_num_threads(bad)


def test_split_covers_the_range_in_order_on_several_threads(threads):
    threads(3)
    seen: list[tuple[int, int, str]] = []
    lock = threading.Lock()

    def work(lo: int, hi: int) -> int:
        with lock:
            seen.append((lo, hi, threading.current_thread().name))
        return hi - lo

    assert parallel.split(work, 10, nbytes=10**9) == [3, 3, 4]
    assert sorted((lo, hi) for lo, hi, _ in seen) == [(0, 3), (3, 6), (6, 10)]
    assert "MainThread" in {name for *_, name in seen}
    assert len({name for *_, name in seen}) >= 2  # the others ran on the pool
    threads(1)
    assert parallel.split(work, 10, nbytes=10**9) == [10]


def test_a_split_inside_a_split_runs_serially_and_errors_reach_the_caller(threads):
    threads(2)
    inner = parallel.split(lambda lo, hi: parallel.chunks(8, 10**9), 4, nbytes=10**9)
    assert inner == [[(0, 8)], [(0, 8)]]

    def fail(lo: int, hi: int) -> None:
        if lo > 0:
            raise KeyError("from a worker")

    with pytest.raises(KeyError, match="from a worker"):
        parallel.split(fail, 4, nbytes=10**9)
    assert parallel.split(lambda lo, hi: hi, 4, nbytes=10**9) == [2, 4]  # the pool still works


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_makes_its_own_threads(threads):
    threads(2)
    parallel.split(lambda lo, hi: None, 4, nbytes=10**9)  # the parent's workers exist
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = parallel.split(lambda lo, hi: hi - lo, 4, nbytes=10**9) == [2, 2]
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((37, 5), (5, 4)),
        ((3, 6), (6, 41)),
        ((4, 7, 5), (5, 3)),
        ((1, 9, 5), (5, 8)),
        ((5,), (5, 2)),
    ],
)
def test_matmul_splits_rows_columns_or_batches(threads, a, b):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(a), rng.standard_normal(b)
    threads(3)
    np.testing.assert_allclose(parallel.matmul(x, y), np.matmul(x, y), rtol=1e-13, atol=1e-13)


def test_elementwise_copy_and_total_follow_any_layout(threads):
    rng = np.random.default_rng(1)
    base = rng.standard_normal((3, 5, 4, 6))
    layouts = [base, base.transpose(0, 2, 3, 1), base.transpose(1, 0, 2, 3)[:, ::2]]
    threads(3)
    for a in layouts:
        out = np.empty_like(a)
        parallel.elementwise(np.maximum, a, 0.0, out=out)
        np.testing.assert_array_equal(out, np.maximum(a, 0.0))
        parallel.copyto(out, a * 2)
        np.testing.assert_array_equal(out, a * 2)
        np.testing.assert_allclose(parallel.total(a), np.sum(a), rtol=1e-13)


def _train(seed: int, optimizer: str) -> tuple[list[float], list[np.ndarray]]:
    """Three steps of a small CNN with every kernel that splits, in float64."""
    gen = np.random.default_rng(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1, bias=False, dtype=ag.float64, generator=1),
        nn.BatchNorm2d(16, dtype=ag.float64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 20, 3, stride=2, padding=1, dtype=ag.float64, generator=2),
        nn.ReLU(),
        nn.MaxPool2d(3, stride=1, padding=1),
        nn.Flatten(),
        nn.Linear(20 * 4 * 4, 10, dtype=ag.float64, generator=3),
    )
    if optimizer == "adam":
        opt: optim.Optimizer = optim.Adam(model.parameters(), lr=1e-2)
    else:
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    x = ag.tensor(gen.standard_normal((6, 3, 16, 16)))
    y = ag.tensor(gen.integers(0, 10, 6))
    losses = []
    for _ in range(3):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_training_step_on_several_threads_matches_one_thread(threads, optimizer):
    threads(1)
    losses1, params1 = _train(0, optimizer)
    threads(3)
    losses3, params3 = _train(0, optimizer)
    np.testing.assert_allclose(losses3, losses1, rtol=1e-12)
    for p3, p1 in zip(params3, params1):
        np.testing.assert_allclose(p3, p1, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("c, o, stride", [(3, 4, 1), (16, 32, 1), (32, 16, 1), (16, 32, 2)])
def test_conv_slices_shared_out_across_threads_match_one_thread(threads, monkeypatch, c, o, stride):
    # one image per im2col slice: the threads take runs of slices (forward, both col2im
    # paths, the weight gradient's partial sums)
    from autograd_np.nn.functional import conv_utils

    monkeypatch.setattr(conv_utils, "COLUMNS_BYTES", 1)
    gen = np.random.default_rng(5)
    x0 = gen.standard_normal((5, c, 7, 6))
    w0 = gen.standard_normal((o, c, 3, 3))
    results = []
    for n in (1, 3):
        threads(n)
        x = ag.tensor(x0, requires_grad=True)
        w = ag.tensor(w0, requires_grad=True)
        y = F.conv2d(x, w, stride=stride, padding=1)
        gx, gw = ag.grad(y, (x, w), ag.tensor(np.cos(np.arange(y.numel())).reshape(y.shape)))
        results.append([y.detach().numpy(), gx.numpy(), gw.numpy()])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_max_pool_gradients_stay_exact_with_infinite_upstream_on_threads(threads):
    threads(2)
    x = ag.tensor(
        np.arange(2 * 1 * 4 * 4, dtype=np.float64).reshape(2, 1, 4, 4), requires_grad=True
    )
    y = F.max_pool2d(x, 2)
    g = np.ones(y.shape)
    g[1, 0, 0, 0] = np.inf
    y.backward(ag.tensor(g))
    grad = x.grad.numpy()
    assert np.isinf(grad[1, 0, 1, 1]) and np.count_nonzero(np.isnan(grad)) == 0
    assert grad[1, 0, 0, 0] == 0.0


def test_the_default_is_the_cores_or_omp_num_threads(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert parallel._default_threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert parallel._default_threads() == 3
    monkeypatch.setattr(parallel._POOL, "threads", 2)
    monkeypatch.setattr(parallel._POOL, "explicit", False)
    monkeypatch.setattr(parallel, "MIN_BYTES", 1)
    assert parallel.get_num_threads() == 2
    assert parallel.chunks(100, 10**9) == [(0, 50), (50, 100)]  # without set_num_threads


def test_processes_sharing_the_machine_take_a_share_of_the_cores_each(threads, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)))
    monkeypatch.setattr(parallel._POOL, "explicit", False)
    parallel.default_to_share(2)  # 2 MPI ranks on an 8-core machine
    assert parallel.get_num_threads() == 4
    monkeypatch.setattr(parallel._POOL, "explicit", False)
    parallel.default_to_share(16)  # more ranks than cores
    assert parallel.get_num_threads() == 1
    monkeypatch.setattr(parallel._POOL, "explicit", False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # a count per process, as torch reads it
    parallel.default_to_share(2)
    assert parallel.get_num_threads() == 3
    parallel.set_num_threads(2)  # the program's own choice stays
    parallel.default_to_share(8)
    assert parallel.get_num_threads() == 2


needs_openblas = pytest.mark.skipif(
    not parallel._BLAS.found, reason="numpy's BLAS is not an OpenBLAS this module can find"
)


@needs_openblas
def test_openblas_runs_on_one_thread_while_a_split_runs(threads):
    threads(2)
    assert parallel._BLAS._get() == 2
    inside = parallel.split(lambda lo, hi: parallel._BLAS._get(), 2, nbytes=10**9)
    assert inside == [1, 1]
    assert parallel._BLAS._get() == 2  # and back afterwards
    with pytest.raises(ZeroDivisionError):  # back after an error too
        parallel.split(lambda lo, hi: 1 // 0, 2, nbytes=10**9)
    assert parallel._BLAS._get() == 2


@needs_openblas
def test_splits_from_several_threads_of_the_program_put_openblas_back(threads):
    threads(2)
    errors: list[BaseException] = []

    def many_splits() -> None:
        try:
            for _ in range(200):
                seen = parallel.split(lambda lo, hi: parallel._BLAS._get(), 2, nbytes=10**9)
                assert seen == [1, 1]
        except BaseException as e:
            errors.append(e)

    users = [threading.Thread(target=many_splits) for _ in range(3)]
    for t in users:
        t.start()
    for t in users:
        t.join()
    assert not errors
    assert parallel._BLAS._get() == 2


def test_gemm_work_stays_on_one_thread_when_blas_cannot_be_held_to_one(threads, monkeypatch):
    threads(3)
    monkeypatch.setattr(parallel._BLAS, "_set", None)  # a BLAS this module cannot control
    assert not parallel._BLAS.found

    def where(lo: int, hi: int) -> tuple[int, int, str]:
        return lo, hi, threading.current_thread().name

    assert parallel.split(where, 9, nbytes=10**9, gemms=True) == [(0, 9, "MainThread")]
    assert len(parallel.split(where, 9, nbytes=10**9)) == 3  # other passes still split
    a, b = np.ones((6, 4, 5)), np.ones((6, 5, 3))
    np.testing.assert_array_equal(parallel.matmul(a, b), np.matmul(a, b))


def _cpu_ticks_outside_python_threads() -> int:
    """CPU time (clock ticks) of this process's threads that Python did not start (BLAS's)."""
    ours = {t.native_id for t in threading.enumerate()}
    total = 0
    for tid in os.listdir("/proc/self/task"):
        if int(tid) in ours:
            continue
        with open(f"/proc/self/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


@needs_openblas
@pytest.mark.skipif("OPENBLAS_THREAD_TIMEOUT" in os.environ, reason="the program chose it")
def test_openblas_workers_sleep_after_a_gemm_once_the_pool_has_split(threads):
    threads(2)
    parallel.split(lambda lo, hi: None, 2, nbytes=10**9)
    assert "OPENBLAS_THREAD_TIMEOUT" not in os.environ  # not passed on to child processes
    a = np.random.default_rng(0).standard_normal((600, 600))
    a @ a  # on OpenBLAS's 2 threads; its worker used to spin for about 0.1 s afterwards
    before = _cpu_ticks_outside_python_threads()
    time.sleep(0.5)
    assert _cpu_ticks_outside_python_threads() - before <= 2


def test_elementwise_slices_broadcast_arguments_aligned_from_the_right(threads):
    threads(3)
    a = np.asfortranarray(np.arange(30.0).reshape(5, 6))  # outermost axis in memory: 1
    v = np.arange(6.0)  # spans that axis from the right
    out = np.empty_like(a)
    assert parallel.outer_axis(out) == 1
    parallel.elementwise(np.add, a, v, out=out)
    np.testing.assert_array_equal(out, a + v)
    parallel.elementwise(np.multiply, a, np.arange(5.0).reshape(5, 1), out=out)
    np.testing.assert_array_equal(out, a * np.arange(5.0).reshape(5, 1))
