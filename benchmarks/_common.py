"""Helpers shared by the benchmark scripts (imported as ``_common`` when a script runs)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable


def blas_threads() -> int:
    """The thread count OpenBLAS uses: its environment variables, else the usable cores."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var)
        if value and value.isdigit():
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def time_ms(step: Callable[[], None], warmup: int, repeats: int, stat: str) -> float:
    """Milliseconds per call of ``step``: the median (or minimum) of ``repeats`` timed
    calls after ``warmup`` untimed ones, back to back."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return 1000 * (min(times) if stat == "min" else statistics.median(times))
