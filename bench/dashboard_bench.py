"""Dashboard bench: size and generation time of the site for N synthetic ideas.

    .venv/bin/python bench/dashboard_bench.py            # 10,000 ideas
    .venv/bin/python bench/dashboard_bench.py --ideas 500 --keep /tmp/bench-site

Builds a synthetic warehouse (real migrations, marts filled directly: 1-12 mentions per
idea over 120 days, three channels, EN/FR), then times ``build_site`` on it. Figures, not
assertions: run it on the machine you want to know about.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboards.site import build_site  # noqa: E402
from tests.test_dashboard_support import RUN_AT, open_warehouse, synthetic  # noqa: E402


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the site here and keep it")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    try:
        started = time.perf_counter()
        con = open_warehouse(work / "bench.duckdb")
        mentions = synthetic(con, args.ideas)
        filled = time.perf_counter() - started
        site = args.keep or work / "site"
        if site.exists():
            shutil.rmtree(site)
        timings = []
        for _ in range(2):  # cold (assets copied), then warm (assets unchanged)
            started = time.perf_counter()
            report = build_site(con, site, run_at=RUN_AT)
            timings.append(time.perf_counter() - started)
        con.close()
        parts = {name: _size(site / name) for name in ("idea", "assets", "exports")}
        top = {p.name: p.stat().st_size for p in site.glob("*.html")}
        print(
            f"ideas: {args.ideas:,}  mentions: {mentions:,}  (warehouse filled in {filled:.1f} s)"
        )
        print(f"generation: {timings[0]:.2f} s first build, {timings[1]:.2f} s rebuild")
        print(f"pages: {report.pages:,}  site size: {_mb(_size(site))}")
        for name, size in sorted(top.items()):
            print(f"  {name:<14} {_mb(size)}")
        print(f"  idea/ ({report.pages - len(top):,} pages) {_mb(parts['idea'])}")
        print(f"  assets/        {_mb(parts['assets'])} (plotly.min.js is most of it)")
        print(f"  exports/       {_mb(parts['exports'])}")
        if args.keep:
            print(f"site kept in {site}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
