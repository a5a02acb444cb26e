"""Rebuild the shipped suggestion classifier from Mini-BAR (MIT) and sentences we wrote.

    .venv/bin/python bench/train_shipped_classifier.py [--data ../shared/data] [--out PATH]

Trains on every review of Mini-BAR's classification files (garmin_connect and huawei_health,
English and French; label = feature_request) plus the 447 sentences we wrote ourselves in
bench/data/suggestions_written.csv (EN+FR requests, advice and non-suggestions from app
reviews, developer forums, community threads and reviews of hotels, shops and services;
counted ``--written-weight`` times), with the same code as ``ideas train-classifier``,
and writes transforms/suggestion_model/suggestion_classifier.json. SemEval data is never read
here (its licence is non-commercial): it is for evaluation only (bench/quality_eval.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

from idea_harvester.training import LabelledText, split_text, texts_from_csv, train_on_texts
from transforms.embeddings import USE_MODEL

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "transforms" / "suggestion_model" / "suggestion_classifier.json"
WRITTEN = ROOT / "bench" / "data" / "suggestions_written.csv"
APPS = ("garmin_connect", "huawei_health")
MIN_CHARS = 12  # the default thresholds.min_sentence_chars


def minibar_texts(data: Path, apps: tuple[str, ...] = APPS) -> list[LabelledText]:
    texts = []
    for app in apps:
        for lang in ("en", "fr"):
            with (data / "minibar" / "classification" / f"{app}.{lang}.csv").open(
                encoding="utf-8"
            ) as fh:
                for row in csv.DictReader(fh):
                    sentences, languages = split_text(row["data"], MIN_CHARS)
                    if sentences:
                        texts.append(
                            LabelledText(sentences, languages, int(row["feature_request"]))
                        )
    return texts


def main() -> None:
    # Shipped artefacts are fitted on float32 embeddings (numpy USE), the same on every machine.
    os.environ.setdefault("IDEA_HARVESTER_PRECISION", "fp32")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--model", default=USE_MODEL)
    parser.add_argument("--written-weight", type=int, default=5)
    args = parser.parse_args()
    written = texts_from_csv(WRITTEN, MIN_CHARS)
    texts = minibar_texts(args.data) + written * args.written_weight
    clf, scores = train_on_texts(
        texts,
        args.model,
        info={
            "data": "Mini-BAR classification (Wei et al., ICTAI 2023; MIT, Jl-wei/mini-bar "
            "@ bb6a7cf): garmin_connect + huawei_health, en + fr, label feature_request; "
            f"plus {len(written)} sentences written by the project "
            f"(bench/data/suggestions_written.csv, counted {args.written_weight} times)",
        },
    )
    clf.save(args.out)
    print(json.dumps({k: round(float(v), 4) for k, v in scores.items()}))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
