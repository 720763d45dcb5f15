"""state_dict / load_state_dict: PyTorch's keys and shapes, detached shared values, loading
from numpy arrays with PyTorch's names (and reproducing PyTorch's outputs), error reports."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn

# Keys, shapes and dtypes of torch's state_dict for the same architecture (printed from
# PyTorch 2.13 with the model built in `_architecture`).
TORCH_KEYS = [
    ("stem.0.weight", (8, 3, 3, 3), "float32"),
    ("stem.1.weight", (8,), "float32"),
    ("stem.1.bias", (8,), "float32"),
    ("stem.1.running_mean", (8,), "float32"),
    ("stem.1.running_var", (8,), "float32"),
    ("stem.1.num_batches_tracked", (), "int64"),
    ("up.weight", (8, 4, 2, 2), "float32"),
    ("up.bias", (4,), "float32"),
    ("seq.weight", (6, 2, 3), "float32"),
    ("seq.bias", (6,), "float32"),
    ("bn1.running_mean", (6,), "float32"),
    ("bn1.running_var", (6,), "float32"),
    ("bn1.num_batches_tracked", (), "int64"),
    ("bn_nostats.weight", (6,), "float32"),
    ("bn_nostats.bias", (6,), "float32"),
    ("ln.weight", (6, 5), "float32"),
    ("blocks.0.weight", (6, 6), "float32"),
    ("blocks.0.bias", (6,), "float32"),
    ("blocks.2.weight", (4, 6), "float32"),
    ("blocks.2.bias", (4,), "float32"),
    ("heads.cls.weight", (10, 4), "float32"),
    ("heads.cls.bias", (10,), "float32"),
    ("heads.emb.weight", (7, 4), "float32"),
    ("loss.pos_weight", (10,), "float32"),
]


def _architecture() -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            stem=nn.Sequential(
                nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2)
            ),
            up=nn.ConvTranspose2d(8, 4, 2, stride=2),
            seq=nn.Conv1d(4, 6, 3, groups=2),
            bn1=nn.BatchNorm1d(6, affine=False),
            bn_nostats=nn.BatchNorm1d(6, track_running_stats=False),
            ln=nn.LayerNorm((6, 5), bias=False),
            gn=nn.GroupNorm(3, 6, affine=False),
            blocks=nn.ModuleList([nn.Linear(6, 6), nn.Dropout(), nn.Linear(6, 4)]),
            heads=nn.ModuleDict({"cls": nn.Linear(4, 10), "emb": nn.Embedding(7, 4)}),
            loss=nn.BCEWithLogitsLoss(pos_weight=ag.ones(10)),
        )
    )


def test_keys_shapes_dtypes_match_pytorch() -> None:
    sd = _architecture().state_dict()
    assert [(k, v.shape, str(v.dtype)) for k, v in sd.items()] == TORCH_KEYS
    assert isinstance(sd, OrderedDict)


class Net(nn.Module):
    """The model of the PyTorch cross-check below (same code as run in PyTorch)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2), nn.ReLU())
        self.emb = nn.Embedding(5, 3, padding_idx=0)
        self.ln = nn.LayerNorm(3)
        self.gn = nn.GroupNorm(1, 2)
        self.blocks = nn.ModuleList([nn.Linear(8, 3), nn.Linear(3, 3, bias=False)])
        self.heads = nn.ModuleDict(
            {
                "a": nn.Linear(3, 2),
                "b": nn.Sequential(OrderedDict(fc=nn.Linear(3, 2), act=nn.Tanh())),
            }
        )

    def forward(self, img: ag.Tensor, idx: ag.Tensor) -> ag.Tensor:
        h = self.gn(self.features(img))
        h = self.blocks[0](h.reshape((h.shape[0], -1)))
        h = self.blocks[1](h) + self.emb(idx).mean(1)
        h = self.ln(h)
        return self.heads["a"](h) + self.heads["b"](h)


