"""``ideas to-label`` and ``ideas label --from``: which sentences to label next, labels in bulk.

Runs on a real warehouse loaded from a local feed; the detector's scores of a few sentences
are then set by hand so that the order to expect is known."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from idea_harvester import labelling
from idea_harvester.cli import main
from idea_harvester.config import Settings
from idea_harvester.evaluation import EvalDataError
from idea_harvester.run_context import RunContext
from idea_harvester.steps import run_all
from tests.pipeline_support import loaded_feed_warehouse
from transforms.classifier import load_classifier
from warehouse.db import connect

THRESHOLD = load_classifier("bundled").threshold
QUESTION_THRESHOLD = load_classifier("bundled").question_threshold


@pytest.fixture
def loaded(feed_server, tmp_path) -> Settings:
    return loaded_feed_warehouse(feed_server, tmp_path)


def _config(settings: Settings) -> str:
    return str(settings.warehouse.parent.parent / "ideas.yml")


def _set_scores(settings: Settings, scores: dict[str, float]) -> dict[str, str]:
    """Give the sentences starting with each key that score, every other one 0; returns
    key -> sentence_id."""
    ids = {}
    with connect(settings.warehouse) as con:
        con.execute("UPDATE core.sentences SET suggestion_score = 0")
        for start, score in scores.items():
            (ids[start],) = con.execute(
                "UPDATE core.sentences SET suggestion_score = ? "
                "WHERE starts_with(sentence_text, ?) RETURNING sentence_id",
                [score, start],
            ).fetchone()
    return ids


def _least_certain(settings: Settings, limit: int = 10, source: str | None = None) -> list:
    with connect(settings.warehouse, read_only=True) as con:
        return labelling.least_certain(con, labelling.Boundary.of(settings), limit, source)


def test_nearest_the_score_each_sentence_needs_comes_first(loaded):
    ids = _set_scores(
        loaded,
        {
            "Please add a dark mode": 0.99,  # far above
            "Sync failed twice": THRESHOLD - 0.01,  # nearest
            "I use it late at night": THRESHOLD + 0.05,
            # A question without a request cue needs the question threshold, not the plain one:
            # 0.02 from the plain threshold, but 0.13 from its own.
            "How do I move a note": THRESHOLD + 0.02,
            "My boss wants spreadsheets": THRESHOLD - 0.2,
        },
    )
    found = _least_certain(loaded)
    # The how-to question is vetoed whatever its score: labelling it teaches nothing.
    assert [u.sentence_id for u in found] == [
        ids["Sync failed twice"],
        ids["I use it late at night"],
        ids["My boss wants spreadsheets"],
        ids["Please add a dark mode"],
    ]
    assert found[0].needed == pytest.approx(THRESHOLD)
    assert not found[0].is_suggestion and found[0].source == "forum"
    assert [u.sentence_id for u in _least_certain(loaded, limit=2)] == [
        ids["Sync failed twice"],
        ids["I use it late at night"],
    ]
    assert _least_certain(loaded, source="elsewhere") == []


def test_a_question_is_measured_against_the_question_threshold(loaded):
    with connect(loaded.warehouse) as con:
        con.execute(
            "UPDATE core.sentences SET sentence_text = 'Dark theme for the web app?' "
            "WHERE starts_with(sentence_text, 'Sync failed twice')"
        )
    ids = _set_scores(
        loaded,
        {"Dark theme for": QUESTION_THRESHOLD - 0.01, "My boss wants": THRESHOLD - 0.05},
    )
    found = _least_certain(loaded)
    assert [u.sentence_id for u in found] == [ids["Dark theme for"], ids["My boss wants"]]
    assert found[0].needed == pytest.approx(max(THRESHOLD, QUESTION_THRESHOLD))


def test_labelled_sentences_are_not_listed_again(loaded, capsys):
    ids = _set_scores(loaded, {"Sync failed twice": THRESHOLD, "My boss wants": THRESHOLD - 0.1})
    assert main(["--config", _config(loaded), "label", ids["Sync failed twice"], "--no"]) == 0
    assert [u.sentence_id for u in _least_certain(loaded)] == [ids["My boss wants"]]


def test_without_the_classifier_the_rules_minimum_score_is_the_boundary(loaded):
    settings = loaded.model_copy(
        update={"detection": loaded.detection.model_copy(update={"classifier_enabled": False})}
    )
    boundary = labelling.Boundary.of(settings)
    assert boundary.classifier is None
    assert boundary.threshold == settings.thresholds.suggestion_min_score
    assert boundary.needed("How do I move a note?", "en") == boundary.threshold


def test_to_label_prints_the_list_and_a_csv_that_label_from_records(loaded, capsys, tmp_path):
    config = _config(loaded)
    ids = _set_scores(
        loaded,
        {
            "Sync failed twice": THRESHOLD - 0.01,
            "I use it late at night": THRESHOLD + 0.03,
            "My boss wants spreadsheets": THRESHOLD - 0.1,
        },
    )
    assert main(["--config", config, "to-label", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.index(ids["Sync failed twice"]) < out.index(ids["I use it late at night"])
    assert ids["My boss wants spreadsheets"] not in out and "[forum]" in out

    sheet = tmp_path / "to-label.csv"
    assert main(["--config", config, "to-label", "--csv", str(sheet)]) == 0
    assert f"ideas label --from {sheet}" in capsys.readouterr().out
    with sheet.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["sentence_id"] for r in rows] == [
        ids["Sync failed twice"],
        ids["I use it late at night"],
        ids["My boss wants spreadsheets"],
    ]
    assert rows[0]["decided"] == "no" and rows[0]["text"].startswith("Sync failed twice")
    assert all(r["label"] == "" for r in rows)

    # The analyst fills in two labels and leaves one empty.
    rows[0]["label"], rows[1]["label"] = "yes", "0"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=labelling.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert main(["--config", config, "label", "--from", str(sheet), "--by", "ana"]) == 0
    assert "labelled 2 sentences" in capsys.readouterr().out
    with connect(loaded.warehouse, read_only=True) as con:
        stored = con.execute(
            "SELECT sentence_id, is_suggestion, labelled_by FROM core.suggestion_labels "
            "ORDER BY is_suggestion"
        ).fetchall()
    assert stored == [
        (ids["I use it late at night"], False, "ana"),
        (ids["Sync failed twice"], True, "ana"),
    ]
    # The next run applies them over the detector.
    run_all(loaded, RunContext.now(), progress=lambda m: None)
    with connect(loaded.warehouse, read_only=True) as con:
        decided = dict(
            con.execute(
                "SELECT sentence_id, is_suggestion FROM core.sentences WHERE sentence_id IN (?, ?)",
                [ids["Sync failed twice"], ids["I use it late at night"]],
            ).fetchall()
        )
    assert decided == {ids["Sync failed twice"]: True, ids["I use it late at night"]: False}


def test_label_from_reports_unknown_ids_and_bad_labels(loaded, capsys, tmp_path):
    config = _config(loaded)
    (known,) = _set_scores(loaded, {"Sync failed twice": THRESHOLD}).values()
    sheet = tmp_path / "labels.csv"
    sheet.write_text(f"sentence_id,label\n{known},1\ns-gone,0\n", encoding="utf-8")
    assert main(["--config", config, "label", "--from", str(sheet)]) == 0
    captured = capsys.readouterr()
    assert "labelled 1 sentences" in captured.out and "1 unknown ids skipped" in captured.out
    assert "no sentence 's-gone'" in captured.err

    # A sentence labelled twice keeps its last label.
    sheet.write_text(f"sentence_id,label\n{known},1\n{known},no\n", encoding="utf-8")
    assert main(["--config", config, "label", "--from", str(sheet)]) == 0
    assert "labelled 1 sentences (0 suggestions, 1 not)" in capsys.readouterr().out.replace(
        f" from {sheet}", ""
    )

    sheet.write_text(f"sentence_id,label\n{known},maybe\n", encoding="utf-8")
    assert main(["--config", config, "label", "--from", str(sheet)]) == 2
    assert f"{sheet}: line 2: label must be 1 or 0" in capsys.readouterr().err
    with pytest.raises(EvalDataError, match="missing column"):
        labelling.read_csv(_write(tmp_path / "x.csv", "id,label\ns1,1\n"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["label"], "give a SENTENCE_ID with --yes or --no, or --from"),
        (["label", "s1"], "say --yes or --no for s1"),
        (["label", "--from", "x.csv", "--yes"], "the file's label column labels its rows"),
        (["label", "s1", "--from", "x.csv"], "give a SENTENCE_ID with --yes or --no, or --from"),
    ],
)
def test_label_usage_errors_say_what_to_give(arguments, message, capsys, tmp_path):
    assert main(["--config", str(tmp_path / "none.yml"), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_to_label_on_a_missing_warehouse_says_to_run_first(tmp_path, capsys):
    config = tmp_path / "ideas.yml"
    config.write_text(f"warehouse: {tmp_path / 'w.duckdb'}\nlanding: {tmp_path / 'l'}\n")
    assert main(["--config", str(config), "to-label"]) == 2
    assert "does not exist yet: run `ideas run` (or `ideas demo`) first" in capsys.readouterr().err


def _sample(settings: Settings, limit: int = 50, seed: int = 0) -> list:
    with connect(settings.warehouse, read_only=True) as con:
        return labelling.random_sample(
            con,
            labelling.Boundary.of(settings),
            limit,
            settings.thresholds.min_sentence_chars,
            seed=seed,
        )


def test_a_random_sample_draws_from_every_sentence_the_detector_decides(loaded, capsys):
    with connect(loaded.warehouse) as con:
        decided = con.execute(
            "SELECT count(*) FROM core.sentences WHERE length(sentence_text) >= ?",
            [loaded.thresholds.min_sentence_chars],
        ).fetchone()[0]
        (team,) = con.execute(
            "UPDATE core.sentences SET suggestion_cue = 'team author' "
            "WHERE starts_with(sentence_text, 'My boss wants') RETURNING sentence_id"
        ).fetchone()
    ids = _set_scores(loaded, {"Sync failed twice": 0.3})  # every other score becomes 0
    assert main(["--config", _config(loaded), "label", ids["Sync failed twice"], "--no"]) == 0
    sample = _sample(loaded)
    found = {c.sentence_id for c in sample}
    # Unscored sentences count too; the labelled one and the team's are left out.
    assert len(sample) == decided - 2
    assert team not in found and ids["Sync failed twice"] not in found
    assert all(c.score == 0 for c in sample)
    howto = next(c for c in sample if c.text.startswith("How do I move"))
    assert howto.needed is None  # vetoed: no score makes it a suggestion
    # The same seed draws the same sample, in the same order; another seed another order.
    assert [c.sentence_id for c in _sample(loaded)] == [c.sentence_id for c in sample]
    assert [c.sentence_id for c in _sample(loaded, seed=1)] != [c.sentence_id for c in sample]
    assert [c.sentence_id for c in _sample(loaded, limit=3)] == [c.sentence_id for c in sample[:3]]


def test_a_labelled_random_sample_measures_the_detector(loaded, capsys, tmp_path):
    config = _config(loaded)
    sheet = tmp_path / "sample.csv"
    assert main(["--config", config, "to-label", "--random", "--csv", str(sheet)]) == 0
    assert f"ideas eval suggestions --data {sheet}" in capsys.readouterr().out
    with sheet.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # the analyst agrees with the detector except on one sentence
        row["label"] = "1" if row["decided"] == "yes" else "0"
    wrong = next(r for r in rows if r["decided"] == "yes")
    wrong["label"] = "0"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=labelling.CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    assert main(["--config", config, "eval", "suggestions", "--data", str(sheet), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    positives = sum(r["label"] == "1" for r in rows)
    assert result["n"] == len(rows) and result["recall"] == 1.0
    assert result["precision"] == pytest.approx(positives / (positives + 1))


def test_while_a_pipeline_step_writes_to_label_reads_the_snapshot_and_label_waits(loaded, capsys):
    from idea_harvester.snapshot import snapshot_path
    from tests.analyst import analyst_on

    arguments = ["--config", _config(loaded), "to-label", "--random", "--limit", "3"]
    assert main(arguments) == 0
    live = capsys.readouterr().out
    assert snapshot_path(loaded.warehouse).exists()
    with analyst_on(loaded.warehouse, read_only=False):  # holds the live file, as enrich does
        assert main(arguments) == 0
        captured = capsys.readouterr()
        assert "a pipeline step is writing the warehouse: listing from its snapshot" in captured.err
        assert captured.out == live  # the same sentences, from the snapshot
        # Without a snapshot there is nothing else to read: the lock is the error.
        snapshot_path(loaded.warehouse).unlink()
        assert main(arguments) == 2
        err = capsys.readouterr().err
        assert "is locked by another process" in err and "read the published snapshot" in err
        # A label writes: it can only wait, and says so.
        assert main(["--config", _config(loaded), "label", "s1", "--yes"]) == 2
        err = capsys.readouterr().err
        assert "is locked by another process" in err
        assert "wait for the other process to finish" in err and "snapshot" not in err
