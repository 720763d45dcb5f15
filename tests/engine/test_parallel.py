"""autograd_np.parallel: the thread pool for numpy's elementwise passes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from autograd_np import parallel


@pytest.fixture
def two_threads():
    before = parallel.get_num_threads()
    parallel.set_num_threads(2)
    yield
    parallel.set_num_threads(before)


def test_ranges_cover_every_item_once(two_threads):
    seen = np.zeros(1000, dtype=int)
    names = set()

    def body(start, stop):
        seen[start:stop] += 1
        names.add(threading.current_thread().name)

    parallel.parallel_for(1000, body, cost=parallel.MIN_ELEMENTS_PER_THREAD)
    assert (seen == 1).all()
    assert len(names) == 2  # the calling thread and one worker


def test_small_passes_stay_on_the_calling_thread(two_threads):
    names = []
    parallel.parallel_for(10, lambda s, e: names.append(threading.current_thread().name))
    assert names == [threading.current_thread().name]


def test_an_error_in_a_range_is_raised_after_all_finish(two_threads):
    done = []

    def body(start, stop):
        if start == 0:
            raise KeyError("first half fails")
        done.append(start)

    with pytest.raises(KeyError, match="first half"):
        parallel.parallel_for(4, body, cost=parallel.MIN_ELEMENTS_PER_THREAD)
    assert done == [2]


def test_nested_calls_run_inline(two_threads):
    inner = []

    def body(start, stop):
        parallel.parallel_for(
            4, lambda s, e: inner.append((s, e)), cost=parallel.MIN_ELEMENTS_PER_THREAD
        )

    parallel.parallel_for(2, body, cost=parallel.MIN_ELEMENTS_PER_THREAD)
    assert sorted(inner) == [(0, 4), (0, 4)]


def test_set_num_threads_checks_its_argument():
    with pytest.raises(ValueError, match="positive int"):
        parallel.set_num_threads(0)
    with pytest.raises(ValueError, match="positive int"):
        parallel.set_num_threads(True)
    before = parallel.get_num_threads()
    parallel.set_num_threads(1)
    assert parallel.get_num_threads() == 1
    parallel.set_num_threads(before)