NET_KEYS = [
    ("features.0.weight", (2, 1, 2, 2)),
    ("features.0.bias", (2,)),
    ("features.1.weight", (2,)),
    ("features.1.bias", (2,)),
    ("features.1.running_mean", (2,)),
    ("features.1.running_var", (2,)),
    ("features.1.num_batches_tracked", ()),
    ("emb.weight", (5, 3)),
    ("ln.weight", (3,)),
    ("ln.bias", (3,)),
    ("gn.weight", (2,)),
    ("gn.bias", (2,)),
    ("blocks.0.weight", (3, 8)),
    ("blocks.0.bias", (3,)),
    ("blocks.1.weight", (3, 3)),
    ("heads.a.weight", (2, 3)),
    ("heads.a.bias", (2,)),
    ("heads.b.fc.weight", (2, 3)),
    ("heads.b.fc.bias", (2,)),
]


def _torch_style_arrays() -> dict[str, np.ndarray]:
    """A state dict of plain numpy arrays under PyTorch's key names (the values loaded
    into the PyTorch model that produced the outputs below)."""
    arrays: dict[str, np.ndarray] = {}
    for i, (name, shape) in enumerate(NET_KEYS):
        if name.endswith("num_batches_tracked"):
            arrays[name] = np.array(7, dtype=np.int64)
            continue
        v = np.sin(np.arange(int(np.prod(shape))) * 0.37 + i).astype(np.float32).reshape(shape)
        arrays[name] = 1 + 0.5 * v**2 if name.endswith("running_var") else v
    return arrays


def _inputs() -> tuple[ag.Tensor, ag.Tensor]:
    img = ag.tensor(np.cos(np.arange(18) * 0.5).astype(np.float32).reshape(2, 1, 3, 3))
    return img, ag.tensor([[1, 0, 3], [4, 2, 0]])


def test_load_numpy_state_dict_with_pytorch_names_reproduces_pytorch(tmp_path: Path) -> None:
    net = Net()
    assert [(k, v.shape) for k, v in net.state_dict().items()] == NET_KEYS
    # As exported from PyTorch: np.savez(path, **{k: v.numpy() for k, v in sd.items()}).
    np.savez(tmp_path / "torch_weights.npz", **_torch_style_arrays())
    with np.load(tmp_path / "torch_weights.npz") as exported:
        result = net.load_state_dict(dict(exported))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    img, idx = _inputs()
    net.eval()
    # PyTorch 2.13's outputs for the same weights and inputs.
    expected_eval = [
        [-0.12986665964126587, -1.1422028541564941],
        [-0.07390367984771729, -1.1738874912261963],
    ]
    np.testing.assert_allclose(net(img, idx).array, expected_eval, rtol=1e-5, atol=1e-6)
    net.train()
    expected_train = [
        [-0.07377761602401733, -1.174013376235962],
        [-0.06072425842285156, -1.2097718715667725],
    ]
    np.testing.assert_allclose(net(img, idx).array, expected_train, rtol=1e-5, atol=1e-6)
    bn = net.features[1]
    np.testing.assert_allclose(
        bn.running_mean.array, [-0.6053164601325989, -0.683836042881012], rtol=1e-5
    )
    np.testing.assert_allclose(
        bn.running_var.array, [1.4725515842437744, 1.4655230045318604], rtol=1e-5
    )
    assert bn.num_batches_tracked.item() == 8


def test_state_dict_values_are_detached_and_share_memory() -> None:
    lin = nn.Linear(3, 2, generator=0)
    sd = lin.state_dict()
    w = sd["weight"]
    assert type(w) is ag.Tensor and not w.requires_grad and w.grad_fn is None
    assert w.array is lin.weight.array  # shared memory, as in PyTorch
    with ag.no_grad():
        lin.weight.add_(1.0)
    np.testing.assert_array_equal(w.array, lin.weight.array)
    assert w._version == lin.weight._version
    kept = lin.state_dict(keep_vars=True)
    assert kept["weight"] is lin.weight and kept["bias"] is lin.bias
    assert list(lin.state_dict(prefix="fc.")) == ["fc.weight", "fc.bias"]
    snapshot = {k: v.numpy().copy() for k, v in lin.state_dict().items()}
    with ag.no_grad():
        lin.weight.zero_()
    assert snapshot["weight"].any()


