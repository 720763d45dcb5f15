"""nn.summary: rows, shapes, parameter counts, FLOPs by the documented convention, totals,
and no side effects on the model."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn


def _cnn() -> nn.Sequential:
    rng = np.random.default_rng(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, generator=rng),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10, generator=rng),
    )


def test_cnn_rows_and_totals() -> None:
    model = _cnn()
    model[0].requires_grad_(False)
    s = nn.summary(model, (2, 3, 8, 8))
    rows = [(r.name, r.type, r.output_shape, r.params, r.flops) for r in s.layers]
    assert rows == [
        # 2 FLOPs per multiply-add: 2 * (3 * 3 * 3) * 1024 outputs, + 1024 bias adds.
        ("0", "Conv2d", (2, 8, 8, 8), 224, 56320),
        ("1", "BatchNorm2d", (2, 8, 8, 8), 16, 4096),
        ("2", "ReLU", (2, 8, 8, 8), 0, 1024),
        ("3", "MaxPool2d", (2, 8, 4, 4), 0, 1024),
        ("4", "Flatten", (2, 128), 0, 0),
        ("5", "Linear", (2, 10), 1290, 2 * 128 * 20 + 20),
    ]
    assert s.total_params == 1530 and s.trainable_params == 1306
    assert s.total_flops == 56320 + 4096 + 1024 + 1024 + 5140
    assert s.input_shapes == [(2, 3, 8, 8)] and s.output_shape == (2, 10)
    table = str(s)
    assert repr(s) == table
    lines = table.splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "shape", "Param", "#", "FLOPs"]
    assert lines[3].split() == ["0", "(Conv2d)", "[2,", "8,", "8,", "8]", "224", "56,320"]
    for text in (
        "Total params: 1,530",
        "Trainable params: 1,306",
        "Non-trainable params: 224",
        "Total FLOPs: 67,604 (multiply-add = 2 FLOPs)",
        "Input shape: [2, 3, 8, 8]",
        "Output shape: [2, 10]",
    ):
        assert text in lines


def test_summary_has_no_side_effects() -> None:
    model = _cnn()
    model[1].eval()  # a mix of modes, restored exactly
    modes = [m.training for m in model.modules()]
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    nn.summary(model, (1, 3, 8, 8))
    assert [m.training for m in model.modules()] == modes
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.array, before[k])
    assert all(not m._forward_hooks for m in model.modules())
    assert all(p.grad is None for p in model.parameters())


def test_other_layers_flops() -> None:
    model = nn.Sequential(
        nn.ConvTranspose2d(4, 6, 2, stride=2, groups=2, bias=False, generator=0),
        nn.LayerNorm((6, 6, 6), elementwise_affine=False),
        nn.AvgPool2d(3),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(),
        nn.Softmax(dim=1),
    )
    s = nn.summary(model, (1, 4, 3, 3))
    flops = [r.flops for r in s.layers]
    # Each input element meets (6 / 2) * 2 * 2 weights: 2 FLOPs each, no bias.
    assert flops == [2 * 3 * 4 * 36, 2 * 216, 9 * 24, 24, 0, 0, 6]
    conv1 = nn.Conv1d(4, 6, 3, groups=2, generator=0)
    row = nn.summary(conv1, (2, 4, 10)).layers[0]
    assert row.name == "" and row.output_shape == (2, 6, 8)
    assert row.flops == 2 * 2 * 3 * 96 + 96 and row.params == 6 * 2 * 3 + 6
    assert "Conv1d" in str(nn.summary(conv1, (2, 4, 10)))


def test_embedding_int_input_multiple_inputs_and_shared_layers() -> None:
    class TwoInputs(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(10, 4, generator=0)
            self.proj = nn.Linear(4, 4, generator=1)
            self.scale = nn.Parameter(np.ones(4, dtype=np.float32))

        def forward(self, idx: ag.Tensor, x: ag.Tensor) -> ag.Tensor:
            h = self.proj(self.emb(idx).mean(1)) + x
            return self.proj(h) * self.scale  # proj is called twice

    s = nn.summary(TwoInputs(), [(3, 5), (3, 4)], dtype=np.int64)
    assert [(r.name, r.type, r.params) for r in s.layers] == [
        ("emb", "Embedding", 40),
        ("proj", "Linear", 20),
        ("proj", "Linear", 0),  # parameters counted at the first call only
        ("", "TwoInputs", 4),  # a module with parameters of its own gets a row
    ]
    assert s.total_params == 64 and s.input_shapes == [(3, 5), (3, 4)]
    assert sum(r.params for r in s.layers) == s.total_params
    assert "Input shape: [3, 5], [3, 4]" in str(s)


def test_summary_argument_errors() -> None:
    with pytest.raises(TypeError, match="must be a Module"):
        nn.summary(lambda x: x, (1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape"):
        nn.summary(nn.ReLU(), "abc")  # type: ignore[arg-type]
