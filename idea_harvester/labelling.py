"""Analysts' labels: which sentences to label next, and recording labels one by one or in bulk.

``ideas to-label`` lists the stored, unlabelled sentences whose verdict is least certain
(the detector's score nearest the score the sentence needs): a label there corrects the
likeliest mistakes and teaches the classifier the most. With ``--csv`` it writes them to a
file an analyst fills in (column ``label``: 1 / 0, yes / no, or empty to skip), which
``ideas label --from`` records. Labels go to ``core.suggestion_labels``; the next enrich
applies them over the detector and ``ideas train-classifier`` learns from them. With
``--random`` it draws the sentences at random instead: the fair sample for measuring the
detector on one's own channels and for training.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from idea_harvester.config import Settings
from idea_harvester.evaluation import EvalDataError, parse_label, read_rows
from transforms.classifier import SuggestionClassifier, load_classifier, rule_features
from transforms.sentences import TEAM_CUE
from warehouse.db import transaction

#: The columns ``ideas to-label --csv`` writes. ``ideas label --from`` reads sentence_id and
#: label; text and label also make it a file for ``ideas eval suggestions`` and ``ideas
#: train-classifier --data``.
CSV_COLUMNS = ("sentence_id", "source", "score", "needed", "decided", "text", "label")


@dataclass(frozen=True)
class Boundary:
    """Where the configured detector turns a sentence's score into a verdict."""

    #: The classifier's threshold (the config's, else the weights'), or the rules' minimum
    #: score when the classifier is off.
    threshold: float
    #: The classifier (None when the rules alone decide): it raises the bar for questions
    #: without a request cue and vetoes how-to questions.
    classifier: SuggestionClassifier | None = None

    @classmethod
    def of(cls, settings: Settings) -> Boundary:
        from transforms.settings import EnrichSettings

        s = EnrichSettings.from_settings(settings)
        if s.classifier is None:
            return cls(s.suggestion_min_score)
        clf = load_classifier(s.classifier)
        return cls(s.classifier_threshold or clf.threshold, clf)

    def scores_in_play(self) -> tuple[float, ...]:
        """Every score at which some sentence changes verdict."""
        if self.classifier is None or self.classifier.question_threshold is None:
            return (self.threshold,)
        return (self.threshold, max(self.threshold, self.classifier.question_threshold))

    def needed(self, sentence: str, language: str) -> float | None:
        """The score this sentence needs to be a suggestion; None if no score makes it one."""
        if self.classifier is None:
            return self.threshold
        return self.classifier.needed_probability(rule_features(sentence, language), self.threshold)


@dataclass(frozen=True)
class Candidate:
    """A stored sentence to label: the detector's score, the score it needs to be a
    suggestion (None: no score makes it one), and the verdict."""

    sentence_id: str
    source: str
    score: float
    needed: float | None
    is_suggestion: bool
    text: str


def least_certain(
    con: duckdb.DuckDBPyConnection,
    boundary: Boundary,
    limit: int,
    source: str | None = None,
) -> list[Candidate]:
    """Unlabelled sentences the detector scored, nearest the score they need first (ties by
    id). Sentences it never scored (cleared by the prefilter, outside an ``explicit_only``
    source's cues, written by the team) have score 0 and are left out, and so are those no
    score would make suggestions (how-to questions without a request cue).

    Rows come nearest any score in play first, so the scan stops as soon as no further row
    can be nearer its own boundary than the ``limit``-th best found."""
    scores = list(boundary.scores_in_play())
    distance = " , ".join(f"abs(s.suggestion_score - {float(v)!r})" for v in scores)
    cursor = con.execute(
        f"""
        SELECT s.sentence_id, i.source_name, s.suggestion_score, s.is_suggestion,
               s.sentence_text, s.language, least({distance}) AS nearest
        FROM core.sentences s
        JOIN raw.items i USING (item_id)
        WHERE s.suggestion_score > 0
          AND s.sentence_id NOT IN (SELECT sentence_id FROM core.suggestion_labels)
          AND (?::VARCHAR IS NULL OR i.source_name = ?)
        ORDER BY nearest, s.sentence_id
        """,
        [source, source],
    )
    best: list[tuple[float, str, Candidate]] = []  # (distance, id, ...), nearest first
    while rows := cursor.fetchmany(1000):
        for sentence_id, name, score, flag, text, language, nearest in rows:
            if len(best) == limit and nearest > best[-1][0]:
                return [c for _, _, c in best]
            needed = boundary.needed(text, language)
            if needed is None:
                continue
            candidate = Candidate(sentence_id, name, score, needed, flag, text)
            bisect.insort(best, (abs(score - needed), sentence_id, candidate))
            del best[limit:]
    return [c for _, _, c in best]


