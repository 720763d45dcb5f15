"""Damaged and hostile native checkpoints (issue 17, items 4 and 9-12): each is refused with
a ValueError that names the file, with bounded memory and no pickle."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.serialization import _archive


def _archive_file(path: Path, structure: Any, compress: bool = False, **arrays: Any) -> Path:
    text = structure if isinstance(structure, (str, bytes)) else json.dumps(structure)
    data = text.encode() if isinstance(text, str) else text
    save = np.savez_compressed if compress else np.savez
    with open(path, "wb") as f:
        save(f, __autograd_np__=np.frombuffer(data, dtype=np.uint8), **arrays)
    return path


def _doc(root: Any) -> dict[str, Any]:
    return {"format": "autograd_np.save", "version": 2, "root": root}


# ---------------------------------------------------------------------- item 4
def test_structure_entry_size_is_checked_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_archive, "MAX_STRUCTURE_BYTES", 2**20)
    # 4 MiB of blanks deflate to a few KB: the declared size is refused before inflating
    blanks = json.dumps(_doc(1)) + " " * (4 * 2**20)
    path = _archive_file(tmp_path / "bomb.pt", blanks, compress=True)
    assert path.stat().st_size < 20_000
    opened: list[str] = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile,
        "open",
        lambda self, name, *a, **k: (opened.append(str(name)), real_open(self, name, *a, **k))[1],
    )
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"bomb\.pt.*declares \d+ bytes, more than the limit"):
            ag.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert opened == []
    assert peak < 2**20


def test_decompression_is_bounded_by_the_declared_size(tmp_path: Path) -> None:
    # an entry whose zip headers understate its size: inflating stops at the declared size
    blanks = json.dumps(_doc(1)) + " " * (4 * 2**20)
    path = _archive_file(tmp_path / "liar.pt", blanks, compress=True)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("__autograd_np__.npy")
    small = (1000).to_bytes(4, "little")
    data[info.header_offset + 22 : info.header_offset + 26] = small  # local header
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = small  # central directory
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"liar\.pt"):
            ag.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


# ---------------------------------------------------------------------- item 9
def _good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.pt"
    ag.save({"w": ag.arange(6).float().reshape(2, 3), "step": 7, "name": "x"}, path)
    return path


def test_empty_and_truncated_files_raise_valueerror_naming_the_file(tmp_path: Path) -> None:
    good = _good_file(tmp_path).read_bytes()
    bad = tmp_path / "bad.pt"
    for cut in [0, 1, 4, 30, len(good) // 2, len(good) - 22, len(good) - 1]:
        bad.write_bytes(good[:cut])
        with pytest.raises(ValueError, match=r"bad\.pt"):
            ag.load(bad)
    with pytest.raises(ValueError, match="the file object"):
        ag.load(io.BytesIO(good[: len(good) // 2]))


def test_every_single_bit_flip_loads_or_raises_valueerror(tmp_path: Path) -> None:
    path = _good_file(tmp_path)
    good = path.read_bytes()
    expected = ag.load(path)
    flipped = tmp_path / "flipped.pt"
    outcomes = {"same": 0, "refused": 0}
    for i in range(len(good)):
        data = bytearray(good)
        data[i] ^= 1 << (i % 8)
        flipped.write_bytes(bytes(data))
        try:
            out = ag.load(flipped)
        except ValueError as e:
            assert "flipped.pt" in str(e), (i, e)
            outcomes["refused"] += 1
            continue
        # a flip in a field zip readers ignore (e.g. a timestamp) changes nothing
        assert out["step"] == 7 and out["name"] == "x", i
        np.testing.assert_array_equal(out["w"].array, expected["w"].array)
        outcomes["same"] += 1
    assert outcomes["refused"] > len(good) // 2


# ---------------------------------------------------------------------- item 10
def test_deeply_nested_structure_is_a_valueerror(tmp_path: Path) -> None:
    root = '{"$": "list", "items": [' * 800 + "1" + "]}" * 800
    text = '{"format": "autograd_np.save", "version": 2, "root": ' + root + "}"
    path = _archive_file(tmp_path / "deep.pt", text)
    with pytest.raises(ValueError, match=r"deep\.pt.*nested \d+ levels deep, more than the limit"):
        ag.load(path)
    deep_raw = tmp_path / "raw.pt"
    _archive_file(
        deep_raw, '{"format": "autograd_np.save", "root": ' + "[" * 5000 + "]" * 5000 + "}"
    )
    with pytest.raises(ValueError, match="nested"):
        ag.load(deep_raw)
    # legitimately nested saves (a deep list) still load
    nested: Any = []
    for _ in range(100):
        nested = [nested]
    ag.save(nested, tmp_path / "ok.pt")
    assert ag.load(tmp_path / "ok.pt") == nested


# ---------------------------------------------------------------------- item 11
def test_damaged_array_header_is_reported_as_corrupt(tmp_path: Path) -> None:
    # one damaged byte in the .npy header of an array entry, in an otherwise valid zip
    array = io.BytesIO()
    np.save(array, np.arange(4.0))
    damaged = array.getvalue().replace(b"'descr'", b"'dXscr'")
    path = tmp_path / "hdr.pt"
    _zip_with(path, {"a0.npy": damaged}, {"$": "array", "key": "a0"})
    with pytest.raises(ValueError, match=r"hdr\.pt' is corrupt") as info:
        ag.load(path)
    assert "pickled" not in str(info.value) and "array header of entry 'a0.npy'" in str(info.value)


def _zip_with(path: Path, entries: dict[str, bytes], root: Any) -> None:
    meta = io.BytesIO()
    np.save(meta, np.frombuffer(json.dumps(_doc(root)).encode(), np.uint8))
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
        z.writestr("__autograd_np__.npy", meta.getvalue())


def test_array_header_that_disagrees_with_the_entry_size(tmp_path: Path) -> None:
    path = tmp_path / "size.pt"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)}
    )
    _zip_with(path, {"a0.npy": header.getvalue() + b"\0" * 80}, {"$": "array", "key": "a0"})
    with pytest.raises(ValueError, match=r"size\.pt' is corrupt.*8000000000 bytes"):
        ag.load(path)


# ---------------------------------------------------------------------- item 12
@pytest.mark.parametrize(
    ("root", "message"),
    [
        ({"$": "dict", "keys": ["a", "b"], "values": [1]}, "2 keys and 1 values"),
        ({"$": "dict", "keys": "ab", "values": [1, 2]}, "'keys' of a 'dict' entry has a bad type"),
        ({"$": "list", "items": "abc"}, "'items' of a 'list' entry has a bad type"),
        ({"$": "tuple", "items": {"a": 1}}, "bad type"),
        ({"$": "list", "items": [], "extra": 1}, "has the fields"),
        ({"$": "dict", "keys": [[1]], "values": [1]}, "a bare list"),
        ({"$": "dict", "keys": [{"$": "list", "items": []}], "values": [1]}, "dict key"),
        ({"$": "int", "hex": "12; import os"}, "bad integer"),
        ({"$": "float", "v": "1e999999"}, "bad float"),
        ({"$": "ref", "id": 0}, "unknown object"),
        ({"$": "tensor", "key": "a0", "requires_grad": "yes"}, "bad type"),
        ({"$": "dtype", "str": "O"}, "bad dtype"),
        ({"$": "nope"}, "unknown entry type 'nope'"),
        ([1, 2], "a bare list"),
    ],
)
def test_malformed_structures_are_refused(tmp_path: Path, root: Any, message: str) -> None:
    path = _archive_file(tmp_path / "m.pt", _doc(root), a0=np.zeros(2))
    with pytest.raises(ValueError, match=message):
        ag.load(path)


def test_object_arrays_are_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "obj.pt"
    _archive_file(path, _doc({"$": "array", "key": "a0"}), a0=np.array([{"x": 1}], dtype=object))
    with pytest.raises(ValueError, match="holds pickled Python objects"):
        ag.load(path)


def test_foreign_files_get_a_hint(tmp_path: Path) -> None:
    pkl = tmp_path / "legacy.pt"
    pkl.write_bytes(b"\x80\x02}q\x00.")
    with pytest.raises(ValueError, match="never unpickles"):
        ag.load(pkl)
    st = tmp_path / "w.safetensors"
    from autograd_np.serialization.safetensors import save_file

    save_file({"a": np.zeros(2)}, st)
    with pytest.raises(ValueError, match="safetensors"):
        ag.load(st)
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.pt' is empty"):
        ag.load(empty)


def test_a_huge_json_integer_is_a_valueerror_naming_the_file(tmp_path: Path) -> None:
    text = '{"format": "autograd_np.save", "version": 2, "root": ' + "9" * 5000 + "}"
    path = _archive_file(tmp_path / "bigint.pt", text)
    with pytest.raises(ValueError, match=r"bigint\.pt"):
        ag.load(path)
    from autograd_np.serialization import safetensors as st

    header = b'{"a": ' + b"9" * 5000 + b"}"
    with pytest.raises(st.SafetensorsError, match="not JSON"):
        st.load(len(header).to_bytes(8, "little") + header)
