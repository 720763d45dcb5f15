"""Agreement with PyTorch: the loss, every parameter gradient and the running statistics
of the four ``train_step.py`` models, in float64, from the same weights and batch; then
the recurrent layers (``RECURRENT``: LSTM with and without projection, bidirectional and
packed, GRU, RNN, the cells), whose gradients include the input's and the initial states'.

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


# ---------------------------------------------------------------------- recurrent layers
RECURRENT: dict[str, tuple[str, dict[str, Any]]] = {
    "lstm": ("LSTM", {"num_layers": 2, "dropout": 0.0}),
    "lstm-bi-proj": ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 6}),
    "lstm-packed": ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    "gru-bi": ("GRU", {"num_layers": 2, "bidirectional": True}),
    "rnn-relu": ("RNN", {"num_layers": 2, "nonlinearity": "relu", "batch_first": True}),
    "lstmcell": ("LSTMCell", {}),
    "grucell": ("GRUCell", {}),
}


def compare_recurrent(torch: Any, name: str, batch: int) -> tuple[float, float, float]:
    """(relative loss difference, worst relative gradient error over the parameters, the
    input and the initial states, 0.0) for one recurrent configuration: float64, PyTorch's
    module loaded with our weights, a loss mixing the outputs and the final states."""
    kind, options = RECURRENT[name]
    input_size, hidden, steps = 7, 10, 9
    rng = np.random.default_rng(0)
    ours = getattr(ag_nn, kind)(input_size, hidden, dtype=np.float64, generator=0, **options)
    theirs = getattr(torch.nn, kind)(input_size, hidden, dtype=torch.float64, **options)
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    cell = kind.endswith("Cell")
    lstm = kind.startswith("LSTM")
    batch_first = options.get("batch_first", False)
    x = rng.standard_normal((batch, input_size) if cell else (batch, steps, input_size))
    if not cell and not batch_first:
        x = x.transpose(1, 0, 2).copy()
    n_states = (
        1 if cell else options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    )
    h_shape = (batch, hidden) if cell else (n_states, batch, options.get("proj_size", 0) or hidden)
    c_shape = (batch, hidden) if cell else (n_states, batch, hidden)
    h0, c0 = rng.standard_normal(h_shape), rng.standard_normal(c_shape)
    lengths = list(rng.integers(1, steps + 1, batch))
    lengths[0] = steps

    def run(lib: Any, module: Any, make: Any) -> tuple[Any, list[Any]]:
        leaves = [make(a) for a in ((x, h0, c0) if lstm else (x, h0))]
        for t in leaves:
            t.requires_grad_(True)
        hx = (leaves[1], leaves[2]) if lstm else leaves[1]
        inp = leaves[0]
        if name == "lstm-packed":
            rnn_utils = lib.nn.utils.rnn
            inp = rnn_utils.pack_padded_sequence(
                inp, lengths, batch_first=True, enforce_sorted=False
            )
        out, state = (module(inp, hx), None) if cell else module(inp, hx)
        if name == "lstm-packed":
            out = rnn_utils.pad_packed_sequence(out, batch_first=True)[0]
        if cell:
            out, state = (out[0], out[1]) if lstm else (out, out)
        states: list[Any] = list(state) if isinstance(state, tuple) else [state]
        loss = (out * out).sum() * 0.5
        for k, s in enumerate(states):
            loss = loss + (s * (k + 2.0)).tanh().sum()
        loss.backward()
        return loss, leaves

    loss, leaves = run(ag, ours, ag.tensor)
    t_loss, t_leaves = run(torch, theirs, torch.from_numpy)
    grad_err = 0.0
    pairs = [
        (p.grad.numpy(), tp.grad.numpy()) for p, tp in zip(ours.parameters(), theirs.parameters())
    ]
    pairs += [(a.grad.numpy(), b.grad.numpy()) for a, b in zip(leaves, t_leaves)]
    for got, ref in pairs:
        grad_err = max(grad_err, float(np.abs(got - ref).max() / max(np.abs(ref).max(), 1e-300)))
    loss_err = abs(float(loss) - t_loss.item()) / abs(t_loss.item())
    return loss_err, grad_err, 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--label-smoothing", type=float, default=0.1)
    parser.add_argument("--recurrent", nargs="*", default=list(RECURRENT), choices=RECURRENT)
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
    for name in args.recurrent:  # gradients include the input's and the initial states'
        errors = compare_recurrent(torch, name, 5)
        worst = max(worst, *errors)
        print(f"{name:12} {errors[0]:9.2e} {errors[1]:13.2e} {'-':>11}")

    # ---- attention layers: SDPA, MultiheadAttention, Transformer*, Embedding, GELU
    import _agreement_attention

    worst = max(worst, _agreement_attention.run_all(torch, args.tol))

    ok = worst <= args.tol
    print(f"worst {worst:.2e} (tolerance {args.tol:.0e}): {'ok' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
