"""`ideas eval`: metrics on hand-made rows, and the three commands on small CSVs we write."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from idea_harvester.cli import main
from idea_harvester.evaluation import at_prevalence, binary_scores, grouping_scores, pair_counts


def _csv(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _labels_csv(tmp_path, rows):
    """A suggestions file (text,label) with ``rows``."""
    return _csv(tmp_path / "s.csv", ["text", "label"], rows)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_binary_scores_count_class_one():
    scores = binary_scores([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert binary_scores([0, 0], [0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_pair_counts_and_grouping_scores_on_hand_made_labels():
    gold = ["a", "a", "a", "b", "b"]
    predicted = ["x", "x", "y", "y", "y"]
    pairs = pair_counts(gold, predicted)
    assert (pairs.same_both, pairs.same_predicted, pairs.same_gold) == (2, 4, 4)
    scores = grouping_scores(gold, predicted)
    assert scores["pair_precision"] == 0.5 and scores["pair_recall"] == 0.5
    assert scores["n_groups"] == 2
    perfect = grouping_scores(gold, ["p", "p", "p", "q", "q"])
    assert perfect["ari"] == pytest.approx(1.0) and perfect["nmi"] == pytest.approx(1.0)


def test_eval_suggestions_json(tmp_path, capsys):
    data = _labels_csv(
        tmp_path,
        [
            ["Please add a dark mode to the web app.", 1],
            ["Ce serait bien d'avoir un export Markdown.", 1],
            ["I love this app. It would be great to have nested tags.", 1],
            ["Dark theme.", 1],  # too terse for any detector: a miss the scores must show
            ["Sync failed this morning with error 503.", 0],
            ["Comment déplacer une note dans un autre carnet ?", 0],
        ],
    )
    result = _json(capsys, ["eval", "suggestions", "--data", str(data), "--json"])
    assert set(result) == {"precision", "recall", "f1", "n"}
    assert result["n"] == 6 and result["precision"] == 1.0
    assert result["recall"] == pytest.approx(0.75)


#: Paraphrases across languages: three gold groups.
GROUPING_ROWS = [
    ["Please add a dark mode to the web app.", "dark"],
    ["Ce serait bien d'avoir un mode sombre sur la version web.", "dark"],
    ["Can you add a dark theme to the browser version?", "dark"],
    ["I wish I could export my notes to Markdown.", "md"],
    ["J'aimerais pouvoir exporter mes notes en Markdown.", "md"],
    ["Please add two-factor authentication to protect accounts.", "2fa"],
]


def test_eval_grouping_groups_paraphrases_across_languages(tmp_path, capsys):
    data = _csv(tmp_path / "g.csv", ["text", "cluster"], GROUPING_ROWS)
    result = _json(capsys, ["eval", "grouping", "--data", str(data), "--json"])
    assert set(result) == {
        "ari",
        "nmi",
        "pair_precision",
        "pair_recall",
        "pair_f1",
        "n_groups",
        "n",
    }
    assert result["n"] == 6 and result["ari"] > 0.5 and result["pair_precision"] == 1.0


def test_eval_similarity_json(tmp_path, capsys):
    data = _csv(
        tmp_path / "sim.csv",
        ["text1", "text2", "score"],
        [
            ["Please add a dark mode.", "Merci d'ajouter un mode sombre.", 5],
            ["Please add a dark mode.", "A dark theme would be great.", 4],
            ["Please add a dark mode.", "Export notes as Markdown.", 1],
            ["Please add a dark mode.", "The sync failed again today.", 0],
        ],
    )
    result = _json(capsys, ["eval", "similarity", "--data", str(data), "--json"])
    assert set(result) == {"spearman", "n"} and result["n"] == 4
    assert result["spearman"] > 0.7


def test_a_missing_column_is_named(tmp_path, capsys):
    data = _csv(tmp_path / "bad.csv", ["sentence", "label"], [["x", 1]])
    assert main(["eval", "suggestions", "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "missing column(s) text" in err and "bad.csv" in err


@pytest.mark.parametrize("label", ["2", "-1", "0.5", "maybe", ""])
def test_a_label_that_is_not_0_or_1_names_the_file_and_line(label, tmp_path, capsys):
    data = _csv(
        tmp_path / "bad.csv", ["text", "label"], [["Please add a dark mode.", 1], ["x y z", label]]
    )
    assert main(["eval", "suggestions", "--data", str(data)]) == 2
    assert f"bad.csv: line 3: label must be 0 or 1, found {label!r}" in capsys.readouterr().err


def test_a_text_without_a_cluster_names_the_file_and_line(tmp_path, capsys):
    data = _csv(tmp_path / "g.csv", ["text", "cluster"], [["Dark mode", "a"], ["Night theme", " "]])
    assert main(["eval", "grouping", "--data", str(data)]) == 2
    assert "g.csv: line 3: no cluster" in capsys.readouterr().err


def test_a_negative_count_of_errors_is_a_usage_error(tmp_path, capsys):
    data = _csv(tmp_path / "s.csv", ["text", "label"], [["Please add a dark mode.", 1]])
    with pytest.raises(SystemExit) as exit_:
        main(["eval", "suggestions", "--data", str(data), "--errors", "-1"])
    assert exit_.value.code == 2
    assert "'-1': give a whole number of at least 0" in capsys.readouterr().err


def test_labels_may_be_spelled_yes_no_or_true_false(tmp_path):
    from idea_harvester.evaluation import read_labelled

    rows = [["a", "1"], ["b", "0"], ["c", "Yes"], ["d", "no"], ["e", "TRUE"], ["f", "0.0"]]
    data = _csv(tmp_path / "spelled.csv", ["text", "label"], rows)
    assert read_labelled(data) == (list("abcdef"), [1, 0, 1, 0, 1, 0])


def test_a_grouping_sweep_measures_each_threshold_and_names_the_best(tmp_path, capsys):
    data = _csv(tmp_path / "g.csv", ["text", "cluster"], GROUPING_ROWS)
    result = _json(
        capsys, ["eval", "grouping", "--data", str(data), "--sweep", "0.2,0.99", "--json"]
    )
    assert result["parameter"] == "grouping.similarity" and result["best_by"] == "ari"
    strict, loose = result["results"][1], result["results"][0]
    assert [r["value"] for r in result["results"]] == [0.2, 0.99]
    assert strict["n_groups"] == 6 and strict["ari"] == pytest.approx(0.0)  # nothing joins
    assert loose["n_groups"] < 6 and loose["ari"] > 0.5
    assert result["best"] == 0.2 and result["n"] == 6
    # The same figures as a plain run at that threshold.
    plain = _json(capsys, ["eval", "grouping", "--data", str(data), "--json"])
    assert {k: v for k, v in loose.items() if k != "value"} == {
        k: v for k, v in plain.items() if k != "n"
    }


#: Two requests (one explicit, one a lack) and two other sentences.
DETECTION_ROWS = [
    ["Please add a dark mode to the web app.", 1],
    ["A tag tree would replace half of my notebooks.", 1],
    ["Sync failed this morning with error 503.", 0],
    ["The new layout moved the search bar to the bottom of the screen.", 0],
]


def test_a_detection_sweep_trades_recall_for_precision(tmp_path, capsys):
    data = _labels_csv(tmp_path, DETECTION_ROWS)
    result = _json(
        capsys, ["eval", "suggestions", "--data", str(data), "--sweep", "0.05,0.999", "--json"]
    )
    assert result["parameter"] == "detection.classifier_threshold" and result["n"] == 4
    low, high = result["results"]
    assert set(low) == {"value", "precision", "recall", "f1"}
    assert low["recall"] >= high["recall"]
    assert result["best"] == max(result["results"], key=lambda r: r["f1"])["value"]


def test_the_sweep_table_marks_the_best_value(tmp_path, capsys):
    data = _csv(tmp_path / "g.csv", ["text", "cluster"], GROUPING_ROWS)
    assert main(["eval", "grouping", "--data", str(data), "--sweep", "0.2,0.99"]) == 0
    out = capsys.readouterr().out
    [best_line] = [line for line in out.splitlines() if "<- best ari" in line]
    assert best_line.split()[0] == "0.2"
    assert "similarity: 0.2" in out
    assert "existing ideas keep their members" in out


def test_a_detection_sweep_says_stored_sentences_are_decided_again(tmp_path, capsys):
    data = _labels_csv(tmp_path, [["Please add a dark mode.", 1], ["It broke again.", 0]])
    assert main(["eval", "suggestions", "--data", str(data), "--sweep", "0.5,0.9"]) == 0
    out = capsys.readouterr().out
    assert "classifier_threshold:" in out
    assert "decides the sentences already stored again" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "similarity", "--sweep", "0.5"], "similarity has no threshold to sweep"),
        (["eval", "suggestions", "--sweep", "1.5"], "--sweep value 1.5 for detection"),
    ],
)
def test_a_sweep_that_cannot_run_says_why(tmp_path, capsys, argv, message):
    data = _csv(tmp_path / "x.csv", ["text1", "text2", "score", "text", "label"], [])
    assert main([*argv, "--data", str(data)]) == 2
    assert message in capsys.readouterr().err


def test_explicit_decides_as_for_an_explicit_only_source(tmp_path, capsys):
    data = _labels_csv(
        tmp_path,
        [
            ["Please add a dark mode to the web app.", 1],
            ["iOS has had offline notebooks for ages.", 1],  # only the classifier sees it
            ["Sync failed this morning with error 503.", 0],
        ],
    )
    default = _json(capsys, ["eval", "suggestions", "--data", str(data), "--json"])
    explicit = _json(capsys, ["eval", "suggestions", "--data", str(data), "--explicit", "--json"])
    assert default["recall"] == pytest.approx(1.0)
    assert explicit["recall"] == pytest.approx(0.5) and explicit["precision"] == 1.0
    assert main(["eval", "grouping", "--data", str(data), "--explicit"]) == 2
    assert "--explicit applies to `ideas eval suggestions` only" in capsys.readouterr().err


def _three_big_ideas(dim: int = 512, per_idea: int = 20) -> np.ndarray:
    rng = np.random.default_rng(11)
    directions = rng.standard_normal((3, dim))
    rows = [
        d + 0.5 * rng.standard_normal(dim) / np.sqrt(dim)
        for d in directions
        for _ in range(per_idea)
    ]
    rows = np.asarray(rows)
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_eval_grouping_refuses_a_refit_that_would_scatter_the_ideas_as_production_does():
    from idea_harvester.config import GroupingSettings
    from idea_harvester.evaluation import group_texts, grouping_scores
    from transforms.settings import EnrichSettings

    vectors = _three_big_ideas()
    gold = [str(n // 20) for n in range(60)]
    texts = [f"suggestion number {n}" for n in range(60)]

    def grouped(loss: float) -> list[str]:
        gs = GroupingSettings(
            components_removed=2,
            min_corpus_for_fit=30,
            near_duplicates=False,
            request_focus=False,
            refit_max_separation_loss=loss,
        )
        s = EnrichSettings(
            model_id="bundled:use-multilingual-v3",
            suggestion_min_score=0.5,
            idea_similarity=0.5,
            min_sentence_chars=5,
            grouping=gs,
        )
        return group_texts(texts, s, vectors)

    # 60 texts reach min_corpus_for_fit: the weekly refit is tried on them, but three big
    # ideas are its top directions, so production keeps the shipped space, and so does eval.
    assert grouping_scores(gold, grouped(0.1))["ari"] == pytest.approx(1.0)
    assert grouping_scores(gold, grouped(1.0))["ari"] < 0.9  # forced: the ideas scatter


def test_grouping_errors_name_the_split_clusters_and_the_mixed_groups():
    from idea_harvester.evaluation import grouping_errors

    texts = ["a1", "a2", "a3", "b1", "b2"]
    gold = ["a", "a", "a", "b", "b"]
    predicted = ["x", "y", "y", "x", "x"]
    errors = grouping_errors(texts, gold, predicted, most=5)
    [split] = errors["split_clusters"]  # b stayed together: not listed
    assert split["cluster"] == "a" and split["count_groups"] == 2
    assert [t["group"] for t in split["texts"]] == [1, 2, 2]  # numbered by first appearance
    [mixed] = errors["mixed_groups"]  # y holds only a's
    assert mixed["group"] == 1 and mixed["clusters"] == {"b": 2, "a": 1}
    assert grouping_errors(texts, gold, gold, most=5) == {"split_clusters": [], "mixed_groups": []}


def test_suggestion_errors_show_what_decided_each_mistake(tmp_path, capsys):
    data = _labels_csv(
        tmp_path,
        [
            ["Please add a dark mode to the web app.", 1],
            ["iOS has had offline notebooks for ages.", 0],  # the classifier calls it a request
            ["Dark theme.", 1],  # too terse for any detector
        ],
    )
    result = _json(capsys, ["eval", "suggestions", "--data", str(data), "--errors", "5", "--json"])
    errors = result["errors"]
    assert errors["count_false_positives"] == 1 and errors["count_false_negatives"] == 1
    [fp] = errors["false_positives"]
    assert fp["text"] == fp["sentence"] == "iOS has had offline notebooks for ages."
    assert fp["cue"] == "classifier" and 0 < fp["score"] <= 1
    assert errors["false_negatives"] == [{"text": "Dark theme."}]
    assert main(["eval", "suggestions", "--data", str(data), "--errors", "5"]) == 0
    out = capsys.readouterr().out
    assert "false positives (1)" in out and "decided by classifier" in out
    assert main(["eval", "similarity", "--data", str(data), "--errors", "5"]) == 2
    assert "--errors applies to suggestions and grouping" in capsys.readouterr().err


def test_a_detection_sweep_embeds_each_sentence_once(tmp_path, monkeypatch):
    from idea_harvester import evaluation
    from idea_harvester.config import Settings

    data = _labels_csv(
        tmp_path,
        [
            ["A tag tree would replace half of my notebooks.", 1],
            ["The new layout moved the search bar to the bottom of the screen.", 0],
        ],
    )
    encoded: list[str] = []
    real_encode = evaluation.embeddings.encode

    def counting(model_id, texts, *args, **kwargs):
        encoded.extend(texts)
        return real_encode(model_id, texts, *args, **kwargs)

    monkeypatch.setattr(evaluation.embeddings, "encode", counting)
    settings = Settings(warehouse=tmp_path / "w.duckdb", landing=tmp_path)
    result = evaluation.sweep("suggestions", data, settings, [0.5, 0.7, 0.9])
    assert len(result["results"]) == 3
    assert encoded and len(encoded) == len(set(encoded))  # three runs, one embedding each


def test_figures_at_a_prevalence_keep_recall_and_false_positive_rate():
    # 4 suggestions, 4 not: 3 found, 1 false alarm. Recall 0.75, false-positive rate 0.25.
    gold = [1, 1, 1, 1, 0, 0, 0, 0]
    predicted = [1, 1, 1, 0, 1, 0, 0, 0]
    balanced = at_prevalence(gold, predicted, 0.5)
    assert balanced["fpr"] == 0.25
    assert balanced["precision_at_prevalence"] == pytest.approx(0.75)  # as measured here
    rare = at_prevalence(gold, predicted, 0.1)
    # 0.075 true alarms against 0.225 false ones per text.
    assert rare["precision_at_prevalence"] == pytest.approx(0.25)
    assert rare["f1_at_prevalence"] == pytest.approx(2 * 0.25 * 0.75 / (0.25 + 0.75))
    assert at_prevalence([1, 0], [0, 0], 0.1)["f1_at_prevalence"] == 0.0


def test_eval_suggestions_at_a_prevalence_and_a_sweep_that_picks_by_it(tmp_path, capsys):
    data = _labels_csv(tmp_path, DETECTION_ROWS)
    plain = _json(capsys, ["eval", "suggestions", "--data", str(data), "--json"])
    assert set(plain) == {"precision", "recall", "f1", "n"}  # the contract, unchanged
    rare = _json(
        capsys, ["eval", "suggestions", "--data", str(data), "--json", "--prevalence", "0.05"]
    )
    assert rare["prevalence"] == 0.05 and 0 <= rare["fpr"] <= 1
    assert rare["f1"] == plain["f1"] and 0 <= rare["f1_at_prevalence"] <= 1
    swept = _json(
        capsys,
        ["eval", "suggestions", "--data", str(data), "--json", "--prevalence", "0.05",
         "--sweep", "0.05,0.999"],
    )  # fmt: skip
    assert swept["best_by"] == "f1_at_prevalence" and swept["prevalence"] == 0.05
    best = max(swept["results"], key=lambda r: r["f1_at_prevalence"])
    assert swept["best"] == best["value"]


def test_a_prevalence_out_of_place_is_refused(tmp_path, capsys):
    data = _labels_csv(tmp_path, [["Please add a dark mode.", 1]])
    assert main(["eval", "grouping", "--prevalence", "0.1", "--data", str(data)]) == 2
    assert "--prevalence applies to `ideas eval suggestions` only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["eval", "suggestions", "--prevalence", "1.5", "--data", str(data)])
    assert "between 0 and 1" in capsys.readouterr().err


def test_a_balanced_sample_gets_a_hint_about_prevalence(tmp_path, capsys):
    balanced = _labels_csv(tmp_path, DETECTION_ROWS)
    assert main(["eval", "suggestions", "--data", str(balanced)]) == 0
    assert "50% of these texts are suggestions" in capsys.readouterr().out
    assert main(["eval", "suggestions", "--data", str(balanced), "--prevalence", "0.1"]) == 0
    assert "of these texts are suggestions" not in capsys.readouterr().out
    rare = tmp_path / "rare"
    rare.mkdir()
    few = _labels_csv(rare, DETECTION_ROWS[:1] + [["It broke again.", 0]] * 4)
    assert main(["eval", "suggestions", "--data", str(few)]) == 0
    assert "of these texts are suggestions" not in capsys.readouterr().out
