"""Analyst overrides and reconsolidation on hand-made rows and vectors (no model needed).

Suggestions and their embeddings are written straight into the warehouse under a test model
id, then the enrich step's grouping runs on them, as it does after segmentation.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from idea_harvester import overrides
from idea_harvester.config import GroupingSettings, Settings
from transforms import enrich, idea_store
from transforms.grouping import idea_id_for
from transforms.settings import EnrichSettings
from warehouse.db import connect

MODEL = "test:hand-made"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
DIM = 6


def vec(*axes: float) -> list[float]:
    v = np.zeros(DIM, dtype=np.float32)
    v[: len(axes)] = axes
    return (v / np.linalg.norm(v)).tolist()


# A vectors: dark mode; B: CSV export; C: two-factor login.
DARK = vec(1, 0, 0)
DARK2 = vec(0.95, 0.3, 0)
CSV = vec(0, 1, 0)
CSV2 = vec(0.1, 0.98, 0.1)
TWO_FA = vec(0, 0, 1)


def grouping_settings(**kw) -> GroupingSettings:
    # request_focus off: the hand-made vectors are stored under MODEL itself, not under the
    # "+request-focus" grouping key that real embeddings get.
    base = {
        "components_removed": 0,
        "near_duplicates": True,
        "merge_similarity": 0.9,
        "request_focus": False,
    }
    return GroupingSettings(**{**base, **kw})


def enrich_settings(**kw) -> EnrichSettings:
    return EnrichSettings(
        model_id=MODEL,
        suggestion_min_score=0.5,
        idea_similarity=0.8,
        min_sentence_chars=5,
        grouping=grouping_settings(**kw),
    )


def add(con, sid: str, text: str, vector: list[float], hours: int, language: str = "en") -> None:
    item = "i_" + sid
    at = T0 + timedelta(hours=hours)
    con.execute(
        "INSERT INTO raw.items (item_id, source_name, channel, native_id, content_html, "
        "content_hash, fetched_at, published_at, batch_id, author) "
        "VALUES (?, 'src', 'rss', ?, ?, 'h', ?, ?, 'b', ?)",
        [item, sid, text, at, at, "author_" + sid],
    )
    con.execute(
        "INSERT INTO core.suggestions (sentence_id, item_id, suggestion_text, text_hash, "
        "language, suggestion_score, suggestion_cue) VALUES (?, ?, ?, ?, ?, 0.9, 'cue')",
        [sid, item, text, "th_" + text, language],
    )
    con.execute(
        "INSERT OR IGNORE INTO core.embeddings VALUES (?, ?, ?)", ["th_" + text, MODEL, vector]
    )


def ideas_of(con) -> dict[str, str]:
    return dict(con.execute("SELECT sentence_id, idea_id FROM core.mentions").fetchall())


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        add(con, "s1", "Please add a dark mode.", DARK, 0)
        add(con, "s2", "Export to CSV please.", CSV, 1)
        add(con, "s3", "A dark theme would be great.", DARK2, 2)
        add(con, "s4", "Two-factor login, please.", TWO_FA, 3)
        enrich._group_new_suggestions(con, enrich_settings())
        yield con


def test_grouping_on_hand_made_rows(con):
    got = ideas_of(con)
    assert got["s1"] == got["s3"] == idea_id_for("s1")
    assert len(set(got.values())) == 3
    count = con.execute(
        "SELECT count_members FROM core.ideas WHERE idea_id = ?", [idea_id_for("s1")]
    ).fetchone()[0]
    assert count == 2


def test_a_copy_pasted_suggestion_joins_its_twin_without_embedding_comparison(con):
    # The same words as s2 (punctuation changed) but an embedding pointing elsewhere:
    # the lexical pass decides, not the vectors.
    add(con, "s5", "Export to CSV, please!", TWO_FA, 4)
    add(con, "s6", "export to csv please.", DARK, 5)  # exact after normalisation
    enrich._group_new_suggestions(con, enrich_settings())
    got = ideas_of(con)
    assert got["s5"] == got["s2"] and got["s6"] == got["s2"]
    off = ideas_of_without_near_dups(con)
    assert off["s7"] != got["s2"]


def ideas_of_without_near_dups(con) -> dict[str, str]:
    add(con, "s7", "Export to CSV please!!", TWO_FA, 6)
    enrich._group_new_suggestions(con, enrich_settings(near_duplicates=False))
    return ideas_of(con)


def test_a_merge_is_recorded_and_new_similar_suggestions_land_in_the_survivor(con):
    dark, csv = idea_id_for("s1"), idea_id_for("s2")
    overrides.merge_ideas(con, csv, dark, by="ana", note="same epic")
    assert con.execute("SELECT count(*) FROM core.ideas WHERE idea_id = ?", [csv]).fetchone() == (
        0,
    )
    assert con.execute(
        "SELECT to_idea_id, reason, decided_by FROM core.idea_redirects WHERE from_idea_id = ?",
        [csv],
    ).fetchone() == (dark, "analyst", "ana")
    add(con, "s8", "CSV exports for my reports.", CSV2, 10)
    enrich._group_new_suggestions(con, enrich_settings())
    assert ideas_of(con)["s8"] == dark
    with pytest.raises(overrides.OverrideError, match=f"{csv} was merged into {dark}"):
        overrides.merge_ideas(con, csv, idea_id_for("s4"), by=None, note=None)
    with pytest.raises(overrides.OverrideError, match="no idea 'idea_nope'"):
        overrides.merge_ideas(con, "idea_nope", dark, by=None, note=None)


def test_a_moved_mention_stays_moved_and_is_never_merged_back(con, tmp_path):
    dark = idea_id_for("s1")
    result = overrides.move_mention(con, "s3", None, by="ana", note="different request")
    new_idea = result["to"]
    assert new_idea != dark and ideas_of(con)["s3"] == new_idea
    # Its item is edited: the pipeline drops and regroups its mention; the move holds.
    con.execute("DELETE FROM core.mentions WHERE sentence_id = 's3'")
    add(con, "s9", "Dark mode please, again.", DARK, 12)
    enrich._group_new_suggestions(con, enrich_settings())
    got = ideas_of(con)
    assert got["s3"] == new_idea and got["s9"] == dark
    # Reconsolidation would merge the two (their centroids are close), but they are kept apart.
    settings = Settings(
        warehouse=tmp_path / "unused.duckdb",
        landing=tmp_path,
        model={"embedding_model": MODEL},
        grouping=grouping_settings(merge_similarity=0.5),
    )
    counts = overrides.reconsolidate(con, settings)
    assert counts["ideas_merged"] == 0
    assert ideas_of(con)["s3"] == new_idea
    with pytest.raises(overrides.OverrideError, match="no mention 'nope'"):
        overrides.move_mention(con, "nope", None, by=None, note=None)


def test_move_into_an_existing_idea(con):
    overrides.move_mention(con, "s4", idea_id_for("s2"), by=None, note=None, at=T0)
    assert ideas_of(con)["s4"] == idea_id_for("s2")
    stamps = con.execute(
        "SELECT decided_at FROM core.mention_overrides UNION ALL "
        "SELECT decided_at FROM core.idea_keep_apart"
    ).fetchall()
    assert [row[0].astimezone(UTC) for row in stamps] == [T0, T0]
    assert con.execute(
        "SELECT count_members FROM core.ideas WHERE idea_id = ?", [idea_id_for("s2")]
    ).fetchone() == (2,)


def test_reconsolidation_merges_into_the_older_idea_without_renumbering(con, tmp_path):
    # Two ideas that were founded apart (strict threshold) and are alike.
    add(con, "t1", "Offline maps.", vec(0, 0, 0, 1), 20)
    add(con, "t2", "Maps without network.", vec(0, 0, 0, 1, 0.8), 21)
    enrich._group_new_suggestions(con, enrich_settings())
    before = ideas_of(con)
    assert before["t1"] != before["t2"]
    settings = Settings(
        warehouse=tmp_path / "unused.duckdb",
        landing=tmp_path,
        model={"embedding_model": MODEL},
        grouping=grouping_settings(merge_similarity=0.75),
    )
    run_at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)  # the run's logical time, not the clock
    counts = overrides.reconsolidate(con, settings, run_id="run-9", at=run_at)
    assert counts["ideas_merged"] == 1
    after = ideas_of(con)
    assert after["t2"] == before["t1"] == idea_id_for("t1")  # the older id survives
    assert {k: v for k, v in after.items() if k != "t2"} == {
        k: v for k, v in before.items() if k != "t2"
    }
    assert con.execute(
        "SELECT to_idea_id, reason, decided_by FROM core.idea_redirects WHERE from_idea_id = ?",
        [idea_id_for("t2")],
    ).fetchone() == (idea_id_for("t1"), "reconsolidation", "run-9")
    decided_at = con.execute(
        "SELECT decided_at FROM core.idea_redirects WHERE from_idea_id = ?", [idea_id_for("t2")]
    ).fetchone()[0]
    assert decided_at.astimezone(UTC) == run_at
    assert overrides.reconsolidate(con, settings)["ideas_merged"] == 0  # nothing left


def test_keep_apart_blocks_reconsolidation(con, tmp_path):
    add(con, "t1", "Offline maps.", vec(0, 0, 0, 1), 20)
    add(con, "t2", "Maps without network.", vec(0, 0, 0, 1, 0.8), 21)
    enrich._group_new_suggestions(con, enrich_settings())
    overrides.keep_apart(con, idea_id_for("t1"), idea_id_for("t2"), by="ana", note=None)
    settings = Settings(
        warehouse=tmp_path / "unused.duckdb",
        landing=tmp_path,
        model={"embedding_model": MODEL},
        grouping=grouping_settings(merge_similarity=0.75),
    )
    assert overrides.reconsolidate(con, settings)["ideas_merged"] == 0


def refit_settings(tmp_path, separation_loss: float) -> Settings:
    """A refit of one direction on any corpus of 3 or more, merging only near-identical ideas;
    ``separation_loss``: how much worse the refit may keep the ideas apart."""
    return Settings(
        warehouse=tmp_path / "unused.duckdb",
        landing=tmp_path,
        model={"embedding_model": MODEL},
        grouping=GroupingSettings(
            components_removed=1,
            min_corpus_for_fit=3,
            merge_similarity=0.99,
            request_focus=False,
            refit_max_separation_loss=separation_loss,
        ),
    )


def test_a_refit_recomputes_centroids_and_never_renumbers(con, tmp_path):
    before = ideas_of(con)
    settings = refit_settings(tmp_path, 1.0)  # the mechanics of a refit, whatever it costs
    assert overrides.reconsolidate(con, settings)["space_source"] == "corpus"
    assert ideas_of(con) == before
    add(con, "u1", "Bigger fonts.", vec(0, 0, 0, 0, 0, 1), 30)
    add(con, "u2", "Larger text size.", vec(0, 0, 0, 0, 0.2, 1), 31)
    enrich._group_new_suggestions(con, enrich_settings(components_removed=1))
    before = ideas_of(con)
    counts = overrides.reconsolidate(con, settings)
    assert counts["space_refitted"] and counts["space_source"] == "corpus"
    assert ideas_of(con) == before
    (space_id,) = con.execute(
        "SELECT space_id FROM core.grouping_spaces WHERE model_id = ?", [MODEL]
    ).fetchone()
    stale = con.execute(
        "SELECT count(*) FROM core.ideas i LEFT JOIN core.idea_centroids c USING (idea_id) "
        "WHERE i.count_members > 0 AND c.space_id IS DISTINCT FROM ?",
        [space_id],
    ).fetchone()[0]
    assert stale == 0


def test_a_refit_that_would_scatter_the_ideas_is_refused(tmp_path, caplog):
    # Two big ideas make most of this corpus: its top principal direction is the difference
    # between them, so a space fitted on it would remove what tells them apart.
    rng = np.random.default_rng(5)
    with connect(tmp_path / "w.duckdb") as con:
        for n in range(24):
            axis = vec(1, 0, 0) if n % 2 else vec(0, 1, 0)
            noisy = np.asarray(axis) + 0.15 * rng.standard_normal(DIM)
            add(con, f"b{n}", f"big idea text {n}", (noisy / np.linalg.norm(noisy)).tolist(), n)
        enrich._group_new_suggestions(con, enrich_settings(near_duplicates=False))
        before = ideas_of(con)
        assert len(set(before.values())) == 2

        lines: list[str] = []
        with caplog.at_level("WARNING", logger="transforms.idea_store"):
            counts = overrides.reconsolidate(
                con, refit_settings(tmp_path, 0.1), progress=lines.append
            )
        assert not counts["space_refitted"] and counts["space_source"] != "corpus"
        assert "kept the current grouping space" in caplog.text
        assert "refit_max_separation_loss" in caplog.text
        assert "refit_on_reconsolidate: false" in caplog.text
        assert any("existing ideas kept apart: 100.0%" in line for line in lines)
        assert ideas_of(con) == before
        # An analyst who wants the refit anyway raises the allowed loss.
        forced = overrides.reconsolidate(con, refit_settings(tmp_path, 1.0))
        assert forced["space_refitted"] and forced["space_source"] == "corpus"


def test_a_refused_first_fit_is_remembered_until_the_corpus_grows_by_half(
    tmp_path, caplog, monkeypatch
):
    # Enrich fits a space for a model that ships none, once the corpus is large enough. On
    # two big ideas the fit is refused; the next runs must not fit and check it all again.
    rng = np.random.default_rng(5)

    def add_big(con, start: int, stop: int) -> None:
        for n in range(start, stop):
            axis = vec(1, 0, 0) if n % 2 else vec(0, 1, 0)
            noisy = np.asarray(axis) + 0.15 * rng.standard_normal(DIM)
            add(con, f"b{n}", f"big idea text {n}", (noisy / np.linalg.norm(noisy)).tolist(), n)

    fits: list[int] = []
    real_fit = idea_store.grouping.fit_space
    monkeypatch.setattr(
        idea_store.grouping, "fit_space", lambda v, k, *a: fits.append(len(v)) or real_fit(v, k, *a)
    )
    gs = refit_settings(tmp_path, 0.1).grouping
    with connect(tmp_path / "w.duckdb") as con:
        add_big(con, 0, 24)
        enrich._group_new_suggestions(con, enrich_settings(near_duplicates=False))
        con.execute("DELETE FROM core.grouping_spaces")  # as for a model never seen before
        with caplog.at_level("WARNING", logger="transforms.idea_store"):
            assert idea_store.active_space(con, MODEL, gs).is_identity
        assert fits == [24] and "kept the current grouping space" in caplog.text
        # The advice is enrich's (reconsolidation's setting would not stop this fit).
        assert "tries again once the warehouse holds 36 distinct suggestion texts" in caplog.text
        assert "refit_on_reconsolidate" not in caplog.text
        assert idea_store.refused_fit_at(con, MODEL) == 24

        add_big(con, 24, 35)  # 35 texts: less than half again
        assert idea_store.active_space(con, MODEL, gs).is_identity
        assert fits == [24]
        add_big(con, 35, 36)  # 36 = 24 * 1.5: tried again, refused again
        assert idea_store.active_space(con, MODEL, gs).is_identity
        assert fits == [24, 36] and idea_store.refused_fit_at(con, MODEL) == 36
        # A fit that is taken clears the memory.
        loose = gs.model_copy(update={"refit_max_separation_loss": 1.0})
        add_big(con, 36, 54)
        assert idea_store.active_space(con, MODEL, loose).source == "corpus"
        assert fits == [24, 36, 54] and idea_store.refused_fit_at(con, MODEL) is None


def test_the_cli_merges_moves_and_names_unknown_ids(tmp_path, capsys):
    from idea_harvester import cli
    from tests.pipeline_support import write_config

    settings = write_config(tmp_path, [])
    with connect(settings.warehouse) as con:
        add(con, "s1", "Please add a dark mode.", DARK, 0)
        add(con, "s2", "Export to CSV please.", CSV, 1)
        enrich._group_new_suggestions(con, enrich_settings())
    config = ["--config", str(tmp_path / "ideas.yml")]
    assert cli.main([*config, "merge", "idea_nope", idea_id_for("s1")]) == 1
    err = capsys.readouterr().err
    assert "no idea 'idea_nope'" in err and "marts.top_ideas" in err
    code = cli.main(
        [*config, "merge", idea_id_for("s2"), idea_id_for("s1"), "--by", "ana", "--note", "dup"]
    )
    assert code == 0 and "merged" in capsys.readouterr().out
    assert cli.main([*config, "move", "s2"]) == 0
    assert cli.main([*config, "move", "nope", "--to", idea_id_for("s1")]) == 1
    assert "no mention 'nope'" in capsys.readouterr().err
    with connect(settings.warehouse, read_only=True) as con:
        steps = {r[0] for r in con.execute("SELECT step FROM meta.runs").fetchall()}
        moved = con.execute(
            "SELECT to_idea_id FROM core.mention_overrides WHERE sentence_id = 's2'"
        ).fetchone()[0]
    assert {"override:merge", "override:move"} <= steps
    assert moved == idea_id_for("moved:s2")
    assert cli.main([*config, "reconsolidate"]) == 0
    assert '"ideas_merged": 0' in capsys.readouterr().out


def test_a_dry_run_shows_the_merges_and_changes_nothing(tmp_path):
    from idea_harvester import steps
    from idea_harvester.run_context import RunContext

    warehouse = tmp_path / "w.duckdb"
    with connect(warehouse) as con:
        add(con, "t1", "Offline maps.", vec(0, 0, 0, 1), 20)
        add(con, "t2", "Maps without network.", vec(0, 0, 0, 1, 0.8), 21)
        add(con, "s4", "Two-factor login, please.", TWO_FA, 3)
        enrich._group_new_suggestions(con, enrich_settings())
        before = ideas_of(con)
    settings = Settings(
        warehouse=warehouse,
        landing=tmp_path,
        model={"embedding_model": MODEL},
        grouping=grouping_settings(merge_similarity=None),
    )
    ctx = RunContext("run-dry", T0)
    dry = steps.reconsolidate(settings, ctx, dry_run=True, threshold=0.75, with_merges=True)
    assert dry["dry_run"] is True and dry["ideas_merged"] == 1
    [merge] = dry["merges"]
    assert (merge["from"], merge["into"]) == (idea_id_for("t2"), idea_id_for("t1"))
    assert merge["from_quote"] == "Maps without network." and merge["similarity"] >= 0.75
    with connect(warehouse, read_only=True) as con:
        assert ideas_of(con) == before
        assert con.execute("SELECT count(*) FROM core.idea_redirects").fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM meta.runs WHERE step = 'reconsolidate'"
        ).fetchone() == (0,)
    # The same for real: the merge is recorded.
    done = steps.reconsolidate(settings, ctx, threshold=0.75)
    assert done["ideas_merged"] == 1 and "merges" not in done  # XCom gets counts only
    with connect(warehouse, read_only=True) as con:
        assert ideas_of(con)["t2"] == idea_id_for("t1")
        assert con.execute(
            "SELECT count(*) FROM meta.runs WHERE step = 'reconsolidate'"
        ).fetchone() == (1,)


def test_the_merge_threshold_defaults_to_the_join_threshold():
    from transforms.grouping import GroupingSpace

    identity, fitted = GroupingSpace(), GroupingSpace(mean=np.zeros(DIM, np.float32))
    gs = grouping_settings(merge_similarity=None, similarity=0.2)
    assert idea_store.merge_threshold(fitted, gs, raw_threshold=0.5) == 0.2
    assert idea_store.merge_threshold(identity, gs, raw_threshold=0.5) == 0.5
    assert idea_store.merge_threshold(fitted, gs, 0.5, override=0.3) == 0.3
    configured = grouping_settings(merge_similarity=0.4)
    assert idea_store.merge_threshold(fitted, configured, 0.5) == 0.4


def test_the_cli_dry_run_prints_each_merge_with_its_quotes(tmp_path, capsys):
    import yaml

    from idea_harvester import cli

    with connect(tmp_path / "w.duckdb") as con:
        add(con, "t1", "Offline maps.", vec(0, 0, 0, 1), 20)
        add(con, "t2", "Maps without network.", vec(0, 0, 0, 1, 0.8), 21)
        enrich._group_new_suggestions(con, enrich_settings())
    config = tmp_path / "ideas.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "warehouse": "w.duckdb",
                "landing": "landing",
                "model": {"embedding_model": MODEL},
                "grouping": {"components_removed": 0, "request_focus": False},
            }
        )
    )
    args = ["--config", str(config), "reconsolidate", "--dry-run", "--threshold", "0.75"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert (
        f"would merge {idea_id_for('t2')} into {idea_id_for('t1')} (similarity 0.781): "
        "“Maps without network.” -> “Offline maps.”"
    ) in out
    assert '"dry_run": true' in out
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM core.idea_redirects").fetchone() == (0,)
    assert "--dry-run" in _help(cli, "reconsolidate")


def _help(cli, command: str) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        cli.main([command, "--help"])
    return out.getvalue()


# --- representatives and labels -----------------------------------------------------------


def _label(con, idea_id: str) -> str:
    return con.execute("SELECT label FROM core.ideas WHERE idea_id = ?", [idea_id]).fetchone()[0]


def _label_of_one_idea(tmp_path, members, similarity: float | None = None) -> str:
    """Group ``members`` ((sentence id, text, vector), oldest first) into one idea and return
    its label."""
    settings = enrich_settings()
    if similarity is not None:
        settings = dataclasses.replace(settings, idea_similarity=similarity)
    with connect(tmp_path / "w.duckdb") as con:
        for hours, (sid, text, vector) in enumerate(members):
            add(con, sid, text, vector, hours)
        enrich._group_new_suggestions(con, settings)
        assert len(set(ideas_of(con).values())) == 1
        return _label(con, idea_id_for(members[0][0]))


def test_the_most_typical_member_names_the_idea_unless_its_label_points_back(tmp_path):
    label = _label_of_one_idea(
        tmp_path,
        [
            ("a1", "Sync notes over my home network.", vec(1, 0.2, 0)),
            ("a2", "It should sync over the home network too.", vec(1, 0, 0)),  # centre
            ("a3", "Local network sync for my notes.", vec(1, -0.2, 0)),
        ],
    )
    # a2 is the most typical, but "It should sync ..." points back: a1, as typical within
    # the margin (and the older of the two), names the idea.
    assert label == "Sync notes over my home network"


def test_a_far_less_typical_member_does_not_replace_one_that_points_back(tmp_path):
    label = _label_of_one_idea(
        tmp_path,
        [
            ("b1", "Sync notes over my home network.", vec(1, 1.2, 0)),
            ("b2", "It should sync over the home network too.", vec(1, 0.1, 0)),
            ("b3", "It would sync on the local network.", vec(1, -0.1, 0)),
        ],
        similarity=0.5,
    )
    # b1 is 0.14 less typical than b2 (margin 0.1): the most typical member stays
    assert label == "It should sync over the home network too"


LONG = "I keep losing my place in long documents and want to jump between headings quickly."


def test_a_member_whose_label_names_the_request_names_the_idea_if_nearly_as_typical(tmp_path):
    label = _label_of_one_idea(
        tmp_path,
        [
            ("c1", "Please add an outline view.", vec(1, 0.2, 0)),
            ("c2", LONG, vec(1, 0, 0)),  # the centre, but its label is cut short
            ("c3", "Headings I can jump between.", vec(1, -0.2, 0)),
        ],
    )
    # c1 is 0.02 less typical than c2, whose label ("I keep losing my place in long
    # documents", cut short) does not name what is asked; c3's does not either (no request
    # wording).
    assert label == "Outline view"


def test_a_far_less_typical_member_does_not_name_the_idea_for_a_better_label(tmp_path):
    label = _label_of_one_idea(
        tmp_path,
        [
            ("d1", "Please add an outline view.", vec(1, 0.5, 0)),
            ("d2", LONG, vec(1, 0, 0)),
            ("d3", "Headings I can jump between.", vec(1, -0.5, 0)),
        ],
        similarity=0.5,
    )
    # d1 is 0.1 less typical than d2: more than the 0.05 a label that names the request is
    # worth
    assert label.startswith("I keep losing my place")


def test_ideas_labelled_by_other_labelling_code_are_labelled_again(con):
    from transforms.representatives import labeller_id, repair_representatives

    dark, csv = idea_id_for("s1"), idea_id_for("s2")
    assert con.execute("SELECT DISTINCT labeller_id FROM core.ideas").fetchall() == [
        (labeller_id(),)
    ]
    # As an upgrade finds them: one idea labelled by this code, one by an older version.
    con.execute("UPDATE core.ideas SET label = 'kept as is' WHERE idea_id = ?", [dark])
    con.execute(
        "UPDATE core.ideas SET label = 'old label', labeller_id = 'older' WHERE idea_id = ?",
        [csv],
    )
    assert repair_representatives(con, enrich_settings()) == 1
    assert _label(con, dark) == "kept as is"
    assert _label(con, csv) == "Export to CSV"
    assert con.execute(
        "SELECT labeller_id FROM core.ideas WHERE idea_id = ?", [csv]
    ).fetchone() == (labeller_id(),)


def test_a_label_language_names_ideas_in_it_when_a_member_in_it_is_nearly_as_typical(tmp_path):
    from transforms.representatives import labeller_id, repair_representatives

    with connect(tmp_path / "w.duckdb") as con:
        add(con, "e1", "Please add an outline view.", vec(1, 0, 0), 0)  # the centre
        add(con, "e2", "Ajoutez un plan du document.", vec(1, 0.2, 0), 1, language="fr")
        add(con, "e3", "A document outline, please.", vec(1, -0.2, 0), 2)
        enrich._group_new_suggestions(con, enrich_settings())
        idea = idea_id_for("e1")
        assert _label(con, idea) == "Outline view"
        # The setting changes the labeller's id: the next enrich's repair labels it again.
        french = enrich_settings(label_language="fr")
        assert labeller_id("fr") != labeller_id()
        assert repair_representatives(con, french) == 1
        assert _label(con, idea) == "Plan du document"
        assert repair_representatives(con, french) == 0
        # A language none of the members is in changes nothing but the id.
        assert repair_representatives(con, enrich_settings(label_language="de")) == 1
        assert _label(con, idea) == "Outline view"


def test_an_analysts_merge_labels_the_survivor_in_the_configured_language(con):
    dark = idea_id_for("s1")
    add(con, "s5", "Un thème sombre, s'il vous plaît.", vec(0.95, 0, 0, 0.31), 4, language="fr")
    enrich._group_new_suggestions(con, enrich_settings())
    assert ideas_of(con)["s5"] == dark and _label(con, dark) == "Dark mode"
    overrides.move_mention(con, "s5", None, by="ana", note=None)  # now an idea of its own
    assert ideas_of(con)["s5"] != dark
    overrides.merge_ideas(con, ideas_of(con)["s5"], dark, by="ana", note=None, label_language="fr")
    assert _label(con, dark) == "Thème sombre"  # 0.016 less typical than "Dark mode"
