"""The sentence-level suggestion classifier: training, the weights file, the combination policy
with the rules, analysts' corrections, and the `train-classifier` / `label` commands.

All sentences here are written by us (no shared data)."""

from __future__ import annotations

import csv
import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from idea_harvester.cli import main
from idea_harvester.config import Settings
from idea_harvester.evaluation import EvalDataError
from idea_harvester.run_context import RunContext
from idea_harvester.steps import run_all
from idea_harvester.training import train_classifier
from tests.pipeline_support import loaded_feed_warehouse
from transforms import embeddings
from transforms.classifier import (
    RULE_FEATURES,
    ClassifierError,
    SuggestionClassifier,
    load_classifier,
    rule_features,
)
from transforms.sentences import segment_item
from transforms.settings import EnrichSettings
from warehouse.db import connect

MODEL = "bundled:use-multilingual-v3"

POSITIVE = [
    "Please add a dark mode to the web app.",
    "It would be great to export my runs as a spreadsheet.",
    "I wish the watch showed the weather forecast.",
    "Could you support heart rate zones for swimming?",
    "An offline map mode would be really handy on long hikes.",
    "Ce serait bien d'avoir un mode sombre.",
    "J'aimerais pouvoir exporter mes données en CSV.",
    "Merci d'ajouter la synchronisation avec Strava.",
    "Il faudrait une option pour masquer les pas.",
    "Pourriez-vous ajouter un widget pour l'écran d'accueil ?",
]
NEGATIVE = [
    "The app crashed twice this morning after the update.",
    "I have used this watch every day for two years.",
    "Sync failed with error 503 yesterday evening.",
    "Great app, my family loves it.",
    "The battery lasts about a week on a charge.",
    "L'application plante depuis la dernière mise à jour.",
    "J'utilise cette montre tous les jours pour courir.",
    "La synchronisation a échoué hier soir.",
    "Très bonne application, rien à dire.",
    "Le GPS met deux minutes à trouver le signal.",
]


def _csv(path: Path, rows: list[list], header=("text", "label")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "w" / "ideas.duckdb", landing=tmp_path / "landing")


def _labels_csv(tmp_path: Path) -> Path:
    return _csv(tmp_path / "labels.csv", [[t, 1] for t in POSITIVE] + [[t, 0] for t in NEGATIVE])


def _probabilities(
    clf: SuggestionClassifier, sentences: list[str], language: str, prefilter: bool = True
) -> np.ndarray:
    probabilities, _ = clf.score_sentences(
        sentences,
        [language] * len(sentences),
        lambda texts: embeddings.encode(clf.model_id, texts),
        use_prefilter=prefilter,
    )
    return probabilities


