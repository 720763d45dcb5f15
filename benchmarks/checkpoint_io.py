"""Checkpoint speed and memory: save/load of a state dict, and peak memory on hostile files.

Usage::

    python benchmarks/checkpoint_io.py [--mib 100] [--repeats 3]

Times (best of ``--repeats``) to save and load a float32 state dict of ``--mib`` MiB with
``autograd_np.save``/``load`` (to a path: atomic, with fsync of the file and its folder),
with ``autograd_np.serialization.safetensors``, and, when torch is importable, with
``torch.save``/``torch.load`` side by side (torch does not fsync) and ``autograd_np.load`` of
the torch file. Then the peak Python allocation (tracemalloc) while ``load`` refuses a
checkpoint whose structure entry deflates to 256 MiB of blanks (a few hundred KB on disk).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from _common import time_ms

import autograd_np as ag
from autograd_np.serialization.safetensors import load_file, save_file

try:
    import torch
except ImportError:  # torch is only ever a comparison here
    torch = None


def best(fn: Callable[[], Any], repeats: int) -> float:
    """The smallest of ``repeats`` timings of ``fn``, in seconds."""
    return time_ms(fn, 0, repeats, "min") / 1000


def peak_mib(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        with contextlib.suppress(ValueError):  # the refusal is expected
            fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bomb(path: str, blanks: int) -> None:
    text = json.dumps({"format": "autograd_np.save", "version": 2, "root": 1}) + " " * blanks
    with open(path, "wb") as f:
        np.savez_compressed(f, __autograd_np__=np.frombuffer(text.encode(), dtype=np.uint8))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    rng = np.random.default_rng(0)
    n = max(1, args.mib // 4)  # 4 MiB per 1024x1024 float32 tensor
    arrays = {f"layer{i}.weight": rng.standard_normal((1024, 1024), np.float32) for i in range(n)}
    ours = {k: ag.Tensor(v) for k, v in arrays.items()}
    native = os.path.join(folder, "ckpt.pt")
    st_path = os.path.join(folder, "ckpt.safetensors")
    rows = [
        ("autograd_np.save (path, fsync)", best(lambda: ag.save(ours, native), args.repeats)),
        ("autograd_np.load", best(lambda: ag.load(native), args.repeats)),
        ("safetensors save_file", best(lambda: save_file(ours, st_path), args.repeats)),
        ("safetensors load_file", best(lambda: load_file(st_path), args.repeats)),
    ]
    if torch is not None:
        theirs = {k: torch.from_numpy(v) for k, v in arrays.items()}
        pt = os.path.join(folder, "torch.pt")
        rows += [
            ("torch.save", best(lambda: torch.save(theirs, pt), args.repeats)),
            ("torch.load", best(lambda: torch.load(pt), args.repeats)),
            ("autograd_np.load of the torch file", best(lambda: ag.load(pt), args.repeats)),
        ]
    print(f"state dict of {n * 4} MiB ({n} float32 tensors of 1024x1024), best of {args.repeats}")
    for name, seconds in rows:
        print(f"  {name:36s} {seconds * 1000:8.1f} ms")
    if torch is not None:
        t = dict(rows)
        save_ratio = t["autograd_np.save (path, fsync)"] / t["torch.save"]
        load_ratio = t["autograd_np.load"] / t["torch.load"]
        print(f"  ratio to torch: save {save_ratio:.2f}x, load {load_ratio:.2f}x")
    path = os.path.join(folder, "bomb.pt")
    bomb(path, 256 * 2**20)
    size_kib = os.path.getsize(path) / 1024
    print(f"refusing a {size_kib:.0f} KiB file whose structure entry is 256 MiB of blanks:")
    print(f"  peak Python allocation {peak_mib(lambda: ag.load(path)):.2f} MiB")


if __name__ == "__main__":
    main()
