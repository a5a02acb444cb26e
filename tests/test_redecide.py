"""A change of suggestion detector applies to what is already stored: the next enrich decides
those items again, keeps the ideas of the suggestions that stay, withdraws the others and
groups the new ones; an idea that loses its representative that way, or by an edit, gets
another (real enrich, real models, a real DuckDB file; items written by us)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from idea_harvester.config import Settings
from tests.pipeline_support import insert_item
from transforms import detector, enrich
from transforms.classifier import load_classifier
from transforms.settings import EnrichSettings
from warehouse.db import connect

T0 = datetime(2026, 11, 1, tzinfo=UTC)
#: A lack said without request wording: a suggestion for the classifier alone, at ~0.77.
IMPLICIT = "iOS has had offline notebooks for ages."
EXPLICIT = "Please add a dark mode to the web app."
CHATTER = "We moved to a new flat last month."
SOURCES = [
    {"name": "board", "channel": "rss", "url": "file:///board.xml"},
    {"name": "community", "channel": "rss", "url": "file:///community.xml"},
]


def _settings(sources=SOURCES, **detection) -> EnrichSettings:
    return EnrichSettings.from_settings(
        Settings(warehouse="unused.duckdb", landing="unused", sources=sources, detection=detection)
    )


def _suggestions(con) -> dict[str, str | None]:
    """sentence text -> its idea (None: a suggestion not grouped yet)."""
    return dict(
        con.execute(
            "SELECT g.suggestion_text, m.idea_id FROM core.suggestions g "
            "LEFT JOIN core.mentions m USING (sentence_id) ORDER BY 1"
        ).fetchall()
    )


def _detector_ids(con) -> dict[str, str]:
    """item id -> the detector that decided its sentences."""
    return dict(
        con.execute(
            "SELECT item_id, any_value(detector_id) FROM core.sentences GROUP BY item_id"
        ).fetchall()
    )


def _fill_and_enrich(con) -> None:
    """Two items sharing two suggestions, enriched with the default detector."""
    insert_item(con, "board-1", "board", f"{IMPLICIT} {EXPLICIT} {CHATTER}")
    insert_item(con, "community-1", "community", f"{IMPLICIT} {EXPLICIT}")
    enrich.enrich(con, _settings(), progress=lambda m: None)


def test_the_detector_id_follows_what_decides():
    base = _settings()
    assert detector.detector_id(base) == detector.detector_id(_settings())
    others = {
        detector.detector_id(base, explicit=True),
        detector.detector_id(_settings(classifier_threshold=0.9)),
        detector.detector_id(_settings(classifier_enabled=False)),
        detector.detector_id(_settings(prefilter=False)),
        detector.detector_id(dataclasses.replace(base, min_sentence_chars=30)),
    }
    assert detector.detector_id(base) not in others and len(others) == 5
    # Team authors are not part of it: enrich releases and withdraws their items itself.
    assert detector.detector_id(base) == detector.detector_id(_settings(team_authors=["x"]))


def test_retrained_weights_change_the_detector_id(tmp_path):
    weights = load_classifier("bundled").to_json()
    first = tmp_path / "w.json"
    first.write_text(json.dumps(weights))
    weights["threshold"] = 0.5
    second = tmp_path / "w2.json"
    second.write_text(json.dumps(weights))
    ids = {detector.detector_id(_settings(classifier=str(p))) for p in (first, second)}
    assert len(ids) == 2


def test_a_stricter_threshold_withdraws_stored_suggestions_and_keeps_the_rest(tmp_path):
    lines: list[str] = []
    with connect(tmp_path / "w.duckdb") as con:
        _fill_and_enrich(con)
        before = _suggestions(con)
        assert set(before) == {IMPLICIT, EXPLICIT} and all(before.values())
        count_before = con.execute("SELECT count(*) FROM core.suggestions").fetchone()[0]
        assert count_before == 4

        # The classifier alone found IMPLICIT at ~0.77; at 0.95 it is no longer a suggestion.
        strict = _settings(classifier_threshold=0.95)
        assert enrich.enrich(con, strict, progress=lines.append)["items_redecided"] == 2
        after = _suggestions(con)
        assert set(after) == {EXPLICIT}
        assert after[EXPLICIT] == before[EXPLICIT]  # same idea, same id
        assert con.execute(
            "SELECT count(*) FROM core.mentions m JOIN core.sentences c USING (sentence_id) "
            "WHERE c.sentence_text = ?",
            [IMPLICIT],
        ).fetchone() == (0,)
        assert any("deciding them again" in line and "2 items" in line for line in lines)
        assert any("added 0 suggestions and withdrew 2" in line for line in lines)
        counts = con.execute(
            "SELECT count_members FROM core.ideas WHERE idea_id = ?", [after[EXPLICIT]]
        ).fetchone()
        assert counts == (2,)

        # A rerun with the same detector decides nothing again.
        lines.clear()
        assert enrich.enrich(con, strict, progress=lines.append)["items_redecided"] == 0
        assert not any("deciding them again" in line for line in lines)

        # Back to the default: the withdrawn suggestions come back and are grouped again.
        enrich.enrich(con, _settings(), progress=lambda m: None)
        back = _suggestions(con)
        assert set(back) == {IMPLICIT, EXPLICIT} and all(back.values())
        assert back[EXPLICIT] == before[EXPLICIT]


def test_explicit_only_switched_on_re_decides_that_source_only(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        _fill_and_enrich(con)
        stamps = _detector_ids(con)
        board_only = [dict(SOURCES[0], explicit_only=True), SOURCES[1]]
        enrich.enrich(con, _settings(board_only), progress=lambda m: None)
        found = con.execute(
            "SELECT item_id, sentence_text FROM core.sentences WHERE is_suggestion "
            "ORDER BY item_id, sentence_index"
        ).fetchall()
        after = _detector_ids(con)
    assert found == [("board-1", EXPLICIT), ("community-1", IMPLICIT), ("community-1", EXPLICIT)]
    assert after["community-1"] == stamps["community-1"]
    assert after["board-1"] != stamps["board-1"]


def test_an_analysts_label_still_wins_when_the_detector_changes(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        _fill_and_enrich(con)
        (chatter_id,) = con.execute(
            "SELECT sentence_id FROM core.sentences WHERE sentence_text = ?", [CHATTER]
        ).fetchone()
        con.execute(
            "INSERT INTO core.suggestion_labels VALUES (?, ?, 'en', true, 'ana', ?, NULL)",
            [chatter_id, CHATTER, T0],
        )
        lines: list[str] = []
        enrich.enrich(con, _settings(classifier_threshold=0.95), progress=lines.append)
        assert CHATTER in _suggestions(con)
        # Deciding again honoured the label itself; it was not left for the label pass.
        assert any("added 1 suggestions and withdrew 2" in line for line in lines)
        assert not any("new analyst labels" in line for line in lines)
        assert con.execute(
            "SELECT suggestion_cue FROM core.sentences WHERE sentence_id = ?", [chatter_id]
        ).fetchone() == (enrich.ANALYST_CUE,)


def test_sentences_decided_before_detector_ids_are_decided_once_and_recut_if_needed(tmp_path):
    lines: list[str] = []
    with connect(tmp_path / "w.duckdb") as con:
        _fill_and_enrich(con)
        before = _suggestions(con)
        # A warehouse from before the column, where one item was cut by another splitter.
        con.execute("UPDATE core.sentences SET detector_id = NULL")
        con.execute(
            "UPDATE core.sentences SET sentence_id = 'old-cut' "
            "WHERE item_id = 'board-1' AND sentence_index = 2"
        )
        enrich.enrich(con, _settings(), progress=lines.append)
        assert any("since 2 items were decided" in line for line in lines)
        assert _suggestions(con) == before
        assert con.execute(
            "SELECT count(*) FROM core.sentences WHERE sentence_id = 'old-cut' "
            "OR detector_id IS NULL"
        ).fetchone() == (0,)


ASKED = "Please add offline notebooks to the Android app."


def _one_idea(con, first: str, second: str) -> str:
    """Two posts asking for the same thing, enriched: their idea's id."""
    insert_item(con, "c-1", "community", first)
    insert_item(con, "c-2", "community", second)
    enrich.enrich(con, _settings(), progress=lambda m: None)
    ideas = _suggestions(con)
    assert ideas[first] == ideas[second]  # one idea, offline notebooks
    return ideas[first]