def test_non_persistent_buffers_are_left_out() -> None:
    m = nn.Module()
    m.register_buffer("kept", ag.zeros(2))
    m.register_buffer("scratch", ag.zeros(2), persistent=False)
    m.register_buffer("absent", None)
    assert list(m.state_dict()) == ["kept"]
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    m.load_state_dict({"kept": np.ones(2)})
    np.testing.assert_array_equal(m.kept.array, 1)


def test_load_copies_in_place_keeps_identity_and_casts() -> None:
    src, dst = nn.Linear(3, 2, generator=0), nn.Linear(3, 2, generator=1)
    weight, version = dst.weight, dst.weight._version
    dst.load_state_dict(src.state_dict())
    assert dst.weight is weight and dst.weight._version == version + 1
    np.testing.assert_array_equal(dst.weight.array, src.weight.array)
    assert dst.weight.array is not src.weight.array  # copied, not aliased
    dst.load_state_dict({k: v.numpy().astype(np.float64) for k, v in src.state_dict().items()})
    assert dst.weight.dtype == np.float32
    bn = nn.BatchNorm1d(2)
    bn.load_state_dict({**bn.state_dict(), "num_batches_tracked": np.array(5)})
    assert bn.num_batches_tracked.item() == 5 and bn.num_batches_tracked.dtype == np.int64
    # Loading is allowed while parameters require grad (it runs under no_grad).
    assert dst.weight.requires_grad


def test_load_reports_every_problem_in_one_error_and_changes_nothing() -> None:
    model = nn.Sequential(nn.Linear(3, 2, generator=0), nn.BatchNorm1d(2))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    bad = {
        "0.weight": np.zeros((2, 4), dtype=np.float32),  # wrong shape
        "1.weight": np.zeros(3, dtype=np.float32),  # wrong shape
        "1.bias": np.full(2, 9.0, dtype=np.float32),  # fine, but must not be copied
        "extra.weight": np.zeros(1),
        "other": np.zeros(1),
    }
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:")
    assert (
        'Missing key(s) in state_dict: "0.bias", "1.running_mean", "1.running_var", '
        '"1.num_batches_tracked".' in message
    )
    assert 'Unexpected key(s) in state_dict: "extra.weight", "other".' in message
    assert (
        "size mismatch for 0.weight: copying a param with shape (2, 4) from checkpoint, the "
        "shape in current model is (2, 3)." in message
    )
    assert "size mismatch for 1.weight" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.array, before[k])
    # strict=False reports the key differences instead of raising...
    partial = {"0.weight": np.ones((2, 3), dtype=np.float32), "junk": np.zeros(1)}
    missing, unexpected = model.load_state_dict(partial, strict=False)
    assert missing == [
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert unexpected == ["junk"]
    np.testing.assert_array_equal(model[0].weight.array, 1)
    # ...but shape mismatches always raise, as in PyTorch.
    with pytest.raises(RuntimeError, match=r"size mismatch for 0\.weight"):
        model.load_state_dict({"0.weight": np.ones((3, 3))}, strict=False)
    with pytest.raises(RuntimeError, match="unsupported dtype"):
        model.load_state_dict({**model.state_dict(), "0.bias": np.array(["a", "b"])})
    with pytest.raises(TypeError, match="dict-like"):
        model.load_state_dict([1, 2])  # type: ignore[arg-type]


def test_round_trip_between_models_and_after_training_step() -> None:
    def build(seed: int) -> nn.Sequential:
        rng = np.random.default_rng(seed)
        return nn.Sequential(
            nn.Conv2d(1, 3, 3, generator=rng),
            nn.BatchNorm2d(3),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(12, 2, generator=rng),
        )

    a, b = build(0), build(1)
    x = ag.randn(4, 1, 4, 4, generator=2)
    a(x)  # one training step of BatchNorm statistics
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).array, b(x).array)
    assert b[1].num_batches_tracked.item() == 1
