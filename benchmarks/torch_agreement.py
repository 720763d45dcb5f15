"""Agreement with PyTorch: the loss, every parameter gradient and the running statistics
of the four ``train_step.py`` models, in float64, from the same weights and batch.

Run with PyTorch importable (it is never a dependency)::

    /work/venv-torch/bin/python benchmarks/torch_agreement.py

The attention layers (F.scaled_dot_product_attention, nn.MultiheadAttention, the
Transformer layers, nn.Embedding, F.gelu) are compared in their own block
(``_agreement_attention.py``): outputs and every parameter and input gradient.

Prints, per model, both losses, the largest gradient error relative to the largest
PyTorch gradient of the same parameter, and the largest buffer difference after the
training-mode forward; exits with status 1 when an error exceeds ``--tol``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np
from train_step import INPUT_SHAPES, MODELS, build

import autograd_np as ag
import autograd_np.nn as ag_nn
import autograd_np.nn.functional as ag_F


def compare(torch: Any, name: str, batch: int, smoothing: float) -> tuple[float, float, float]:
    """(relative loss difference, worst relative gradient error, worst buffer difference)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, *INPUT_SHAPES[name]))
    y = rng.integers(0, 10, batch)
    ours = build(ag_nn, name).double()
    theirs = build(torch.nn, name).double()
    state = ours.state_dict()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in state.items()})
    ours.train()
    theirs.train()

    loss = ag_F.cross_entropy(ours(ag.tensor(x)), ag.tensor(y), label_smoothing=smoothing)
    loss.backward()
    t_loss = torch.nn.functional.cross_entropy(
        theirs(torch.from_numpy(x)), torch.from_numpy(y), label_smoothing=smoothing
    )
    t_loss.backward()

    grad_err = 0.0
    for (key, p), (t_key, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        if key != t_key:
            raise RuntimeError(f"parameter order differs: {key!r} against PyTorch's {t_key!r}")
        ref = tp.grad.numpy()
        err = np.abs(p.grad.numpy() - ref).max() / max(np.abs(ref).max(), 1e-300)
        grad_err = max(grad_err, float(err))
    buf_err = 0.0
    for b, tb in zip(ours.buffers(), theirs.buffers()):
        buf_err = max(buf_err, float(np.abs(b.numpy() - tb.numpy()).max()))
    loss_err = abs(float(loss) - t_loss.item()) / abs(t_loss.item())
    return loss_err, grad_err, buf_err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--tol", type=float, default=1e-10, help="largest error accepted")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is not importable here: this check compares against it")
    torch.set_num_threads(1)
    print(
        f"float64, batch {args.batch}, label smoothing {args.label_smoothing}; "
        f"torch {torch.__version__}"
    )
    print(f"{'model':8} {'loss rel err':>13} {'grad rel err':>13} {'buffer err':>11}")
    worst = 0.0
    for name in args.models:
        errors = compare(torch, name, args.batch, args.label_smoothing)
        worst = max(worst, *errors)
        print(f"{name:8} {errors[0]:13.2e} {errors[1]:13.2e} {errors[2]:11.2e}")

    # ---- attention layers: SDPA, MultiheadAttention, Transformer*, Embedding, GELU
    import _agreement_attention

    worst = max(worst, _agreement_attention.run_all(torch, args.tol))

    ok = worst <= args.tol
    print(f"worst {worst:.2e} (tolerance {args.tol:.0e}): {'ok' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