def test_training_on_a_tiny_csv_writes_weights_that_load_and_separate(tmp_path):
    out = tmp_path / "clf.json"
    result = train_classifier(
        _labels_csv(tmp_path), _settings(tmp_path), out, progress=lambda m: None,
        from_scratch=True,
    )  # fmt: skip
    assert result["n"] == 20 and result["positives"] == 10 and result["corrections"] == 0
    assert {"precision", "recall", "f1"} <= set(result)
    data = json.loads(out.read_text())
    assert data["model_id"] == MODEL and len(data["coef"]) == 512 + len(RULE_FEATURES)
    assert out.stat().st_size < 20_000
    clf = load_classifier(out)
    # Unseen sentences of both kinds, in both languages.
    yes = _probabilities(clf, ["Please add a sleep score to the weekly report."], "en")
    yes_fr = _probabilities(clf, ["Ce serait génial d'avoir un suivi du sommeil."], "fr")
    no = _probabilities(clf, ["My watch arrived yesterday in a blue box."], "en")
    no_fr = _probabilities(clf, ["Ma montre est arrivée hier dans une boîte bleue."], "fr")
    assert min(yes[0], yes_fr[0]) > max(no[0], no_fr[0])


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_adapting_moves_the_current_weights_towards_the_labels_and_keeps_the_rest(tmp_path):
    shipped = load_classifier("bundled")
    # A channel whose analysts call bug reports suggestions, which the shipped weights do not.
    bugs = [
        "The app crashes when I open a shared notebook.",
        "Sync stopped working after the last update.",
        "Photos attached to notes no longer load.",
        "The widget shows yesterday's notes instead of today's.",
        "Search returns nothing for words I can see in my notes.",
        "Login fails with an unknown error on my tablet.",
    ]
    labels = _csv(
        tmp_path / "bugs.csv",
        [[t, 1] for t in bugs] + [[t, 0] for t in NEGATIVE] + [[t, 1] for t in POSITIVE[:4]],
    )
    out = tmp_path / "adapted.json"
    result = train_classifier(labels, _settings(tmp_path), out, progress=lambda m: None)
    adapted = load_classifier(out)
    # What the current classifier scores on the same texts comes with the cross-validation.
    assert 0 <= result["prior_f1"] <= 1 and 0 <= result["f1"] <= 1
    # Its decision policy, model and prefilter are kept; its weights move, but not far.
    assert (adapted.threshold, adapted.question_threshold, adapted.model_id) == (
        shipped.threshold, shipped.question_threshold, shipped.model_id,
    )  # fmt: skip
    assert adapted.prefilter.info == shipped.prefilter.info
    assert adapted.info["adapted_from"]["prior_strength"] > 0
    assert not np.allclose(adapted.coef, shipped.coef)
    assert _cosine(adapted.coef, shipped.coef) > 0.8
    unseen_bug = ["Notes I delete on my phone come back after a sync."]
    before, after = (_probabilities(c, unseen_bug, "en", False)[0] for c in (shipped, adapted))
    assert after > before
    # Trained from scratch on the same 20 texts, the weights have nothing of the shipped ones.
    scratch = tmp_path / "scratch.json"
    train_classifier(labels, _settings(tmp_path), scratch, progress=lambda m: None,
                     from_scratch=True)  # fmt: skip
    assert _cosine(load_classifier(scratch).coef, shipped.coef) < _cosine(
        adapted.coef, shipped.coef
    )


def test_adapting_a_classifier_that_reads_context_asks_for_from_scratch(tmp_path):
    context = dataclasses.replace(
        load_classifier("bundled"),
        coef=np.zeros(2 * 512 + len(RULE_FEATURES)),
        use_context=True,
        prefilter=None,
    )
    weights = context.save(tmp_path / "context.json")
    settings = _settings(tmp_path)
    settings = settings.model_copy(
        update={"detection": settings.detection.model_copy(update={"classifier": str(weights)})}
    )
    with pytest.raises(EvalDataError, match="--from-scratch"):
        train_classifier(_labels_csv(tmp_path), settings, tmp_path / "o.json",
                         progress=lambda m: None)  # fmt: skip


def _toy(rule_decides: float | None, veto_howto: bool = True) -> SuggestionClassifier:
    return SuggestionClassifier(
        MODEL, np.zeros(512 + len(RULE_FEATURES)), 0.0, 0.6, rule_decides, veto_howto
    )


def _rules(
    score: float = 0.0, cue: bool = False, howto: bool = False, question: bool = False
) -> np.ndarray:
    row = np.zeros(len(RULE_FEATURES))
    row[RULE_FEATURES.index("rule_score")] = score
    row[RULE_FEATURES.index("rule_cue")] = float(cue)
    row[RULE_FEATURES.index("howto_question")] = float(howto)
    row[RULE_FEATURES.index("question")] = float(question)
    return row


def test_the_combination_policy_a_strong_rule_a_howto_veto_or_the_classifier():
    strong = _toy(rule_decides=0.8)
    assert strong.decide(_rules(0.85, cue=True), probability=0.1)  # the rule decides
    assert not strong.decide(_rules(0.7, cue=True), probability=0.5)  # neither
    assert strong.decide(_rules(), probability=0.6)  # the classifier decides
    assert strong.decide(_rules(), probability=0.5, threshold=0.4)  # the config's threshold
    assert not strong.decide(_rules(howto=True), probability=0.99)  # a how-to question
    assert strong.decide(_rules(0.3, cue=True, howto=True), probability=0.99)  # with a cue
    assert _toy(None, veto_howto=False).decide(_rules(howto=True), probability=0.99)
    plain = _toy(rule_decides=None)
    assert not plain.decide(_rules(0.95, cue=True), probability=0.1)
    plain.question_threshold = 0.85  # a question without a request cue needs more
    assert not plain.decide(_rules(question=True), probability=0.8)
    assert plain.decide(_rules(question=True), probability=0.9)
    assert plain.decide(_rules(0.3, cue=True, question=True), probability=0.8)
    assert plain.to_json()["veto_howto"] is True
    again = SuggestionClassifier.from_json(plain.to_json(), "toy")
    assert again.threshold == 0.6 and again.rule_decides is None and again.veto_howto
    assert again.question_threshold == 0.85


