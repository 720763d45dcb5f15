"""DataLoader with num_workers > 0: real worker processes, torch's seeding, errors, no hangs."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import numpy as np
import pytest

import autograd_np
from autograd_np import Tensor
from autograd_np.data import DataLoader, Dataset, TensorDataset, get_worker_info

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="these tests define datasets in the test module, which needs the fork start method",
)
FORK = "fork"


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging if the block takes longer than ``seconds``."""

    def on_alarm(signum, frame):
        raise AssertionError(f"the DataLoader hung for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def worker_children() -> list[multiprocessing.process.BaseProcess]:
    return [p for p in multiprocessing.active_children() if "DataLoader-worker" in p.name]


def no_workers_left() -> bool:
    for _ in range(300):
        if not worker_children():
            return True
        time.sleep(0.01)
    return False


def make_ds(n: int = 20) -> TensorDataset:
    return TensorDataset(np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n))


def base_seed(seed: int) -> int:
    """The first int64 a loader with ``generator=seed`` draws: torch's base seed."""
    return int(np.random.default_rng(seed).integers(0, 2**63 - 1, dtype=np.int64, endpoint=True))


class Probe(Dataset[dict]):
    """Items that say where and how they were loaded."""

    def __init__(self, n: int, *, fail_at: int | None = None, exc: type = KeyError) -> None:
        self.n = n
        self.fail_at = fail_at
        self.exc = exc
        self.offset = 0
        self.calls = 0

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> dict:
        self.calls += 1
        if index == self.fail_at:
            raise self.exc(f"boom at {index}")
        info = get_worker_info()
        return {
            "index": index,
            "pid": os.getpid(),
            "worker": -1 if info is None else info.id,
            "seed": -1 if info is None else info.seed,
            "num_workers": -1 if info is None else info.num_workers,
            "offset": self.offset,
            "calls": self.calls,
            "np_random": float(np.random.random()),  # noqa: NPY002
        }


@pytest.mark.parametrize("num_workers", [1, 2, 3])
def test_same_batches_as_single_process(num_workers):
    kw = {"batch_size": 3, "shuffle": True, "generator": 4}
    plain = DataLoader(make_ds(), **kw)
    workers = DataLoader(make_ds(), num_workers=num_workers, multiprocessing_context=FORK, **kw)
    for _ in range(2):  # the generator advances the same way in both
        a, b = list(plain), list(workers)
        assert len(a) == len(b) == 7
        for (xa, ya), (xb, yb) in zip(a, b):
            assert isinstance(xb, Tensor) and isinstance(yb, Tensor)
            assert xb.dtype == np.float32 and yb.dtype == np.int64
            np.testing.assert_array_equal(xa.array, xb.array)
            np.testing.assert_array_equal(ya.array, yb.array)
    assert no_workers_left()


def test_real_processes_seeded_as_torch():
    loader = DataLoader(
        Probe(12), batch_size=2, num_workers=3, generator=9, multiprocessing_context=FORK
    )
    batches = list(loader)
    pids = {int(b["pid"][0]) for b in batches}
    assert len(pids) == 3 and os.getpid() not in pids
    for i, b in enumerate(batches):
        assert b["index"].tolist() == [2 * i, 2 * i + 1]
        assert b["worker"].tolist() == [i % 3] * 2  # round robin
        assert b["seed"].tolist() == [base_seed(9) + i % 3] * 2
        assert b["num_workers"].tolist() == [3, 3]
    # numpy's global generator is reseeded per worker: the workers' streams differ
    firsts = [float(batches[k]["np_random"][0]) for k in range(3)]
    assert len(set(firsts)) == 3
    assert get_worker_info() is None


def test_workers_load_in_parallel():
    barrier = multiprocessing.get_context(FORK).Barrier(2, timeout=30)

    class Meet(Dataset[int]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, index: int) -> int:
            barrier.wait()  # returns only when both workers are loading at once
            return index

    with deadline(60):
        out = list(DataLoader(Meet(), batch_size=1, num_workers=2, multiprocessing_context=FORK))
    assert [b.tolist() for b in out] == [[0], [1]]


def test_order_kept_when_a_worker_is_slow_and_in_order_false():
    class Slow(Dataset[int]):
        def __len__(self) -> int:
            return 8

        def __getitem__(self, index: int) -> int:
            if get_worker_info().id == 0:
                time.sleep(0.05)
            return index

    kw = {"batch_size": 1, "num_workers": 2, "multiprocessing_context": FORK}
    assert [int(b[0]) for b in DataLoader(Slow(), **kw)] == list(range(8))
    unordered = [int(b[0]) for b in DataLoader(Slow(), in_order=False, **kw)]
    assert sorted(unordered) == list(range(8))


