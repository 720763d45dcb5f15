"""Where a training step's time goes, primitive by primitive: the forward and the VJP of
every op, in milliseconds per step, and what is left outside them (the engine's
bookkeeping, the optimizer's Python, the loop).

Run::

    python benchmarks/profile_step.py --model vgg
    python benchmarks/profile_step.py --model gpt --top 15

Each primitive's time is exclusive: a VJP that calls other ops (a conv's input gradient,
a matmul inside attention's backward) is charged only for its own work, the ops it calls
for theirs. The timers add a few microseconds per call, so the profiled step is slower
than the plain one printed above it. A primitive much slower here than alone in a loop
points at memory (arrays faulted in anew) or layout (passes over mixed strides); see
DEVELOPERS.md, "Performance work".

The models are ``train_step.py``'s CNNs (forward, cross-entropy, backward, Adam) and
``examples.shakespeare``'s GPT recipe step (batch 12 x 64, AdamW, clipping).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from _common import time_ms

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import optim
from autograd_np.autograd.graph import Node
from autograd_np.autograd.primitive import Primitive
from autograd_np.nn.utils import clip_grad_norm_

MODELS = ("mlp", "lenet", "seedcnn", "vgg", "gpt")


@contextmanager
def primitive_timers() -> Iterator[dict[tuple[str, str], list[float]]]:
    """Time every primitive call and every VJP while inside: ``{(op name, 'forward' or
    'backward'): [exclusive seconds, calls]}``."""
    totals: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    children: list[float] = []  # the time of nested timed calls, one entry per open call
    call, apply_vjp = Primitive.__call__, Node.apply_vjp

    def timed(key: tuple[str, str], fn: Callable[[], Any]) -> Any:
        children.append(0.0)
        start = time.perf_counter()
        try:
            return fn()
        finally:
            elapsed = time.perf_counter() - start
            inner = children.pop()
            entry = totals[key]
            entry[0] += elapsed - inner
            entry[1] += 1
            if children:
                children[-1] += elapsed

    def timed_call(self: Primitive, *args: Any, **kwargs: Any) -> Any:
        return timed((self.name, "forward"), lambda: call(self, *args, **kwargs))

    def timed_vjp(self: Node, g: Any) -> Any:
        return timed((self.op.name, "backward"), lambda: apply_vjp(self, g))

    Primitive.__call__ = timed_call  # type: ignore[method-assign]
    Node.apply_vjp = timed_vjp  # type: ignore[method-assign]
    try:
        yield totals
    finally:
        Primitive.__call__ = call  # type: ignore[method-assign]
        Node.apply_vjp = apply_vjp  # type: ignore[method-assign]


def cnn_step(name: str, batch: int) -> Callable[[], None]:
    """``train_step.py``'s step of ``name`` on random data."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from train_step import INPUT_SHAPES, ours_step

    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *INPUT_SHAPES[name]), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    return ours_step(name, x, y)[0]


def gpt_step() -> Callable[[], None]:
    """One iteration of the char-level GPT recipe on a fixed random batch."""
    from examples.shakespeare_model import GPT, weight_decay_groups

    vocab, block = 65, 64
    model = GPT(vocab, block, 4, 4, 128, generator=0)
    opt = optim.AdamW(weight_decay_groups(model, 0.1), lr=1e-3, betas=(0.9, 0.99))
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, vocab, (12, block)), rng.integers(0, vocab, (12, block))

    def step() -> None:
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        float(loss)

    return step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--model", choices=MODELS, default="vgg")
    parser.add_argument("--batch", type=int, default=128, help="the CNNs' batch")
    parser.add_argument("--steps", type=int, default=10, help="timed steps (after 3 warm-up)")
    parser.add_argument("--top", type=int, default=20, help="rows to print")
    args = parser.parse_args(argv)
    step = gpt_step() if args.model == "gpt" else cnn_step(args.model, args.batch)
    for _ in range(3):
        step()
    plain = time_ms(step, 0, args.steps, "median")
    with primitive_timers() as totals:
        profiled = time_ms(step, 0, args.steps, "median")
    per_step = {k: (1e3 * t / args.steps, n / args.steps) for k, (t, n) in totals.items()}
    inside = sum(ms for ms, _ in per_step.values())
    print(f"{args.model}: {plain:.1f} ms a step (median of {args.steps}); profiled {profiled:.1f}")
    print(f"{'op':<44} {'pass':<9} {'ms/step':>8} {'calls':>6} {'share':>6}")
    rows = sorted(per_step.items(), key=lambda kv: -kv[1][0])
    for (name, kind), (ms, calls) in rows[: args.top]:
        print(f"{name:<44} {kind:<9} {ms:8.2f} {calls:6.0f} {100 * ms / profiled:5.1f}%")
    if len(rows) > args.top:
        rest = sum(ms for _, (ms, _) in rows[args.top :])
        print(f"{f'({len(rows) - args.top} more)':<44} {'':<9} {rest:8.2f}")
    outside = profiled - inside
    share = 100 * outside / profiled
    print(f"{'outside the primitives':<44} {'':<9} {outside:8.2f} {'':>6} {share:5.1f}%")


if __name__ == "__main__":
    ag.manual_seed(0)
    main()
