"""Helpers shared by the benchmark scripts (imported as ``_common`` when a script runs)."""

from __future__ import annotations

import os


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