def _representative(con, idea_id: str) -> tuple[str, str] | None:
    """(item id, text) of the idea's representative suggestion, None if it has none."""
    return con.execute(
        "SELECT g.item_id, g.suggestion_text FROM core.ideas i JOIN core.suggestions g "
        "ON g.sentence_id = i.representative_sentence_id WHERE i.idea_id = ?",
        [idea_id],
    ).fetchone()


def test_an_idea_whose_representative_is_withdrawn_keeps_its_place_with_another(tmp_path):
    from warehouse.marts import build_marts

    with connect(tmp_path / "w.duckdb") as con:
        idea_id = _one_idea(con, IMPLICIT, ASKED)
        con.execute(
            "UPDATE core.ideas SET representative_sentence_id = (SELECT sentence_id FROM "
            "core.suggestions WHERE suggestion_text = ?) WHERE idea_id = ?",
            [IMPLICIT, idea_id],
        )
        enrich.enrich(con, _settings(classifier_threshold=0.95), progress=lambda m: None)
        assert _suggestions(con) == {ASKED: idea_id}
        assert _representative(con, idea_id) == ("c-2", ASKED)
        build_marts(con, top_ideas_limit=50)
        assert con.execute(
            "SELECT representative_quote FROM marts.top_ideas WHERE idea_id = ?", [idea_id]
        ).fetchone() == (ASKED,)


def test_an_edit_that_removes_the_representative_leaves_the_idea_a_new_one(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        idea_id = _one_idea(
            con, ASKED, "It would be great if the Android app kept my notebooks offline."
        )
        (representative, _) = _representative(con, idea_id)
        # Its author rewrites the representative's post into a thank-you.
        con.execute(
            "UPDATE raw.items SET content_html = 'Thanks, it works now.', content_hash = 'h_v2' "
            "WHERE item_id = ?",
            [representative],
        )
        enrich.enrich(con, _settings(), progress=lambda m: None)
        left = _representative(con, idea_id)
    assert left is not None and left[0] != representative


def test_new_labelling_code_labels_every_idea_again_and_says_so(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        _fill_and_enrich(con)
        ideas = con.execute("SELECT count(*) FROM core.ideas").fetchone()[0]
        # As an upgrade finds them: labelled by an older version of the labelling code.
        con.execute("UPDATE core.ideas SET label = 'old label', labeller_id = 'older'")
        lines: list[str] = []
        assert enrich.enrich(con, _settings(), progress=lines.append)["ideas_relabelled"] == ideas
        assert ("old label",) not in con.execute("SELECT label FROM core.ideas").fetchall()
        assert any(f"label of {ideas} ideas again" in line for line in lines)
        # Labelled once: the next enrich has nothing to relabel.
        assert enrich.enrich(con, _settings(), progress=lines.append)["ideas_relabelled"] == 0