def test_worker_init_fn_and_worker_info_dataset():
    def init(worker_id: int) -> None:
        info = get_worker_info()
        assert info is not None and info.id == worker_id
        info.dataset.offset = 100 + worker_id

    loader = DataLoader(
        Probe(6), batch_size=1, num_workers=2, worker_init_fn=init, multiprocessing_context=FORK
    )
    assert [int(b["offset"][0]) for b in loader] == [100, 101] * 3


def test_worker_init_fn_error_reaches_caller():
    def init(worker_id: int) -> None:
        raise ValueError(f"bad init {worker_id}")

    loader = DataLoader(
        make_ds(), batch_size=2, num_workers=2, worker_init_fn=init, multiprocessing_context=FORK
    )
    with deadline(60), pytest.raises(ValueError, match="bad init 0") as info:
        list(loader)
    assert "in DataLoader worker process 0" in str(info.value)
    assert no_workers_left()


def test_exception_in_worker_keeps_type_and_original_traceback():
    loader = DataLoader(
        Probe(10, fail_at=5), batch_size=2, num_workers=2, multiprocessing_context=FORK
    )
    seen = []
    with deadline(60), pytest.raises(KeyError) as info:
        for b in loader:
            seen.append(b["index"].tolist())
    assert seen == [[0, 1], [2, 3]]  # batches before the failing one, in order
    text = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0" in text
    assert "Original Traceback (most recent call last)" in text
    assert 'raise self.exc(f"boom at {index}")' in text and "boom at 5" in text
    assert no_workers_left()


class NeedsTwoArgs(Exception):
    def __init__(self, a: str, b: str) -> None:
        super().__init__(a, b)


def test_exception_type_that_cannot_be_rebuilt_becomes_runtime_error():
    class Odd(Dataset[int]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, index: int) -> int:
            raise NeedsTwoArgs("x", "y")

    loader = DataLoader(Odd(), num_workers=1, multiprocessing_context=FORK)
    with deadline(60), pytest.raises(RuntimeError, match="Caught NeedsTwoArgs") as info:
        list(loader)
    assert "NeedsTwoArgs: ('x', 'y')" in str(info.value)


def test_killed_worker_is_detected_not_hung():
    class Dies(Dataset[int]):
        def __len__(self) -> int:
            return 10

        def __getitem__(self, index: int) -> int:
            if index == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            return index

    loader = DataLoader(Dies(), batch_size=1, num_workers=2, multiprocessing_context=FORK)
    with deadline(60), pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert no_workers_left()


def test_worker_killed_from_outside_while_waiting():
    class Sleepy(Dataset[int]):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, index: int) -> int:
            time.sleep(60)
            return index

    # persistent, so that the test can reach the worker through loader._pool
    loader = DataLoader(
        Sleepy(), num_workers=1, persistent_workers=True, multiprocessing_context=FORK
    )
    it = iter(loader)

    def kill_worker(signum, frame):
        if loader._pool is None:  # still starting: try again shortly
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            return
        os.kill(loader._pool.processes[0].pid, signal.SIGKILL)

    old = signal.signal(signal.SIGALRM, kill_worker)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(
            RuntimeError, match=r"exit code -9 \(killed by signal SIGKILL\)\) exited unexpectedly"
        ):
            next(it)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert no_workers_left()


def test_timeout_raises():
    class Stuck(Dataset[int]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, index: int) -> int:
            time.sleep(30)
            return index

    loader = DataLoader(Stuck(), num_workers=1, timeout=0.3, multiprocessing_context=FORK)
    with deadline(60), pytest.raises(RuntimeError, match=r"timed out after 0\.3 seconds"):
        list(loader)
    assert no_workers_left()


def test_persistent_workers_keep_processes_and_dataset_copies():
    loader = DataLoader(
        Probe(4),
        batch_size=2,
        num_workers=2,
        persistent_workers=True,
        multiprocessing_context=FORK,
    )
    e1, e2 = list(loader), list(loader)
    assert [int(b["pid"][0]) for b in e1] == [int(b["pid"][0]) for b in e2]
    # each worker's copy of the dataset lives on: its call counter goes on counting
    assert [b["calls"].tolist() for b in e1] == [[1, 2], [1, 2]]
    assert [b["calls"].tolist() for b in e2] == [[3, 4], [3, 4]]
    assert len(worker_children()) == 2
    # an abandoned pass: the next one starts clean, and the old one refuses to go on
    it = iter(loader)
    next(it)
    assert [b["index"].tolist() for b in loader] == [[0, 1], [2, 3]]
    with pytest.raises(RuntimeError, match="newer pass"):
        next(it)
    loader._pool.shutdown()  # what garbage collection of the loader does
    assert no_workers_left()