def random_sample(
    con: duckdb.DuckDBPyConnection,
    boundary: Boundary,
    limit: int,
    min_chars: int,
    source: str | None = None,
    seed: int = 0,
) -> list[Candidate]:
    """Unlabelled sentences drawn at random (the same ``seed`` draws the same ones) among all
    those the detector decides: at least ``min_chars`` long, not written by the team,
    scored or not. Labelled, they measure the detector on these channels (``ideas eval
    suggestions``) and make a fair training sample; the sentences nearest the threshold
    alone do not (docs/quality-research.md, tenth session)."""
    rows = con.execute(
        """
        SELECT s.sentence_id, i.source_name, s.suggestion_score, s.is_suggestion,
               s.sentence_text, s.language
        FROM core.sentences s
        JOIN raw.items i USING (item_id)
        WHERE length(s.sentence_text) >= ?
          AND coalesce(s.suggestion_cue, '') <> ?
          AND s.sentence_id NOT IN (SELECT sentence_id FROM core.suggestion_labels)
          AND (?::VARCHAR IS NULL OR i.source_name = ?)
        ORDER BY hash(s.sentence_id || ?::VARCHAR), s.sentence_id
        LIMIT ?
        """,
        [min_chars, TEAM_CUE, source, source, str(seed), limit],
    ).fetchall()
    return [
        Candidate(r[0], r[1], float(r[2] or 0.0), boundary.needed(r[4], r[5]), bool(r[3]), r[4])
        for r in rows
    ]


def write_csv(path: Path, sentences: Iterable[Candidate]) -> int:
    """Write ``sentences`` for labelling (column ``label`` left empty); returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for s in sentences:
            decided = "yes" if s.is_suggestion else "no"
            needed = "" if s.needed is None else f"{s.needed:.2f}"
            score = f"{s.score:.3f}"
            writer.writerow([s.sentence_id, s.source, score, needed, decided, s.text, ""])
            count += 1
    return count


def read_csv(path: Path) -> list[tuple[str, bool]]:
    """(sentence_id, is_suggestion) of each labelled row of a ``sentence_id,...,label`` file;
    rows with an empty label are skipped. Raises EvalDataError naming the file and line."""
    labels = []
    for line, row in enumerate(read_rows(Path(path), ("sentence_id", "label")), start=2):
        sentence_id, label = row["sentence_id"].strip(), parse_label(row["label"])
        if not row["label"].strip():
            continue
        if label is None:
            raise EvalDataError(
                f"{path}: line {line}: label must be 1 or 0 (yes or no), or empty to skip; "
                f"found {row['label']!r}"
            )
        if not sentence_id:
            raise EvalDataError(f"{path}: line {line}: no sentence_id")
        labels.append((sentence_id, label))
    return labels


def record(
    con: duckdb.DuckDBPyConnection,
    labels: list[tuple[str, bool]],
    by: str | None = None,
    note: str | None = None,
) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """Store each (sentence_id, is_suggestion) in ``core.suggestion_labels`` (a new label of a
    sentence replaces its old one), in one transaction. Returns the recorded (sentence_id,
    text, is_suggestion) and the ids not found in ``core.sentences`` (not recorded). A
    sentence labelled twice keeps its last label."""
    labels = list(dict(labels).items())
    ids = [sentence_id for sentence_id, _ in labels]
    found = dict(
        (r[0], (r[1], r[2]))
        for r in con.execute(
            "SELECT sentence_id, sentence_text, language FROM core.sentences "
            "WHERE sentence_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids],
        ).fetchall()
    )
    now = datetime.now(UTC)
    rows = [
        [sentence_id, *found[sentence_id], flag, by, now, note]
        for sentence_id, flag in labels
        if sentence_id in found
    ]
    if rows:
        with transaction(con):
            con.executemany(
                "INSERT OR REPLACE INTO core.suggestion_labels VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )
    recorded = [(r[0], r[1], r[3]) for r in rows]
    return recorded, [sentence_id for sentence_id in ids if sentence_id not in found]
