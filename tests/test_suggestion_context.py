"""A suggestion that only refers back ("Please consider it.") carries the sentence before it
(real enrich, real models, a real DuckDB file; the items are written by us)."""

from __future__ import annotations

import pytest

from tests.test_team_authors import _item, _settings
from transforms import enrich
from transforms.suggestions import refers_back
from transforms.text import text_hash
from warehouse.db import connect


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Please consider it.", True),
        ("If not, please add one!", True),
        ("Would love a simple toggle for it in Settings.", True),
        ("Pourriez-vous l'ajouter ?", True),
        ("Il faudrait vraiment la proposer avant la fin de l'année.", True),
        ("Pensez-y pour la 4.9.", True),
        ("Please add a week view to the calendar.", False),
        ("Please add it to the calendar view so I can see my week.", False),
        ("Please add one more export format: Markdown.", False),
        ("Ce serait pratique de pouvoir créer des tâches récurrentes.", False),
    ],
)
def test_requests_whose_object_is_only_a_pronoun_refer_back(sentence, expected):
    assert refers_back(sentence) is expected


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        _item(
            con,
            "a",
            "ana",
            "I keep medical notes here. Encrypt them on my device. Please consider it.",
        )
        _item(con, "b", "bo", "Pourriez-vous l'ajouter ?")  # nothing before it: kept as it is
        yield con


def _texts(con) -> dict[tuple[str, int], tuple[str, str]]:
    return {
        (item, index): (text, hashed)
        for item, index, text, hashed in con.execute(
            "SELECT g.item_id, c.sentence_index, g.suggestion_text, g.text_hash "
            "FROM core.suggestions g JOIN core.sentences c USING (sentence_id)"
        ).fetchall()
    }


def test_the_suggestion_that_refers_back_is_embedded_and_grouped_with_its_context(con):
    enrich.enrich(con, _settings([]), progress=lambda m: None)
    texts = _texts(con)
    with_context = "Encrypt them on my device. Please consider it."
    assert texts[("a", 2)] == (with_context, text_hash(with_context))
    assert texts[("b", 0)][0] == "Pourriez-vous l'ajouter ?"
    # The embedding and the mention use that text; a rerun changes nothing.
    (embedded,) = con.execute(
        "SELECT count(*) FROM core.embeddings WHERE text_hash = ?", [text_hash(with_context)]
    ).fetchone()
    assert embedded >= 1
    mentions = con.execute("SELECT count(*) FROM core.mentions").fetchone()
    enrich.enrich(con, _settings([]), progress=lambda m: None)
    assert _texts(con) == texts
    assert con.execute("SELECT count(*) FROM core.mentions").fetchone() == mentions
