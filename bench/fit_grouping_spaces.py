"""Rebuild the shipped grouping spaces (``transforms/spaces/<model>.npz``) from Mini-BAR.

    .venv/bin/python bench/fit_grouping_spaces.py [--data ../shared/data] \
        [--model bundled:use-e5-small+request-focus] [--sample 0]

A grouping space is the mean and the top principal directions of review embeddings, fitted
without labels (``transforms.grouping.fit_space``). It is fitted on the Mini-BAR
classification reviews (MIT licence), English and French, with every review that appears in
a Mini-BAR clustering file left out in both languages: those are the texts the grouping
evaluation scores, so the shipped space never sees them.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import numpy as np

from transforms import embeddings
from transforms.grouping import fit_space

ROOT = Path(__file__).resolve().parent.parent
APPS = ("garmin_connect", "huawei_health")
KEEP_COMPONENTS = 30  # production cuts this to grouping.remove_components (20 by default)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def training_reviews(data: Path) -> tuple[list[str], int]:
    """Classification reviews (EN and FR) minus every review of the clustering files; returns
    the texts and how many review pairs were left out."""
    minibar = data / "minibar"
    held_out = {
        row["data"].strip()
        for path in sorted((minibar / "clustering").glob("*.csv"))
        for row in _rows(path)
    }
    texts, dropped = [], 0
    for app in APPS:
        en = _rows(minibar / "classification" / f"{app}.en.csv")
        fr = _rows(minibar / "classification" / f"{app}.fr.csv")
        if len(en) != len(fr):
            raise SystemExit(f"{app}: the EN and FR files are not aligned ({len(en)}/{len(fr)})")
        for e, f in zip(en, fr, strict=True):
            if e["data"].strip() in held_out or f["data"].strip() in held_out:
                dropped += 1
                continue
            texts += [e["data"], f["data"]]
    return texts, dropped


def main() -> None:
    # Shipped artefacts are fitted on float32 embeddings (numpy USE), the same on every machine.
    os.environ.setdefault("IDEA_HARVESTER_PRECISION", "fp32")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument(
        "--model",
        default=embeddings.grouping_key(embeddings.DEFAULT_MODEL),
        help="a bundled model, or its grouping key with request focus (<model>+request-focus, "
        "the default's: what production groups on)",
    )
    parser.add_argument(
        "--sample", type=int, default=0, help="fit on a seeded sample of this many reviews"
    )
    args = parser.parse_args()
    if not args.model.startswith(embeddings.BUNDLED_PREFIX):
        raise SystemExit("only bundled models ship a space; others fit one on their corpus")
    texts, dropped = training_reviews(args.data)
    if args.sample and args.sample < len(texts):
        pick = np.random.default_rng(0).choice(len(texts), args.sample, replace=False)
        texts = [texts[i] for i in sorted(pick)]
    print(
        f"fitting on {len(texts)} reviews ({dropped} review pairs of the clustering files "
        f"left out) with {args.model}",
        file=sys.stderr,
    )
    vectors = embeddings.encode(
        args.model,
        texts,
        progress=lambda done, total: (
            print(f"  embedded {done}/{total}", file=sys.stderr)
            if done % 1024 < 64 or done == total
            else None
        ),
    )
    space = fit_space(vectors, KEEP_COMPONENTS, source="bundled")
    out = ROOT / "transforms" / "spaces" / (args.model.split(":", 1)[1] + ".npz")
    np.savez_compressed(
        out, mean=space.mean, components=space.components, fitted_on=np.int64(len(texts))
    )
    print(f"wrote {out} ({out.stat().st_size // 1024} KB, {space.k} components)")


if __name__ == "__main__":
    main()
