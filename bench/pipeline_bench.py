"""Time each pipeline stage on the bundled demo data and print items/s and peak memory.

    .venv/bin/python bench/pipeline_bench.py [--dir /tmp/ideas-bench] [--copies N]
    .venv/bin/python bench/pipeline_bench.py --reviews N [--data ../shared/data]

``--copies N`` lands the demo feeds N times under different source names (N x 212 items)
to see how stages scale; their texts repeat, so after the first copy every embedding comes
from the cache. ``--reviews N`` lands N real, distinct Mini-BAR app reviews (read in place
from ../shared/data, written as RSS files in the bench folder, never in the repository):
every sentence is decided and every suggestion embedded and grouped, as on a first load of
real data. After the first enrich, a second one runs with a stricter classifier threshold:
it decides every stored item again (``core.sentences.detector_id``). Figures are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import duckdb
import yaml
from embedding_speed import minibar_reviews

from idea_harvester import steps
from idea_harvester.config import load_settings
from idea_harvester.demo import demo_feeds
from idea_harvester.run_context import RunContext


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def review_feeds(data: Path, count: int, folder: Path, per_feed: int = 1000) -> list[Path]:
    """``count`` Mini-BAR reviews (apps and languages interleaved) as RSS files of
    ``per_feed`` items in ``folder``, one a day back from 2026-11-01."""
    reviews = minibar_reviews(data)[:count]
    if len(reviews) < count:
        raise SystemExit(f"only {len(reviews)} Mini-BAR reviews under {data}")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    paths = []
    for n in range(0, len(reviews), per_feed):
        items = "".join(
            "<item>"
            f"<title>Review {k}</title><link>https://reviews.example.com/{k}</link>"
            f'<guid isPermaLink="false">review-{k}</guid>'
            f"<author>user{k}@reviews.example.com (user{k})</author>"
            f"<pubDate>{format_datetime(start - timedelta(hours=k))}</pubDate>"
            f"<description>{escape(text)}</description></item>"
            for k, text in enumerate(reviews[n : n + per_feed], start=n)
        )
        path = folder / f"reviews-{n // per_feed}.xml"
        path.write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            "<title>Reviews</title><link>https://reviews.example.com</link>"
            f"<description>Mini-BAR reviews</description>{items}</channel></rss>",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--copies", type=int, default=1, help="land the demo feeds N times")
    parser.add_argument(
        "--reviews", type=int, default=0, help="land N distinct Mini-BAR reviews instead"
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="ideas-bench-"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if args.reviews:
        feeds = review_feeds(args.data, args.reviews, folder)
        sources = [{"name": p.stem, "channel": "rss", "url": str(p)} for p in feeds]
    else:
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
