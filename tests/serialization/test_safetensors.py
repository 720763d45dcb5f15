"""safetensors with numpy alone: round trips, the documented layout, malformed headers, and
interchange with the ``safetensors`` package where it is installed (a test extra)."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn
from autograd_np.serialization import safetensors as st

ARRAYS = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "f64": np.array([1.5, -2.25]),
    "f16": np.array([0.5, 65504.0], dtype=np.float16),
    "i64": np.array([[-(2**62)], [7]], dtype=np.int64),
    "i32": np.array([1, -1], dtype=np.int32),
    "i16": np.array([-3], dtype=np.int16),
    "i8": np.array([-128, 127], dtype=np.int8),
    "u8": np.array([0, 255], dtype=np.uint8),
    "u16": np.array([65535], dtype=np.uint16),
    "u32": np.array([2**32 - 1], dtype=np.uint32),
    "u64": np.array([2**64 - 1], dtype=np.uint64),
    "bool": np.array([True, False, True]),
    "c64": np.array([1 + 2j], dtype=np.complex64),
    "scalar": np.array(4.0, dtype=np.float32),
    "empty": np.zeros((0, 4), dtype=np.float32),
    "strided": np.arange(20.0)[::3],
    "big_endian": np.arange(3, dtype=">f4"),
}


def _check(out: dict[str, ag.Tensor], arrays: dict[str, np.ndarray]) -> None:
    assert set(out) == set(arrays)
    for name, arr in arrays.items():
        assert isinstance(out[name], ag.Tensor), name
        got = out[name].array
        assert got.shape == arr.shape and got.dtype == arr.dtype.newbyteorder("="), name
        np.testing.assert_array_equal(got, arr)


def test_round_trip_every_dtype(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    st.save_file({k: ag.Tensor(v) if k == "f32" else v for k, v in ARRAYS.items()}, path)
    out = st.load_file(path)
    _check(out, ARRAYS)
    out["f32"].array[0, 0] = 9.0  # loaded tensors are writable
    _check(st.load(st.save(ARRAYS)), ARRAYS)


def test_layout_follows_the_documentation(tmp_path: Path) -> None:
    data = st.save({"b": np.ones(2, np.float32), "a": np.zeros(3, np.int64)}, metadata={"k": "v"})
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8 : 8 + n])
    assert header["__metadata__"] == {"k": "v"}
    assert header["a"] == {"dtype": "I64", "shape": [3], "data_offsets": [0, 24]}
    assert header["b"] == {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]}
    buffer = data[8 + n :]
    assert len(buffer) == 32
    assert np.frombuffer(buffer[24:], "<f4").tolist() == [1.0, 1.0]
    path = tmp_path / "m.safetensors"
    st.save_file({"x": np.ones(1)}, path, metadata={"epoch": "3"})
    assert st.metadata_of(path) == {"epoch": "3"}


def test_a_model_state_dict_round_trips(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4, generator=0), nn.BatchNorm1d(4))
    model(ag.randn(5, 3, generator=1))
    path = tmp_path / "model.safetensors"
    st.save_file(model.state_dict(), path)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    fresh.load_state_dict(st.load_file(path))
    for a, b in zip(model.state_dict().values(), fresh.state_dict().values()):
        np.testing.assert_array_equal(a.array, b.array)


def _file(header: Any, buffer: bytes = b"", length: int | None = None) -> bytes:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(text) if length is None else length
    return struct.pack("<Q", n) + text + buffer


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "too short"),
        (b"\x01\x00", "too short"),
        (struct.pack("<Q", 10**12), "more than the limit"),
        (_file({"a": 1}, length=500), "holds only"),
        (_file(b"{not json"), "not JSON"),
        (_file(b"[]"), "not a JSON object"),
        (_file({"a": {"dtype": "F32", "shape": [2]}}), "exactly dtype, shape and data_offsets"),
        (
            _file({"a": {"dtype": "Q8", "shape": [1], "data_offsets": [0, 1]}}, b"\0"),
            "unknown dtype 'Q8'",
        ),
        (
            _file({"a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0"),
            "BF16, which numpy cannot hold",
        ),
        (_file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "shape"),
        (
            _file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4),
            "outside the buffer",
        ),
        (
            _file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
            "8 bytes\\) but data_offsets span 4",
        ),
        (
            _file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4),
            "outside the buffer",
        ),
        (
            _file(
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                },
                b"\0" * 8,
            ),
            "overlaps the previous tensor",
        ),
        (
            _file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
            "leaves a gap",
        ),
        (
            _file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8),
            "cover 4 bytes of a 8-byte buffer",
        ),
        (_file({"__metadata__": {"a": 1}}), "__metadata__"),
        (
            _file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4.0]}}, b"\0" * 4),
            "bad data_offsets",
        ),
    ],
)
def test_malformed_files_are_refused(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(st.SafetensorsError, match=message) as info:
        st.load_file(path)
    assert "bad.safetensors" in str(info.value)
    with pytest.raises(ValueError, match=message):
        st.load(data)


def test_bad_arguments_to_save(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="str"):
        st.save({1: np.zeros(1)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="lacks"):
        st.save({"a": np.array(["x"])})
    with pytest.raises(TypeError, match="metadata"):
        st.save({"a": np.zeros(1)}, metadata={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="reserved"):
        st.save({"__metadata__": np.zeros(1)})
    with pytest.raises(RuntimeError, match="only the CPU"):
        st.load_file(tmp_path / "x", device="cuda")


def test_interchange_with_the_safetensors_package(tmp_path: Path) -> None:
    pytest.importorskip(
        "safetensors.numpy",
        reason="the safetensors package (the test extra: pip install -e .[test]) is not installed",
    )
    from safetensors.numpy import load_file as ref_load
    from safetensors.numpy import save_file as ref_save

    arrays = {k: v for k, v in ARRAYS.items() if k not in ("big_endian", "strided")}
    ours = tmp_path / "ours.safetensors"
    st.save_file(arrays, ours, metadata={"format": "np"})
    theirs = ref_load(str(ours))
    assert set(theirs) == set(arrays)
    for name, arr in arrays.items():
        assert theirs[name].dtype == arr.dtype, name
        np.testing.assert_array_equal(theirs[name], arr)
    ref_path = tmp_path / "theirs.safetensors"
    ref_save(arrays, str(ref_path), metadata={"format": "np"})
    _check(st.load_file(ref_path), arrays)
    assert st.metadata_of(ref_path) == {"format": "np"}
