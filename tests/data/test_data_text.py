"""Character-level text: vocabulary, blocks, batches with a generator, Tiny Shakespeare's
file handling (missing, not UTF-8, verified download from a local server)."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from autograd_np.data import (
    CharTextDataset,
    CharVocab,
    DataLoader,
    DatasetError,
    DatasetNotFoundError,
    DownloadError,
    TinyShakespeare,
    read_text,
)


def test_vocab_encode_decode_round_trip():
    v = CharVocab("to be, or not to be\n")
    assert v.chars == sorted(set("to be, or not to be\n")) and len(v) == 9
    ids = v.encode("be or not")
    assert ids.dtype == np.int64 and v.decode(ids) == "be or not"
    assert v.decode(ids.tolist()) == "be or not"
    assert v.encode("").shape == (0,)
    with pytest.raises(KeyError, match="'z' is not in the vocabulary"):
        v.encode("bez")
    with pytest.raises(IndexError, match="out of range"):
        v.decode([9])


def test_vocab_handles_non_ascii_text():
    v = CharVocab("naïve café")
    assert v.decode(v.encode("café naïve")) == "café naïve"
    with pytest.raises(KeyError, match="'ü'"):
        v.encode("ü")


def test_blocks_targets_and_split():
    text = "abcdefghij" * 10  # 100 characters
    train = CharTextDataset(text, 5, "train")
    val = CharTextDataset(text, 5, "val")
    assert len(train.data) == 90 and len(val.data) == 10 and len(train) == 85
    assert train.vocab.chars == val.vocab.chars == list("abcdefghij")
    x, y = train[3]
    assert train.vocab.decode(x) == "defgh" and train.vocab.decode(y) == "efghi"
    xb, yb = train.__getitems__(np.array([3, 0]))
    np.testing.assert_array_equal(xb[0], x)
    np.testing.assert_array_equal(yb[:, :-1], xb[:, 1:])
    loader = DataLoader(train, batch_size=4)
    bx, by = next(iter(loader))
    assert bx.shape == by.shape == (4, 5)
    with pytest.raises(IndexError):
        train[85]
    with pytest.raises(ValueError, match="needs more than block_size"):
        CharTextDataset(text, 10, "val")


def test_sample_batch_is_reproducible_with_a_generator():
    ds = CharTextDataset("the quick brown fox jumps over the lazy dog " * 5, 8)
    a = ds.sample_batch(6, generator=np.random.default_rng(3))
    b = ds.sample_batch(6, generator=3)
    assert a[0].shape == (6, 8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # every target is the next character of the text after its input
    text = ds.data
    for row_x, row_y in zip(*a):
        start = next(
            i
            for i in range(len(text) - 8)
            if np.array_equal(text[i : i + 8], row_x) and np.array_equal(text[i + 1 : i + 9], row_y)
        )
        assert start >= 0


def test_missing_file_names_the_path_and_the_source(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        TinyShakespeare(tmp_path)
    msg = str(info.value)
    assert str(tmp_path / "tinyshakespeare" / "input.txt") in msg
    assert "char-rnn" in msg and "download=True" in msg and TinyShakespeare.sha256 in msg
    assert isinstance(info.value, FileNotFoundError)


def test_non_utf8_text_is_a_clear_error(tmp_path):
    folder = tmp_path / "tinyshakespeare"
    folder.mkdir()
    (folder / "input.txt").write_bytes(b"First Citizen: caf" + b"\xe9 au lait\n" * 20)
    with pytest.raises(DatasetError, match=r"not UTF-8 text: byte 18 \(e9\)"):
        TinyShakespeare(tmp_path)
    with pytest.raises(DatasetError, match="not UTF-8"):
        read_text(folder / "input.txt")


BODY = b"ROMEO:\nBut soft, what light through yonder window breaks?\n" * 40


class _Tiny(TinyShakespeare):
    md5 = hashlib.md5(BODY).hexdigest()
    sha256 = hashlib.sha256(BODY).hexdigest()


def test_download_verifies_and_loads(tmp_path, http_server):
    http_server.route("/ts/input.txt", BODY)
    ds = _Tiny(
        tmp_path, split="val", block_size=8, download=True, mirrors=[http_server.base + "/ts/"]
    )
    assert (tmp_path / "tinyshakespeare" / "input.txt").read_bytes() == BODY
    assert len(ds.data) == len(BODY) - int(0.9 * len(BODY))


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, http_server):
    http_server.route("/ts/input.txt", BODY.replace(b"soft", b"hard"))
    with pytest.raises(DownloadError, match="MD5 mismatch"):
        _Tiny(tmp_path, download=True, mirrors=[http_server.base + "/ts/"])
    assert not (tmp_path / "tinyshakespeare" / "input.txt").exists()

    class WrongSha(_Tiny):
        sha256 = "0" * 64

    http_server.route("/ts/input.txt", BODY)
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        WrongSha(tmp_path, download=True, mirrors=[http_server.base + "/ts/"])
    assert not (tmp_path / "tinyshakespeare" / "input.txt").exists()


def test_real_tiny_shakespeare(real_root):
    train = TinyShakespeare(real_root, split="train", block_size=64)
    val = TinyShakespeare(real_root, split="val", block_size=64)
    assert len(train.vocab) == 65 and len(train.data) + len(val.data) == 1_115_394
    assert len(train.data) == 1_003_854
    assert train.vocab.decode(train.data[:14]) == "First Citizen:"
    digest = hashlib.sha256((real_root / "tinyshakespeare" / "input.txt").read_bytes())
    assert digest.hexdigest() == TinyShakespeare.sha256
