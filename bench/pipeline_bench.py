"""Time each pipeline stage on the bundled demo data and print items/s and peak memory.

    .venv/bin/python bench/pipeline_bench.py [--dir /tmp/ideas-bench] [--copies N]

``--copies N`` lands the demo feeds N times under different source names (N x 212 items)
to see how stages scale. After the first enrich, a second one runs with a stricter classifier
threshold: it decides every stored item again (``core.sentences.detector_id``). Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import yaml

from idea_harvester import steps
from idea_harvester.config import load_settings
from idea_harvester.demo import demo_feeds
from idea_harvester.run_context import RunContext


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="ideas-bench-"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sources = [
        {"name": f"{p.stem}-{n}", "channel": "rss", "url": str(p)}
        for n in range(args.copies)
        for p in demo_feeds()
        if "broken" not in p.name
    ]
    config = {"warehouse": "w/ideas.duckdb", "landing": "landing", "sources": sources}
    (folder / "ideas.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = load_settings(folder / "ideas.yml")
    ctx = RunContext.now()
    quiet = lambda message: None  # noqa: E731

    timings: list[tuple[str, float, int, str, float]] = []  # ..., peak MB so far

    def timed(name: str, run: Callable[[], Any], count: Callable[[Any], int], unit: str) -> Any:
        """Run one stage, record its seconds, how many ``unit`` it handled and the peak."""
        t = time.perf_counter()
        result = run()
        timings.append((name, time.perf_counter() - t, count(result), unit, _peak_mb()))
        return result

    timed(
        "fetch + land",
        lambda: sum(steps.fetch_source(settings, s["name"], ctx)["count_items"] for s in sources),
        int,
        "items",
    )
    loaded = timed("load", lambda: steps.load(settings, ctx)["items_upserted"], int, "items")

    from transforms.embeddings import load_model

    timed(
        "model load (once per process)",
        lambda: load_model(settings.model.embedding_model),
        lambda _: 1,
        "model",
    )
    counts = timed(
        "enrich (segment+detect+embed+group)",
        lambda: steps.enrich(settings, ctx, progress=quiet),
        lambda c: c["items_segmented"],
        "items",
    )
    # A change of detector (here the classifier threshold, as `ideas eval --sweep` suggests)
    # makes the next enrich decide every stored item again.
    stricter = settings.model_copy(
        update={"detection": settings.detection.model_copy(update={"classifier_threshold": 0.8})}
    )
    timed(
        "enrich after a threshold change",
        lambda: steps.enrich(stricter, ctx, progress=quiet),
        lambda c: c["items_redecided"],
        "items",
    )
    timed("marts", lambda: steps.build_marts(settings, ctx), lambda _: loaded, "items")
    timed("publish dashboard", lambda: steps.publish(settings, ctx), lambda _: loaded, "items")

    db = settings.warehouse
    print(
        f"items {_count(db, 'SELECT count(*) FROM raw.items')}, "
        f"sentences {_count(db, 'SELECT count(*) FROM core.sentences')}, "
        f"suggestions {_count(db, 'SELECT count(*) FROM core.suggestions')}, "
        f"texts embedded {counts['texts_embedded']}, "
        f"ideas {_count(db, 'SELECT count(*) FROM core.ideas')}"
    )
    print(f"{'stage':40} {'seconds':>8} {'per second':>12} {'peak MB so far':>15}")
    for name, seconds, n, unit, peak in timings:
        print(f"{name:40} {seconds:8.2f} {n / seconds:9.0f} {unit}/s {peak:15.0f}")
    print(f"peak RSS: {_peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
