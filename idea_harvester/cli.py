"""The ``ideas`` command line: run the pipeline without Airflow, inspect the warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path

from idea_harvester.config import (
    CONFIG_ENV,
    DEFAULT_CONFIG_NAME,
    ConfigError,
    Settings,
    Source,
    load_settings,
)

EXIT_USAGE = 2
#: Fewer labelled texts than this, and train-classifier warns (MODEL_CARD: 200 reviews moved
#: the cross-app figures by 0.003; 50 sentences of SemEval A lowered the A trial F1).
FEW_LABELS = 200


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
    from idea_harvester.config import resolve_config_path

    if args.config or resolve_config_path().exists():
        return load_settings(args.config)
    return Settings(warehouse=Path("unused.duckdb"), landing=Path("unused"))


def cmd_eval(args: argparse.Namespace) -> int:
    from idea_harvester import evaluation

    settings = _model_settings(args)
    for option in ("explicit", "prevalence"):
        if getattr(args, option) not in (None, False) and args.what != "suggestions":
            print(f"error: --{option} applies to `ideas eval suggestions` only", file=sys.stderr)
            return EXIT_USAGE
    if args.sweep is not None:
        if args.errors:
            print("error: --errors shows one run's mistakes: drop --sweep", file=sys.stderr)
            return EXIT_USAGE
        return _eval_sweep(args, settings)
    if args.errors and args.what == "similarity":
        print("error: --errors applies to suggestions and grouping", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.what == "suggestions":
            result = evaluation.eval_suggestions(
                Path(args.data),
                settings,
                explicit=args.explicit,
                errors=args.errors,
                prevalence=args.prevalence,
            )
        elif args.what == "grouping":
            result = evaluation.eval_grouping(Path(args.data), settings, errors=args.errors)
        else:
            result = evaluation.eval_similarity(Path(args.data), settings)
    except evaluation.EvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result))
    else:
        errors = result.pop("errors", None)
        model = settings.model.embedding_model
        if args.what == "grouping":  # grouped under the grouping key (request focus or not)
            from transforms.embeddings import grouping_key

            model = grouping_key(model, settings.grouping.request_focus)
        print(f"{args.what} on {args.data} ({result['n']} rows, model {model}):")
        width = max(15, *(len(key) for key in result))
        for key, value in result.items():
            if key != "n":
                shown = f"{value:.4f}" if isinstance(value, float) else value
                print(f"  {key:{width}} {shown}")
        if errors is not None:
            _print_errors(args.what, errors)
        if args.what == "suggestions" and args.prevalence is None:
            _hint_prevalence(Path(args.data))
    return 0


def _hint_prevalence(path: Path) -> None:
    """Say when a labelled sample holds many more suggestions than a channel would."""
    from idea_harvester.evaluation import read_labelled

    _, gold = read_labelled(path)
    share = sum(gold) / len(gold)
    if share >= 0.3:
        print(
            f"{share:.0%} of these texts are suggestions; on a channel where fewer are, "
            "precision falls: add --prevalence 0.1 (or your channel's share) to see by how much"
        )


def _print_errors(what: str, errors: dict) -> None:
    """The mistakes ``ideas eval --errors`` found, for a person to read."""
    if what == "suggestions":
        print(f"false positives ({errors['count_false_positives']}), most confident first:")
        for e in errors["false_positives"]:
            print(f"  {_quote(e['text'], 110)}")
            print(f"      decided by {e['cue']} ({e['score']:.2f}) on {_quote(e['sentence'], 90)}")
        print(f"false negatives ({errors['count_false_negatives']}):")
        for e in errors["false_negatives"]:
            print(f"  {_quote(e['text'], 110)}")
        return
    print("gold clusters split the most (each text's group number):")
    for c in errors["split_clusters"]:
        print(f"  cluster {c['cluster']}: {c['count_texts']} texts in {c['count_groups']} groups")
        for t in c["texts"]:
            print(f"    [{t['group']}] {_quote(t['text'], 100)}")
    print("groups mixing the most clusters (each text's gold cluster):")
    for g in errors["mixed_groups"]:
        mix = ", ".join(f"{k}: {v}" for k, v in g["clusters"].items())
        print(f"  group {g['group']}: {g['count_texts']} texts ({mix})")
        for t in g["texts"]:
            print(f"    [{t['cluster']}] {_quote(t['text'], 100)}")


def _eval_sweep(args: argparse.Namespace, settings: Settings) -> int:
    from idea_harvester import evaluation

    try:
        result = evaluation.sweep(
            args.what,
            Path(args.data),
            settings,
            args.sweep,
            progress=lambda m: print(f"[eval] {m}", file=sys.stderr, flush=True),
            explicit=args.explicit,
            prevalence=args.prevalence,
        )
    except evaluation.EvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result))
        return 0
    parameter, best_by = result["parameter"], result["best_by"]
    columns = [k for k in result["results"][0] if k != "value"]
    print(f"{args.what} on {args.data} ({result['n']} rows), sweeping {parameter}:")
    widths = {c: max(14, len(c)) for c in columns}
    print(f"  {'value':>8}  " + "  ".join(f"{c:>{widths[c]}}" for c in columns))
    for row in result["results"]:
        cells = "  ".join(
            f"{row[c]:>{widths[c]}.4f}" if isinstance(row[c], float) else f"{row[c]:>{widths[c]}}"
            for c in columns
        )
        mark = f"  <- best {best_by}" if row["value"] == result["best"] else ""
        print(f"  {row['value']:>8}  {cells}{mark}")
    section, field = parameter.split(".")
    print(f"best {best_by} at {parameter} = {result['best']}: set it in ideas.yml as")
    print(f"  {section}:\n    {field}: {result['best']}")
    if section == "detection":
        print("The next enrich decides the sentences already stored again with it.")
    else:
        print(
            "New suggestions join ideas at it; existing ideas keep their members "
            "(`ideas reconsolidate` merges those that became alike)."
        )
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give the share of suggestions as a number between 0 and 1, e.g. 0.1"
        )
    return value


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least {least}")
    return value


def _positive_int(text: str) -> int:
    return _whole_number(text, 1)


def _count(text: str) -> int:
    return _whole_number(text, 0)


def _sweep_values(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give comma-separated numbers, e.g. 0.15,0.2,0.25"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one value, e.g. 0.15,0.2,0.25")
    return values


def cmd_train_classifier(args: argparse.Namespace) -> int:
    from idea_harvester import evaluation
    from idea_harvester.training import train_classifier

    settings = _model_settings(args)
    out = Path(args.out)
    try:
        result = train_classifier(
            Path(args.data) if args.data else None,
            settings,
            out,
            include_corrections=not args.no_corrections,
            progress=_progress,
            from_scratch=args.from_scratch,
        )
    except evaluation.EvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if "f1" in result:
        print(
            f"cross-validated on {result['n']} texts ({result['positives']} positive, "
            f"{result['corrections']} analyst corrections): precision {result['precision']:.3f} "
            f"recall {result['recall']:.3f} F1 {result['f1']:.3f}"
        )
        if "prior_f1" in result:
            print(f"the current classifier on the same texts: F1 {result['prior_f1']:.3f}")
            if result["f1"] < result["prior_f1"]:
                print(
                    "warning: adapted to these labels, the classifier scores lower on them than "
                    "the current one: keep the current one, or label more sentences (`ideas "
                    "to-label --random` draws a fair sample) and train again",
                    file=sys.stderr,
                )
    else:
        print(f"trained on {result['n']} texts (too few of one class to cross-validate)")
    if result["n"] < FEW_LABELS:
        print(
            f"warning: {result['n']} labelled texts are few: adapted to a few dozen labels, "
            "the classifier can get worse, and so few cannot tell; label a few hundred "
            "(`ideas to-label --random --csv FILE.csv`, then `ideas label --from FILE.csv`)",
            file=sys.stderr,
        )
    print(
        f"wrote {out}; use it with `detection: {{classifier: {out}}}` in the config (the next "
        "enrich decides the sentences already stored again with it)"
    )
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    from idea_harvester import labelling
    from idea_harvester.evaluation import EvalDataError
    from warehouse.db import connect, require_existing

    if (args.sentence_id is None) == (args.from_csv is None):
        print("error: give a SENTENCE_ID with --yes or --no, or --from FILE.csv", file=sys.stderr)
        return EXIT_USAGE
    if args.sentence_id is not None and args.is_suggestion is None:
        print(f"error: say --yes or --no for {args.sentence_id}", file=sys.stderr)
        return EXIT_USAGE
    if args.from_csv is not None and args.is_suggestion is not None:
        print("error: --yes and --no label one sentence; the file's label column "
              "labels its rows", file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    settings = load_settings(args.config)
    require_existing(settings.warehouse)
    try:
        labels = (
            labelling.read_csv(Path(args.from_csv))
            if args.from_csv
            else [(args.sentence_id, args.is_suggestion)]
        )
    except EvalDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    with connect(settings.warehouse) as con:
        recorded, unknown = labelling.record(con, labels, args.by, args.note)
    for sentence_id in unknown:
        print(
            f"error: no sentence {sentence_id!r} in core.sentences of {settings.warehouse}; "
            "list sentences to label with `ideas to-label`, or find ids with `ideas sql "
            '"SELECT sentence_id, sentence_text FROM core.sentences WHERE sentence_text '
            "ILIKE '%word%'\"`",
            file=sys.stderr,
        )
    if args.from_csv:
        yes = sum(flag for _, _, flag in recorded)
        skipped = f"; {len(unknown)} unknown ids skipped" if unknown else ""
        print(
            f"labelled {len(recorded)} sentences from {args.from_csv} ({yes} suggestions, "
            f"{len(recorded) - yes} not){skipped}. The next `ideas run` applies them; "
            "`ideas train-classifier` learns from them."
        )
        return 1 if unknown and not recorded else 0
    if not recorded:
        return 1
    sentence_id, text, flag = recorded[0]
    verdict = "a suggestion" if flag else "not a suggestion"
    print(
        f"labelled {sentence_id} as {verdict}: {text!r}. The next `ideas run` applies "
        "it; `ideas train-classifier` learns from it."
    )
    return 0


def _sentences_to_label(args: argparse.Namespace, settings: Settings) -> list:
    """``to-label``'s list, from the live warehouse (fresh: what was just labelled is left
    out), or from its snapshot while a pipeline step holds the live file."""
    from idea_harvester import labelling
    from idea_harvester.snapshot import snapshot_path
    from warehouse.db import WarehouseLocked, connect

    boundary = labelling.Boundary.of(settings)

    def listed(path: Path) -> list:
        with connect(path, read_only=True) as con:
            if args.random:
                min_chars = settings.thresholds.min_sentence_chars
                return labelling.random_sample(
                    con, boundary, args.limit, min_chars, args.source, args.seed
                )
            return labelling.least_certain(con, boundary, args.limit, args.source)

    try:
        return listed(settings.warehouse)
    except WarehouseLocked:
        snapshot = snapshot_path(settings.warehouse)
        if not snapshot.exists():
            raise
        print(
            f"note: a pipeline step is writing the warehouse: listing from its snapshot "
            f"{snapshot}, where sentences labelled since the last run may be listed again",
            file=sys.stderr,
        )
        return listed(snapshot)


def cmd_to_label(args: argparse.Namespace) -> int:
    from idea_harvester import labelling

    settings = load_settings(args.config)
    sentences = _sentences_to_label(args, settings)
    if not sentences:
        where = f" of source {args.source!r}" if args.source else ""
        scored = "" if args.random else " was scored by the detector"
        print(f"no unlabelled sentence{where}{scored}: nothing to label")
        return 0
    order = "drawn at random" if args.random else "least certain first"
    if args.csv:
        count = labelling.write_csv(Path(args.csv), sentences)
        then = (
            f"`ideas label --from {args.csv}`; once every row is labelled, the same file "
            f"measures the detector: `ideas eval suggestions --data {args.csv}`"
            if args.random
            else f"`ideas label --from {args.csv}`"
        )
        print(
            f"wrote {count} sentences to {args.csv}, {order}: fill in its label column (1 or "
            f"0, empty to skip), then {then}"
        )
        return 0
    print(
        f"{len(sentences)} sentences to label, {order} (the detector's score / the score the "
        "sentence needs to be a suggestion, - if none; label with `ideas label ID --yes` or "
        "`--no`):"
    )
    for s in sentences:
        decided = "suggestion" if s.is_suggestion else "not"
        needed = "-" if s.needed is None else f"{s.needed:.2f}"
        text = s.text if len(s.text) <= 100 else s.text[:99] + "…"
        print(f"  {s.sentence_id}  {s.score:.2f}/{needed:4s} {decided:10s} [{s.source}] {text}")
    return 0


def _override(args: argparse.Namespace, action: str, done: str, **kwargs) -> int:
    from idea_harvester.overrides import OverrideError
    from idea_harvester.run_context import RunContext
    from idea_harvester.steps import apply_override
    from warehouse.db import require_existing

    settings = load_settings(args.config)
    require_existing(settings.warehouse)
    try:
        counts = apply_override(
            settings, RunContext.now(), action, by=args.by, note=args.note, **kwargs
        )
    except OverrideError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(done.format(**counts) + " Every later run keeps it; `ideas run` rebuilds the marts.")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    return _override(
        args,
        "merge",
        "merged {merged} into {into} ({mentions_moved} mentions moved).",
        from_id=args.from_idea,
        into_id=args.into_idea,
    )


def cmd_move(args: argparse.Namespace) -> int:
    return _override(
        args,
        "move",
        "moved mention {moved} from {from} to {to}.",
        sentence_id=args.sentence_id,
        to_idea_id=args.to,
    )


def cmd_keep_apart(args: argparse.Namespace) -> int:
    return _override(
        args, "keep_apart", "ideas {kept_apart} will never be merged.", idea_a=args.a, idea_b=args.b
    )


def cmd_reconsolidate(args: argparse.Namespace) -> int:
    from idea_harvester.run_context import RunContext
    from idea_harvester.steps import build_marts, reconsolidate
    from warehouse.db import require_existing

    settings = load_settings(args.config)
    require_existing(settings.warehouse)  # not an empty one made for the purpose
    ctx = RunContext.now()
    result = reconsolidate(
        settings,
        ctx,
        progress=_progress,
        dry_run=args.dry_run,
        threshold=args.threshold,
        with_merges=True,
    )
    for m in result.pop("merges"):
        print(
            f"{'would merge' if args.dry_run else 'merged'} {m['from']} into {m['into']} "
            f"(similarity {m['similarity']:.3f}): "
            f"{_quote(m['from_quote'])} -> {_quote(m['into_quote'])}"
        )
    if not args.dry_run:
        build_marts(settings, ctx)
    print(json.dumps(result))
    return 0


def _quote(text: str | None, limit: int = 60) -> str:
    if not text:
        return "(no quote)"
    from transforms.text import shorten

    return f"“{shorten(text, limit)}”"


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


def _print_grouping_status(con, settings) -> None:
    """The grouping key the config asks for, the keys the ideas live under, and the space."""
    from transforms.embeddings import grouping_key

    key = grouping_key(settings.model.embedding_model, settings.grouping.request_focus)
    print(f"grouping key (config): {key}")
    ideas = con.execute(
        "SELECT i.model_id, count(*), any_value(s.space_source), any_value(s.count_fitted_on) "
        "FROM core.ideas i LEFT JOIN core.grouping_spaces s USING (model_id) "
        "WHERE i.count_members > 0 GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for model_id, n, source, fitted_on in ideas:
        space = f"{source} space fitted on {fitted_on}" if source else "no space stored"
        later = "" if model_id == key else " (the next enrich moves them to the config's key)"
        print(f"  {n} ideas under {model_id}: {space}{later}")


def _print_detection_status(con, settings) -> None:
    """Each source's detector as the config describes it (its ``explicit_only`` and
    ``mine_titles`` make it its own), and how many items another detector decided."""
    import duckdb

    from transforms.detector import detector_of_source
    from transforms.enrich import stale_items
    from transforms.settings import EnrichSettings

    s = EnrichSettings.from_settings(settings)
    try:
        stale_ids = stale_items(con, s)
    except duckdb.Error:  # a snapshot published before detector ids existed
        stale_ids = None
    later = (
        "unknown until the next enrich"
        if stale_ids is None
        else f"{len(stale_ids)} items decided by another detector"
        + (" (the next enrich decides them again)" if stale_ids else "")
    )
    print(f"suggestion detectors (config): one per source, below; {later}")
    shares = con.execute(
        """
        WITH stale AS (SELECT unnest(?::VARCHAR[]) AS item_id)
        SELECT r.source_name, count(*), count(*) FILTER (WHERE c.is_suggestion),
               printf('%.1f', 100.0 * count(*) FILTER (WHERE c.is_suggestion) / count(*)),
               count(DISTINCT r.item_id) FILTER (WHERE r.item_id IN (SELECT item_id FROM stale)),
               count(l.sentence_id)
        FROM core.sentences c JOIN raw.items r USING (item_id)
        LEFT JOIN core.suggestion_labels l USING (sentence_id)
        GROUP BY r.source_name ORDER BY r.source_name
        """,
        [stale_ids or []],
    ).fetchall()
    if shares:
        detector_of = detector_of_source(s)
        rows = []
        for name, n, found, share, redecide, labelled in shares:
            again = "?" if stale_ids is None else redecide
            rows.append((name, detector_of(name), n, found, share, labelled, again))
        columns = ["source", "detector", "sentences", "suggestions", "suggestions_%", "labelled"]
        print_table([*columns, "to_decide_again"], rows)
        print(
            "  a share far above what a channel really holds is false positives: measure it with\n"
            "  `ideas eval suggestions --prevalence`, or set explicit_only on an ideas board;\n"
            "  labelled: analysts' labels (`ideas to-label --random --source NAME` draws a fair\n"
            "  sample to label; a few hundred adapt the classifier with `ideas train-classifier`)"
        )


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
                _enabled(s),
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
    _print_detection_status(con, settings)
    _print_grouping_status(con, settings)
    last_runs = con.execute(
        "SELECT run_id, step, finished_at, counts_json FROM meta.runs "
        "ORDER BY finished_at DESC LIMIT 5"
    ).fetchall()
    if last_runs:
        print_table(["run_id", "step", "finished_at", "counts"], last_runs, max_width=90)


def _enabled(source: Source, yes: str = "yes", no: str = "no") -> str:
    """Whether a source runs, in ``ideas status``, with its detection modes."""
    modes = [yes if source.enabled else no]
    if source.explicit_only:
        modes.append("explicit only")
    if source.titles_mined:
        modes.append("titles mined")
    return ", ".join(modes)


def cmd_status(args: argparse.Namespace) -> int:
    from warehouse.db import connect

    settings = load_settings(args.config)
    print(f"config ok: {len(settings.sources)} source(s); warehouse {settings.warehouse}")
    target = _read_target(settings, args.live)
    if not target.path.exists():
        for s in settings.sources:
            print(f"  {s.name:30} {s.channel:14} {_enabled(s, 'enabled', 'disabled')}")
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
    p.add_argument(
        "--explicit",
        action="store_true",
        help="suggestions only: decide as for a source with explicit_only (a suggestion needs "
        "a request cue; statements of a lack do not count)",
    )
    p.add_argument(
        "--errors",
        type=_count,
        default=0,
        metavar="N",
        help="also show up to N mistakes: false positives and negatives (suggestions), the "
        "gold clusters split the most and the groups mixing the most clusters (grouping)",
    )
    p.add_argument(
        "--sweep",
        type=_sweep_values,
        metavar="V1,V2,...",
        help="measure once per value of the threshold this data calibrates "
        "(suggestions: detection.classifier_threshold; grouping: grouping.similarity) and "
        "show the best; texts are embedded once",
    )
    p.add_argument(
        "--prevalence",
        type=_share,
        metavar="SHARE",
        help="suggestions only: also give the false-positive rate, and the precision and F1 "
        "expected on a channel where this share of texts are suggestions (e.g. 0.1; a "
        "balanced sample hides how precision falls where few are); with --sweep, the best "
        "threshold is chosen by that F1",
    )
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "train-classifier",
        help="train the suggestion classifier on your labelled CSV and analysts' corrections",
        description="Adapts the sentence-level suggestion classifier (logistic regression on "
        "USE sentence embeddings plus the rules' evidence; the configured one, "
        "detection.classifier, the shipped weights by default) to a CSV with a header "
        "text,label (1 = the text contains a suggestion; a text may hold several sentences) "
        "and to the corrections recorded with `ideas label` in the config's warehouse: its "
        "weights are pulled towards your labels and kept near what they were, so a few "
        "hundred labels from your channels help. --from-scratch trains a new one on your "
        "labels alone (on detection.classifier_model's embeddings). Prints cross-validated "
        "precision, recall and F1 next to the current classifier's on the same texts, and "
        "writes a weights file to point detection.classifier at. Progress goes to stderr.",
    )
    p.add_argument("--data", metavar="FILE.csv", help="labelled CSV (columns text,label)")
    p.add_argument(
        "--out",
        default="suggestion_classifier.json",
        metavar="PATH",
        help="where to write the weights (default ./suggestion_classifier.json)",
    )
    p.add_argument(
        "--no-corrections",
        action="store_true",
        help="ignore the analysts' corrections stored in the warehouse",
    )
    p.add_argument(
        "--from-scratch",
        action="store_true",
        help="train a new classifier on these labels alone, instead of adapting the configured "
        "one (detection.classifier) to them; for thousands of labels of your own notion of a "
        "suggestion",
    )
    p.set_defaults(func=cmd_train_classifier)

    p = sub.add_parser(
        "label",
        help="record an analyst's verdict on a sentence (is it a suggestion?)",
        description="Stores the label in core.suggestion_labels of the live warehouse. The "
        "next `ideas run` makes the sentence a suggestion (or removes it from its idea), "
        "whatever the detector says, and `ideas train-classifier` trains on it.",
    )
    p.add_argument(
        "sentence_id",
        nargs="?",
        help="core.sentences.sentence_id (see `ideas to-label` or `ideas sql`)",
    )
    verdict = p.add_mutually_exclusive_group()
    verdict.add_argument(
        "--yes", dest="is_suggestion", action="store_const", const=True, help="it is a suggestion"
    )
    verdict.add_argument(
        "--no",
        dest="is_suggestion",
        action="store_const",
        const=False,
        help="it is not a suggestion",
    )
    p.add_argument(
        "--from",
        dest="from_csv",
        metavar="FILE.csv",
        help="record every labelled row of a file written by `ideas to-label --csv` "
        "(columns sentence_id and label: 1 or 0, yes or no; an empty label skips the row)",
    )
    p.add_argument("--by", metavar="NAME", help="who labels (recorded with the label)")
    p.add_argument("--note", metavar="TEXT", help="why (recorded with the label)")
    p.set_defaults(func=cmd_label)

    p = sub.add_parser(
        "to-label",
        help="list the sentences whose verdict is least certain, to label next",
        description="Lists the stored, unlabelled sentences whose detector score is nearest "
        "the score they need to become suggestions: a label there corrects the likeliest "
        "mistakes. With --random, a random sample of all the sentences the detector decides "
        "instead: labelled, it measures the detector on your channels (`ideas eval "
        "suggestions --data FILE.csv`) and is the fair sample to train on (sentences near "
        "the threshold alone make a biased one). With --csv, writes them to a file to fill in "
        "and record with `ideas label --from`. Reads the live warehouse, or its snapshot "
        "while a pipeline step writes it.",
    )
    p.add_argument(
        "--limit", type=_positive_int, default=20, help="how many sentences (default 20)"
    )
    p.add_argument("--source", metavar="NAME", help="only this source's sentences")
    p.add_argument(
        "--random",
        action="store_true",
        help="a random sample of every sentence the detector decides, not the least certain",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="with --random: the same seed draws the same sample"
    )
    p.add_argument(
        "--csv",
        metavar="FILE.csv",
        help="write them to this file, with an empty label column to fill in",
    )
    p.set_defaults(func=cmd_to_label)

    who = argparse.ArgumentParser(add_help=False)
    who.add_argument("--by", metavar="NAME", help="who decides (recorded with the override)")
    who.add_argument("--note", metavar="TEXT", help="why (recorded with the override)")
    p = sub.add_parser(
        "merge",
        parents=[who],
        help="merge one idea into another (the second keeps its id)",
        description="Moves every mention of FROM_IDEA to INTO_IDEA in the live warehouse and "
        "records FROM_IDEA in core.idea_redirects (its id is never reused; links to it resolve "
        "to INTO_IDEA). New suggestions like FROM_IDEA land in INTO_IDEA from then on. Idea ids "
        'are in marts.top_ideas: `ideas sql "SELECT idea_id, label FROM marts.top_ideas"`.',
    )
    p.add_argument("from_idea", metavar="FROM_IDEA", help="the idea merged away")
    p.add_argument("into_idea", metavar="INTO_IDEA", help="the idea that survives")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser(
        "move",
        parents=[who],
        help="move one mention to another idea, or out to an idea of its own",
        description="Pins the mention (a suggestion's sentence_id, see marts.idea_mentions) to "
        "idea --to, or to a new idea of its own without --to. Every later run keeps it there, "
        "and reconsolidation never merges the two ideas back.",
    )
    p.add_argument("sentence_id", metavar="SENTENCE_ID", help="marts.idea_mentions.sentence_id")
    p.add_argument("--to", metavar="IDEA_ID", help="target idea (default: a new idea)")
    p.set_defaults(func=cmd_move)

    p = sub.add_parser(
        "keep-apart",
        parents=[who],
        help="never let reconsolidation merge two ideas",
    )
    p.add_argument("a", metavar="IDEA_A")
    p.add_argument("b", metavar="IDEA_B")
    p.set_defaults(func=cmd_keep_apart)

    p = sub.add_parser(
        "reconsolidate",
        help="refit the grouping space and merge ideas that became alike (ids never change)",
        description="Refits the grouping space on the warehouse's suggestions once there are "
        "grouping.min_corpus_for_fit of them, recomputes every idea centroid from its members, "
        "then merges ideas whose linkage (grouping.linkage: by default the average similarity "
        "between their members) reaches grouping.merge_similarity, most similar first, "
        "recomputed after each merge: the older idea keeps its id, the merged id is recorded "
        "in core.idea_redirects, and pairs an analyst kept apart are never merged. Rebuilds "
        "the marts. Airflow runs the same step. Use --dry-run to see the merges first.",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show the merges it would make (with each idea's representative quote) and "
        "change nothing",
    )
    p.add_argument(
        "--threshold",
        type=float,
        metavar="SIMILARITY",
        help="merge at this linkage instead of grouping.merge_similarity (try it with --dry-run)",
    )
    p.set_defaults(func=cmd_reconsolidate)

    p = sub.add_parser(
        "status",
        help="sources, last loads, errors, row counts, each source's suggestion detector, "
        "grouping key and space",
    )
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
    except Exception as err:
        from transforms.classifier import ClassifierError  # not imported for every command

        if not isinstance(err, ClassifierError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
