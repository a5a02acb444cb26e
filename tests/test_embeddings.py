"""The bundled embedding models, loaded offline for real."""

from __future__ import annotations

import numpy as np
import pytest

from transforms.embeddings import ModelError, encode, load_model

PAIR = [
    "Please add a dark mode to the web app.",
    "Merci d'ajouter un mode sombre à l'application web.",
    "Sync failed this morning with error 503.",
]


def test_the_default_model_puts_english_and_french_in_one_space():
    v = encode("bundled:use-multilingual-v3", PAIR)
    assert v.shape == (3, 512) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    translation, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert translation > 0.6 and translation > unrelated + 0.3


def test_minilm_is_english_only():
    v = encode("bundled:all-MiniLM-L6-v2", PAIR)
    assert v.shape == (3, 384)
    assert float(v[0] @ v[1]) < 0.5  # why it is not the default


def test_order_is_kept_whatever_the_batching():
    texts = [f"Please add feature number {n}." + " more words" * (n % 5) for n in range(10)]
    whole = encode("bundled:use-multilingual-v3", texts, batch_size=64)
    batched = encode("bundled:use-multilingual-v3", texts, batch_size=3)
    assert np.allclose(whole, batched, atol=1e-5)


def test_models_load_once_per_process():
    assert load_model("bundled:use-multilingual-v3") is load_model("bundled:use-multilingual-v3")


def test_an_unknown_bundled_model_names_the_known_ones():
    with pytest.raises(ModelError, match="bundled:use-multilingual-v3"):
        load_model("bundled:nope")
