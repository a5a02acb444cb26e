"""``ideas demo``: the whole pipeline on bundled offline data, in a folder of its own."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

import yaml

from idea_harvester.config import load_settings
from idea_harvester.run_context import RunContext
from idea_harvester.steps import run_all


def demo_data_dir() -> Path:
    return Path(str(resources.files("idea_harvester") / "demo_data"))


def demo_feeds() -> list[Path]:
    suffixes = (".rss", ".atom", ".xml")
    return sorted(p for p in (demo_data_dir() / "feeds").iterdir() if p.name.endswith(suffixes))


def demo_sources() -> list[dict]:
    """Every bundled source: the feeds, then Reddit and blog comments replayed offline."""
    data = demo_data_dir()
    feeds = [
        {"name": path.stem, "channel": "rss", "url": path.resolve().as_uri()}
        for path in demo_feeds()
    ]
    replayed = [
        {
            "name": "kestrel-reddit",
            "channel": "reddit",
            "subreddit": "KestrelNotes",
            "replay_dir": str(data / "reddit"),
        },
        {
            "name": "kestrel-blog-wordpress",
            "channel": "blog_comments",
            "platform": "wordpress_rest",
            "site_url": "https://blog.kestrelnotes.example",
            "per_page": 25,
            "replay_dir": str(data / "blog_comments" / "wordpress"),
        },
        {
            "name": "kestrel-fr-disqus",
            "channel": "blog_comments",
            "platform": "disqus",
            "forum": "kestrel-fr",
            "per_page": 15,
            "replay_dir": str(data / "blog_comments" / "disqus"),
        },
    ]
    return feeds + replayed


def write_demo_config(folder: Path) -> Path:
    """Write the demo's ideas.yml into ``folder``: every bundled source, replayed offline."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "warehouse": "warehouse/ideas.duckdb",
        "landing": "landing",
        "dashboards": "dashboards",
        "sources": demo_sources(),
        # The product team's own accounts in the bundled threads: their posts are not mined.
        "detection": {
            "team_authors": ["Kestrel Team", "kestrel_team", "kestrel_sam", "equipe_kestrel"]
        },
    }
    path = folder / "ideas.yml"
    header = "# Demo configuration written by `ideas demo`: bundled data, replayed offline.\n"
    path.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def run_demo(folder: Path, progress: Callable[[str], None] = print) -> dict:
    config_path = write_demo_config(folder)
    settings = load_settings(config_path)
    progress(f"demo: {len(settings.sources)} bundled feeds, working in {folder.resolve()}")
    summary = run_all(settings, RunContext.now(), progress=progress)
    from warehouse.db import connect

    with connect(settings.warehouse, read_only=True) as con:
        top = con.execute(
            "SELECT idea_rank, count_mentions, count_distinct_authors, languages, label "
            "FROM marts.top_ideas ORDER BY idea_rank LIMIT 10"
        ).fetchall()
    print("\nTop ideas:")
    for rank, mentions, authors, languages, label in top:
        print(
            f"  {rank:>2}. [{mentions} mentions, {authors} authors, {'/'.join(languages)}] {label}"
        )
    print(f"\nwarehouse: {settings.warehouse.resolve()}")
    print(f"dashboard: {Path(summary['publish']['dashboard']).resolve()}")
    print(f'query it:  ideas --config {config_path} sql "SELECT * FROM marts.top_ideas LIMIT 5"')
    return summary