SHIPPED = Path(__file__).parent.parent / "transforms" / "suggestion_model"


def test_the_shipped_weights_decide_per_sentence_in_the_pipeline():
    s = EnrichSettings(MODEL, 0.5, 0.5, 12, classifier="bundled")
    rows = segment_item(
        "i1",
        "Great app for running. It would be great to have a dark theme. "
        "La synchronisation a échoué hier soir. How do I move a run to another day?",
        "h",
        s,
    )
    assert [r["is_suggestion"] for r in rows] == [False, True, False, False]
    assert all(0.0 <= r["suggestion_score"] <= 1.0 for r in rows)
    # An implicit request without any rule cue: found by the classifier only.
    implicit = "No way to export my workouts to a spreadsheet, what a shame."
    (row,) = segment_item("i2", implicit, "h", s)
    assert row["is_suggestion"] and row["suggestion_cue"] == "classifier"
    (row,) = segment_item("i2", implicit, "h", EnrichSettings(MODEL, 0.5, 0.5, 12))
    assert not row["is_suggestion"]  # the rules alone miss it
    data = json.loads((SHIPPED / "suggestion_classifier.json").read_text())
    assert "Mini-BAR" in data["info"]["data"] and "SemEval" not in data["info"]["data"]
    assert (SHIPPED / "MODEL_CARD.md").is_file()


def test_corrections_in_the_warehouse_feed_training(tmp_path):
    settings = _settings(tmp_path)
    with connect(settings.warehouse) as con:
        for n, (text, flag) in enumerate(
            [(t, True) for t in POSITIVE[:4]] + [(t, False) for t in NEGATIVE[:4]]
        ):
            con.execute(
                "INSERT INTO core.suggestion_labels VALUES (?, ?, 'en', ?, 'tester', ?, NULL)",
                [f"s{n}", text, flag, datetime.now(UTC)],
            )
    out = tmp_path / "clf.json"
    result = train_classifier(None, settings, out, progress=lambda m: None)
    assert result["n"] == 8 and result["corrections"] == 8
    assert json.loads(out.read_text())["info"]["corrections"] == 8
    both = train_classifier(_labels_csv(tmp_path), settings, out, progress=lambda m: None)
    assert both["n"] == 28 and both["corrections"] == 8
    alone = train_classifier(
        _labels_csv(tmp_path), settings, out, include_corrections=False, progress=lambda m: None
    )
    assert alone["n"] == 20 and alone["corrections"] == 0
    with pytest.raises(EvalDataError, match="nothing to train on"):
        train_classifier(None, settings, out, include_corrections=False, progress=lambda m: None)


