"""The ``ideas`` command line: run the pipeline without Airflow, inspect the warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from idea_harvester.config import CONFIG_ENV, DEFAULT_CONFIG_NAME, ConfigError, load_settings

EXIT_USAGE = 2


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _example_config() -> str:
    return (resources.files("idea_harvester") / "example_config.yml").read_text(encoding="utf-8")


def cmd_init(args: argparse.Namespace) -> int:
    target = Path(args.path or args.config or DEFAULT_CONFIG_NAME)
    if target.exists() and not args.force:
        print(f"{target} already exists; use --force to overwrite it", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_example_config(), encoding="utf-8")
    print(f"wrote {target}: edit its sources, then run `ideas run --config {target}`")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from idea_harvester.run_context import RunContext
    from idea_harvester.steps import run_all

    settings = load_settings(args.config)
    summary = run_all(settings, RunContext.now(), progress=_progress)
    failed = [f for f in summary["fetch"] if f["status"] == "error"]
    print(f"warehouse: {settings.warehouse}")
    print(f"dashboard: {summary['publish']['dashboard']}")
    if failed:
        names = ", ".join(f["source"] for f in failed)
        print(f"{len(failed)} source(s) failed: {names} (see `ideas status`)", file=sys.stderr)
    return 0


def _model_settings(args: argparse.Namespace):
    """The config's model and thresholds when a config is found, else the defaults."""
    from idea_harvester.config import Settings, resolve_config_path

    if args.config or resolve_config_path().exists():
        return load_settings(args.config)
    return Settings(warehouse=Path("unused.duckdb"), landing=Path("unused"))


def cmd_eval(args: argparse.Namespace) -> int:
    from idea_harvester import evaluation

    run = {
        "suggestions": evaluation.eval_suggestions,
        "grouping": evaluation.eval_grouping,
        "similarity": evaluation.eval_similarity,
    }[args.what]
    settings = _model_settings(args)
    try:
        result = run(Path(args.data), settings)
    except evaluation.EvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{args.what} on {args.data} ({result['n']} rows, model "
            f"{settings.model.embedding_model}):"
        )
        for key, value in result.items():
            if key != "n":
                print(
                    f"  {key:15} {value:.4f}" if isinstance(value, float) else f"  {key:15} {value}"
                )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from idea_harvester.demo import run_demo

    run_demo(Path(args.dir), progress=_progress)
    return 0


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return str(value).replace("\n", " ")