def test_non_persistent_workers_restart_each_epoch_and_stop_on_break():
    loader = DataLoader(Probe(8), batch_size=2, num_workers=2, multiprocessing_context=FORK)
    p1 = {int(b["pid"][0]) for b in loader}
    p2 = {int(b["pid"][0]) for b in loader}
    assert p1.isdisjoint(p2)
    for i, _ in enumerate(loader):
        if i == 0:
            break
    assert no_workers_left()


def test_unbatched_items_and_custom_collate_with_tensors():
    items = list(
        DataLoader(make_ds(4), batch_size=None, num_workers=2, multiprocessing_context=FORK)
    )
    assert [int(y) for _, y in items] == [0, 1, 2, 3]
    assert all(isinstance(x, Tensor) for x, _ in items)

    def collate(samples):
        t = autograd_np.tensor(np.stack([s[0] for s in samples]), requires_grad=True)
        return {"x": t, "n": len(samples)}

    out = list(
        DataLoader(
            make_ds(4),
            batch_size=2,
            collate_fn=collate,
            num_workers=1,
            multiprocessing_context=FORK,
        )
    )
    assert out[1]["n"] == 2 and out[1]["x"].requires_grad and out[1]["x"].is_leaf
    np.testing.assert_array_equal(out[1]["x"].array, [[4, 5], [6, 7]])

    def non_leaf(samples):
        return autograd_np.tensor(np.stack([s[0] for s in samples]), requires_grad=True) * 2

    loader = DataLoader(
        make_ds(4), batch_size=2, collate_fn=non_leaf, num_workers=1, multiprocessing_context=FORK
    )
    with deadline(60), pytest.raises(RuntimeError, match="non-leaf Tensor"):
        list(loader)


def test_spawn_context():
    loader = DataLoader(
        make_ds(6), batch_size=4, shuffle=True, generator=3, num_workers=1,
        multiprocessing_context="spawn",
    )  # fmt: skip
    plain = DataLoader(make_ds(6), batch_size=4, shuffle=True, generator=3)
    with deadline(120):
        assert [y.tolist() for _, y in loader] == [y.tolist() for _, y in plain]


def test_default_generator_is_used_and_workers_reseed_it(monkeypatch):
    # the engine's default generator, as the data pipeline reaches it
    default = np.random.default_rng(123)
    monkeypatch.setattr(autograd_np, "as_generator", lambda g: default if g is None else g)
    seeds: list[int] = []
    monkeypatch.setattr(autograd_np, "manual_seed", seeds.append, raising=False)

    class Seeds(Dataset[int]):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, index: int) -> int:
            return seeds[-1]

    loader = DataLoader(Seeds(), batch_size=1, num_workers=2, multiprocessing_context=FORK)
    got = [int(b[0]) for b in loader]
    expected = int(np.random.default_rng(123).integers(0, 2**63 - 1, dtype=np.int64, endpoint=True))
    assert got == [expected, expected + 1] * 2


def test_pin_memory_accepted_and_argument_validation():
    assert len(list(DataLoader(make_ds(4), batch_size=2, pin_memory=True))) == 2
    ds = make_ds(4)
    with pytest.raises(ValueError, match="prefetch_factor needs num_workers > 0"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="num_workers must be an int >= 0"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="timeout"):
        DataLoader(ds, num_workers=1, timeout=-1)
    with pytest.raises(ValueError, match="prefetch_factor must be an int >= 1"):
        DataLoader(ds, num_workers=1, prefetch_factor=0)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, num_workers=1, prefetch=2)
    with pytest.raises(ValueError, match="multiprocessing_context"):
        DataLoader(ds, num_workers=1, multiprocessing_context="nope")


def test_large_batches_do_not_deadlock_the_pipes():
    # index lists and batches far larger than a pipe's buffer, several in flight per worker
    rows = np.arange(100_000 * 16, dtype=np.int64).reshape(100_000, 16) % 251
    ds = TensorDataset(rows.astype(np.uint8), np.arange(100_000))
    loader = DataLoader(
        ds, batch_size=25_000, num_workers=2, prefetch_factor=4, multiprocessing_context=FORK
    )
    with deadline(120):
        labels = [y.array for _, y in loader]
    np.testing.assert_array_equal(np.concatenate(labels), np.arange(100_000))


class DiesOnce(Dataset[int]):
    def __init__(self) -> None:
        self.kill_at: int | None = 3

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> int:
        if index == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return index


def test_persistent_workers_restart_after_a_worker_died():
    ds = DiesOnce()
    loader = DataLoader(
        ds, batch_size=2, num_workers=2, persistent_workers=True, multiprocessing_context=FORK
    )
    with deadline(60), pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(loader)
    assert no_workers_left()  # the broken set of workers was shut down
    ds.kill_at = None  # new workers copy the dataset as it is now
    with deadline(60):
        assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    loader._pool.shutdown()
