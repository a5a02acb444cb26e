"""The ``ideas`` command line, run in-process on real files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from idea_harvester.cli import main
from idea_harvester.config import load_settings
from tests.pipeline_support import loaded_feed_warehouse


@pytest.fixture
def loaded(feed_server, tmp_path):
    loaded_feed_warehouse(feed_server, tmp_path)
    return tmp_path / "ideas.yml"


def test_init_writes_a_valid_commented_example(tmp_path, capsys):
    target = tmp_path / "ideas.yml"
    assert main(["init", str(target)]) == 0
    text = target.read_text()
    assert text.count("#") > 10
    settings = load_settings(target)
    assert settings.sources[0].channel == "rss"
    assert main(["init", str(target)]) == 1  # never overwrites without --force
    assert "--force" in capsys.readouterr().err


def test_sql_prints_a_table_and_json(loaded, capsys):
    assert main(["--config", str(loaded), "sql", "SELECT count(*) AS n FROM raw.items"]) == 0
    out = capsys.readouterr().out
    assert "n" in out.splitlines()[0] and "8" in out and "(1 row)" in out
    assert (
        main(
            [
                "--config",
                str(loaded),
                "sql",
                "--format",
                "json",
                "SELECT idea_rank, label FROM marts.top_ideas ORDER BY idea_rank",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["idea_rank"] == 1 and rows[0]["label"]


def test_sql_is_read_only(loaded, capsys):
    assert main(["--config", str(loaded), "sql", "DELETE FROM raw.items"]) == 1
    assert "read-only" in capsys.readouterr().err.lower()


def test_status_lists_sources_and_counts(loaded, capsys):
    assert main(["--config", str(loaded), "status"]) == 0
    out = capsys.readouterr().out
    assert "forum" in out and "raw.items" in out and "marts.top_ideas" in out
    assert "grouping key (config): bundled:use-e5-small+request-focus" in out
    assert "0 items decided by another detector" in out
    # The share of each source's sentences counted as suggestions, from the warehouse.
    share = _source_row(out, "forum")
    sentences, suggestions = int(share["sentences"]), int(share["suggestions"])
    percent = float(share["suggestions_%"])
    assert 0 < suggestions < sentences and percent == round(100 * suggestions / sentences, 1)
    assert share["labelled"] == "0"


def test_status_counts_each_sources_labelled_sentences(loaded, capsys):
    from warehouse.db import connect

    with connect(load_settings(loaded).warehouse) as con:
        ids = [
            r[0] for r in con.execute("SELECT sentence_id FROM core.sentences LIMIT 3").fetchall()
        ]
    assert main(["--config", str(loaded), "label", ids[0], "--yes"]) == 0
    assert main(["--config", str(loaded), "label", ids[1], "--no"]) == 0
    assert main(["--config", str(loaded), "status", "--live"]) == 0
    assert _source_row(capsys.readouterr().out, "forum")["labelled"] == "2"


def test_status_shows_items_a_new_threshold_will_decide_again(loaded, capsys):
    text = loaded.read_text()
    loaded.write_text(text + "\ndetection:\n  classifier_threshold: 0.9\n")
    assert main(["--config", str(loaded), "status"]) == 0
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.startswith("suggestion detectors (config)")]
    assert "8 items decided by another detector (the next enrich decides them again)" in line
    assert _source_row(out, "forum")["to_decide_again"] == "8"


def _source_row(out: str, source: str) -> dict[str, str]:
    """The row of ``source`` in status's table of detectors, by column name."""
    lines = out[out.index("source  ", out.index("suggestion detectors")) :].splitlines()
    [row] = [line.split() for line in lines if line.startswith(f"{source} ")]
    return dict(zip(lines[0].split(), row, strict=True))


def test_status_shows_each_sources_own_detector(loaded, capsys):
    from transforms.detector import detector_id
    from transforms.settings import EnrichSettings

    assert main(["--config", str(loaded), "status"]) == 0
    plain = _source_row(capsys.readouterr().out, "forum")
    config = yaml.safe_load(loaded.read_text())
    config["sources"][0]["mine_titles"] = True
    loaded.write_text(yaml.safe_dump(config))
    assert main(["--config", str(loaded), "status"]) == 0
    titled = _source_row(capsys.readouterr().out, "forum")
    s = EnrichSettings.from_settings(load_settings(loaded))
    assert plain["detector"] == detector_id(s) != titled["detector"]
    assert titled["detector"] == detector_id(s, titles=True)
    assert plain["to_decide_again"] == "0" and titled["to_decide_again"] == "8"


def test_a_missing_config_is_a_clear_error(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "nope.yml"), "status"]) == 2
    err = capsys.readouterr().err
    assert "nope.yml not found" in err and "ideas init" in err


def test_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "idea_harvester.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("init", "run", "demo", "sql", "status"):
        assert command in out


def test_status_shows_which_sources_count_explicit_requests_only(tmp_path, capsys):
    config = tmp_path / "ideas.yml"
    config.write_text(
        "warehouse: w.duckdb\nlanding: landing\nsources:\n"
        "- {name: board, channel: rss, url: 'file:///b.xml', explicit_only: true}\n"
        "- {name: chat, channel: rss, url: 'file:///c.xml', enabled: false}\n"
        "- {name: topics, channel: rss, url: 'file:///t.xml', mine_titles: true}\n"
    )
    assert main(["--config", str(config), "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        line.split()[0] == "board" and line.endswith("enabled, explicit only")
        for line in lines
        if line.strip()
    )
    assert any(
        line.split()[0] == "topics" and line.endswith("enabled, titles mined")
        for line in lines
        if line.strip()
    )
    assert any(
        line.split()[0] == "chat" and line.endswith("disabled") for line in lines if line.strip()
    )


@pytest.mark.parametrize(
    "command",
    [
        ["to-label"],
        ["label", "s1", "--yes"],
        ["merge", "a", "b"],
        ["move", "s1"],
        ["keep-apart", "a", "b"],
        ["reconsolidate"],
        ["reconsolidate", "--dry-run"],
    ],
)
def test_commands_on_what_a_run_stored_say_to_run_first(command, tmp_path, capsys):
    """One check, one message and one exit code for every command that reads or amends the
    warehouse, and none of them leaves an empty warehouse behind."""
    warehouse = tmp_path / "w.duckdb"
    config = tmp_path / "ideas.yml"
    config.write_text(f"warehouse: {warehouse}\nlanding: {tmp_path / 'l'}\n")
    assert main(["--config", str(config), *command]) == 2
    err = capsys.readouterr().err
    assert f"warehouse {warehouse} does not exist yet: run `ideas run` (or `ideas demo`)" in err
    assert not warehouse.exists()