def print_table(columns: list[str], rows: list[tuple], max_width: int = 60) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in cells]
    widths = [max([len(col)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
    print("  ".join(col.ljust(w) for col, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")


LIVE_HELP = (
    "read the live warehouse instead of its snapshot (fails while a pipeline step writes, "
    "and keeps writers out while it reads)"
)


def _read_target(settings, live: bool):
    """The snapshot (default) or, with ``--live``, the live warehouse; notes go to stderr."""
    from idea_harvester.snapshot import read_target

    target = read_target(settings.warehouse, live=live)
    if target.note:
        print(f"note: {target.note}", file=sys.stderr)
    return target


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from warehouse.db import connect

    settings = load_settings(args.config)
    with connect(_read_target(settings, args.live).path, read_only=True) as con:
        try:
            cur = con.execute(args.query)
        except duckdb.Error as err:
            print(f"query failed: {err}", file=sys.stderr)
            return 1
        if cur.description is None:
            return 0
        columns = [d[0] for d in cur.description]
        rows = cur.fetchall()
    if args.format == "json":
        print(
            json.dumps(
                [dict(zip(columns, r, strict=True)) for r in rows],
                default=str,
                ensure_ascii=False,
                indent=2,
            )
        )
    elif args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print_table(columns, rows, max_width=args.max_width)
    return 0


def _print_warehouse_status(con, settings) -> None:
    from warehouse.db import schema_version

    print(f"schema version {schema_version(con)}")
    rows = []
    for s in settings.sources:
        last = con.execute(
            "SELECT max(fetched_at), sum(count_rows) FROM meta.loads WHERE source_name = ?",
            [s.name],
        ).fetchone()
        err = con.execute(
            "SELECT occurred_at, error_kind, error_message FROM meta.source_errors "
            "WHERE source_name = ? ORDER BY occurred_at DESC LIMIT 1",
            [s.name],
        ).fetchone()
        rows.append(
            (
                s.name,
                s.channel,
                "yes" if s.enabled else "no",
                last[0],
                last[1] or 0,
                err[0] if err else None,
                f"{err[1]}: {err[2]}" if err else "",
            )
        )
    print_table(
        [
            "source",
            "channel",
            "enabled",
            "last_load_at",
            "items_loaded",
            "last_error_at",
            "last_error",
        ],
        rows,
        max_width=70,
    )
    tables = (
        "raw.items",
        "core.sentences",
        "core.suggestions",
        "core.ideas",
        "core.mentions",
        "marts.top_ideas",
        "meta.source_errors",
    )
    counts = [(t, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables]
    print_table(["table", "rows"], counts)
    last_runs = con.execute(
        "SELECT run_id, step, finished_at, counts_json FROM meta.runs "
        "ORDER BY finished_at DESC LIMIT 5"
    ).fetchall()
    if last_runs:
        print_table(["run_id", "step", "finished_at", "counts"], last_runs, max_width=90)


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.db import connect

    settings = load_settings(args.config)
    print(f"config ok: {len(settings.sources)} source(s); warehouse {settings.warehouse}")
    target = _read_target(settings, args.live)
    if not target.path.exists():
        for s in settings.sources:
            print(f"  {s.name:30} {s.channel:14} {'enabled' if s.enabled else 'disabled'}")
        print("no warehouse yet: run `ideas run` to fetch and load the sources")
        return 0
    print(f"reading {'the snapshot' if target.is_snapshot else 'the live warehouse'} {target.path}")
    with connect(target.path, read_only=True) as con:
        _print_warehouse_status(con, settings)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ideas",
        description="Idea Harvester: collect user suggestions from public channels, group them "
        "into ideas, rank them, and load them into a DuckDB warehouse.",
        epilog="Quick start: `ideas demo --dir /tmp/ideas-demo`, then open the dashboard it "
        "prints. The same steps run under Airflow (see dags/).",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help=f"configuration file (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG_NAME})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details (INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", help="write a commented example configuration")
    p.add_argument("path", nargs="?", help=f"where to write it (default ./{DEFAULT_CONFIG_NAME})")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("run", help="run every step once: fetch, load, enrich, marts, dashboard")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help="run the pipeline end to end on bundled offline demo data")
    p.add_argument(
        "--dir",
        default="ideas-demo",
        help="folder for the demo's config, warehouse, landing and dashboards "
        "(default: ./ideas-demo)",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "sql", help="run a read-only SQL query on the warehouse snapshot (--live: the live file)"
    )
    p.add_argument("query", help='e.g. "SELECT idea_rank, label FROM marts.top_ideas LIMIT 10"')
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--max-width", type=int, default=60, help="truncate table cells (default 60)")
    p.add_argument("--live", action="store_true", help=LIVE_HELP)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser(
        "eval",
        help="measure suggestion detection, grouping or similarity on a labelled CSV",
        description="Runs the production detector, embedding model and grouping on a CSV "
        "with a header: suggestions: text,label (1 = suggestion); grouping: text,cluster; "
        "similarity: text1,text2,score. Uses the config's model and thresholds when a config "
        "is found, else the defaults. Fully offline with the bundled models.",
    )
    p.add_argument("what", choices=["suggestions", "grouping", "similarity"])
    p.add_argument("--data", required=True, metavar="FILE.csv", help="the labelled CSV")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("status", help="sources, last loads, errors and row counts")
    p.add_argument("--live", action="store_true", help=LIVE_HELP)
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from warehouse.db import WarehouseError

    try:
        return args.func(args)
    except (ConfigError, WarehouseError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