def test_bad_training_input_names_the_file_and_the_problem(tmp_path, capsys):
    no_label = _csv(tmp_path / "nolabel.csv", [["Please add X", "yes"]], header=("text", "tag"))
    assert main(["train-classifier", "--data", str(no_label), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "nolabel.csv" in err and "missing column(s) label" in err
    bad = _csv(tmp_path / "bad.csv", [["Please add a dark mode.", 1], ["Crashes.", "maybe"]])
    assert main(["train-classifier", "--data", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.csv" in err and "line 3" in err and "'maybe'" in err
    one_class = _csv(tmp_path / "one.csv", [[t, 1] for t in POSITIVE])
    assert main(["train-classifier", "--data", str(one_class), "--out", str(tmp_path / "o")]) == 2
    assert "both labels" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    with pytest.raises(ClassifierError, match="broken.json.*format"):
        load_classifier(broken)


def test_cli_train_classifier_then_eval_with_the_new_weights(tmp_path, capsys):
    out = tmp_path / "mine.json"
    assert main(["train-classifier", "--data", str(_labels_csv(tmp_path)), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "F1" in captured.out and str(out) in captured.out
    assert "the current classifier on the same texts: F1" in captured.out  # adapted by default
    assert "adapting the current classifier (bundled)" in captured.err
    assert "decides the sentences already stored again" in captured.out
    assert "embedding" in captured.err  # progress on stderr
    n = len(POSITIVE) + len(NEGATIVE)
    assert f"warning: {n} labelled texts are few" in captured.err
    assert captured.err.count(str(out)) == 0 and captured.out.count(str(out)) == 2  # said once
    config = tmp_path / "ideas.yml"
    config.write_text(f"warehouse: w.duckdb\nlanding: l\ndetection:\n  classifier: {out.name}\n")
    data = _csv(
        tmp_path / "e.csv", [["Please add a sleep score to the report.", 1], ["It broke.", 0]]
    )
    assert (
        main(["--config", str(config), "eval", "suggestions", "--data", str(data), "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["n"] == 2


def test_train_classifier_does_not_warn_of_few_labels_from_enough(tmp_path, capsys, monkeypatch):
    from idea_harvester import cli

    monkeypatch.setattr(cli, "FEW_LABELS", len(POSITIVE) + len(NEGATIVE))
    out = tmp_path / "mine.json"
    assert main(["train-classifier", "--data", str(_labels_csv(tmp_path)), "--out", str(out)]) == 0
    assert "are few" not in capsys.readouterr().err


def test_help_of_the_new_commands(capsys):
    for command, option in (("train-classifier", "--data"), ("label", "--yes")):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0, command  # an unknown command exits 2
        assert option in capsys.readouterr().out, command


@pytest.fixture
def loaded(feed_server, tmp_path):
    return loaded_feed_warehouse(feed_server, tmp_path)


def _sentence(settings: Settings, like: str) -> tuple[str, bool]:
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(
            "SELECT sentence_id, is_suggestion FROM core.sentences WHERE sentence_text LIKE ?",
            [like],
        ).fetchone()


def _in_mentions(settings: Settings, sentence_id: str) -> bool:
    with connect(settings.warehouse, read_only=True) as con:
        return bool(
            con.execute(
                "SELECT count(*) FROM core.mentions WHERE sentence_id = ?", [sentence_id]
            ).fetchone()[0]
        )


def test_label_records_a_correction_that_the_next_run_applies(loaded, capsys):
    config = str(loaded.warehouse.parent.parent / "ideas.yml")
    assert main(["--config", config, "label", "s-unknown", "--yes"]) == 1
    assert "no sentence 's-unknown'" in capsys.readouterr().err

    no_id, was = _sentence(loaded, "Sync failed twice%")
    assert not was
    yes_id, was = _sentence(loaded, "Please add two-factor%")
    assert was and _in_mentions(loaded, yes_id)
    assert main(["--config", config, "label", no_id, "--yes", "--by", "ana", "--note", "n"]) == 0
    assert "a suggestion" in capsys.readouterr().out
    assert main(["--config", config, "label", yes_id, "--no"]) == 0

    run_all(loaded, RunContext.now(), progress=lambda m: None)
    assert _sentence(loaded, "Sync failed twice%")[1] and _in_mentions(loaded, no_id)
    assert not _sentence(loaded, "Please add two-factor%")[1]
    assert not _in_mentions(loaded, yes_id)
    with connect(loaded.warehouse, read_only=True) as con:
        labels = con.execute(
            "SELECT labelled_by, note FROM core.suggestion_labels WHERE sentence_id = ?", [no_id]
        ).fetchone()
    assert labels == ("ana", "n")
    # And training picks them up.
    result = train_classifier(
        _labels_csv(loaded.warehouse.parent), loaded, loaded.warehouse.parent / "c.json",
        progress=lambda m: None,
    )  # fmt: skip
    assert result["corrections"] == 2


@pytest.mark.parametrize(
    ("sentence", "language", "asks_for_information"),
    [
        ("Does the calendar show notes by creation date?", "en", True),
        ("Is there a limit on the number of notebooks?", "en", True),
        ("How many notebooks can I create for free?", "en", True),
        ("Y a-t-il une limite de taille pour les pièces jointes ?", "fr", True),
        ("La vue calendrier est-elle disponible pour les comptes gratuits ?", "fr", True),
        ("Combien de carnets peut-on créer ?", "fr", True),
        # After a short lead-in ending with a colon.
        ("Question sans doute bête : comment on déplace une note ?", "fr", True),
        ("Quick question: does the export keep my folders?", "en", True),
        ("Petite question : vous utilisez quoi pour annoter des PDF ?", "fr", True),
        ("What app do you use for scanning receipts?", "en", True),
        ("Feature request: how about a tag tree?", "en", False),
        # Questions that ask for a change stay open to the classifier.
        ("Is there a way to export my notes as Markdown?", "en", False),
        ("Are there any plans for a Linux app?", "en", False),
        ("Do you plan to add a dark mode?", "en", False),
        ("Could you add a dark mode?", "en", False),
        ("Est-ce qu'il serait possible d'ajouter un mode sombre ?", "fr", False),
        # Without a question mark it is not a question.
        ("Does the job for me, thanks.", "en", False),
        # Saying that a feature exists is no request either.
        ("You can already export a single note as Markdown.", "en", True),
        ("C'est déjà possible depuis les réglages.", "fr", True),
        # Nor is saying what a change would bring.
        ("This would save developers a lot of time.", "en", True),
        ("Ce serait top !", "fr", True),
        # Nor are directions for doing it today.
        ("Exclude Kestrel under Settings > Apps > Battery.", "en", True),
        ("It would be great if you added tags.", "en", False),
        # Nor are open questions to the readers (titles of r/AskReddit, recorded).
        ("If you could change one thing about yourself, what would it be?", "en", True),
        ("What movie should be more popular than it is?", "en", True),
        ("Qu'est-ce que vous utilisez pour vos notes ?", "fr", True),
        ("What about a dark mode?", "en", False),
    ],
)
def test_questions_for_information_are_marked_like_how_to_questions(
    sentence, language, asks_for_information
):
    features = rule_features(sentence, language)
    assert bool(features[RULE_FEATURES.index("howto_question")]) is asks_for_information


def test_an_information_question_without_a_request_cue_is_vetoed():
    clf = _toy(rule_decides=None)
    rules = rule_features("Is there a limit on the number of notebooks?", "en")
    assert not clf.decide(rules, probability=0.99)


def test_train_classifier_warns_when_adapting_does_not_beat_the_current_one(
    tmp_path, capsys, monkeypatch
):
    import idea_harvester.training as training

    scores = {"precision": 0.5, "recall": 0.5, "f1": 0.5, "prior_f1": 0.6, "n": 40,
              "positives": 20, "corrections": 0}  # fmt: skip
    monkeypatch.setattr(training, "train_classifier", lambda *a, **k: scores)
    assert main(["train-classifier", "--data", "x.csv", "--out", str(tmp_path / "o.json")]) == 0
    captured = capsys.readouterr()
    assert "the current classifier on the same texts: F1 0.600" in captured.out
    assert "scores lower on them than the current one" in captured.err
    scores["f1"] = 0.7
    assert main(["train-classifier", "--data", "x.csv", "--out", str(tmp_path / "o.json")]) == 0
    assert "scores lower" not in capsys.readouterr().err


def test_adapting_a_missing_classifier_names_the_file(tmp_path, capsys):
    config = tmp_path / "ideas.yml"
    config.write_text(
        f"warehouse: {tmp_path / 'w.duckdb'}\nlanding: {tmp_path / 'l'}\n"
        f"detection:\n  classifier: {tmp_path / 'gone.json'}\n"
    )
    arguments = ["--config", str(config), "train-classifier", "--data", str(_labels_csv(tmp_path))]
    assert main([*arguments, "--out", str(tmp_path / "o.json")]) == 2
    assert "gone.json: no such classifier weights file" in capsys.readouterr().err
    # From scratch, the configured weights are not needed.
    assert main([*arguments, "--out", str(tmp_path / "o.json"), "--from-scratch"]) == 0
