"""``ideas eval``: measure suggestion detection, grouping and similarity on labelled CSVs,
with the production code (the same detector, embedding model and grouping as the pipeline).

File formats (a header row; UTF-8, or Latin-1 as a fallback):
- suggestions: ``text,label`` (1 = suggestion, 0 = not)
- grouping: ``text,cluster`` (gold group id)
- similarity: ``text1,text2,score``

``sweep`` runs one of them for several values of the threshold it measures (detection:
``detection.classifier_threshold``; grouping: ``grouping.similarity``), so a user can
calibrate on their own labels.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb
from pathlib import Path

import numpy as np

from idea_harvester.config import GroupingSettings, Settings
from transforms import embeddings, grouping, idea_store, near_duplicates
from transforms.classifier import load_classifier
from transforms.sentences import Embed, segment_items
from transforms.settings import EnrichSettings
from transforms.text import text_hash


class EvalDataError(Exception):
    """The evaluation file is missing, unreadable or lacks a column; the message says which."""


def read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise EvalDataError(
            f"{path}: missing column(s) {', '.join(missing)}; the header must name "
            f"{', '.join(columns)} (found: {', '.join(header) or 'no header'})"
        )
    rows = [{k.strip(): (v or "") for k, v in row.items() if k} for row in reader]
    if not rows:
        raise EvalDataError(f"{path}: no data rows")
    return rows


#: The spellings of a label every labelled file accepts (any case).
YES_LABELS = frozenset({"1", "1.0", "yes", "y", "true"})
NO_LABELS = frozenset({"0", "0.0", "no", "n", "false"})


def parse_label(raw: str) -> bool | None:
    """True for 1 (yes, true, 1.0), False for 0 (no, false, 0.0), None for anything else."""
    value = raw.strip().lower()
    return True if value in YES_LABELS else False if value in NO_LABELS else None


def binary_label(path: Path, line: int, raw: str) -> int:
    """The 0/1 label ``raw`` of line ``line`` of ``path``; EvalDataError naming them if it
    is neither."""
    label = parse_label(raw)
    if label is None:
        raise EvalDataError(f"{path}: line {line}: label must be 0 or 1, found {raw!r}")
    return int(label)


def read_labelled(path: Path) -> tuple[list[str], list[int]]:
    """The texts and 0/1 labels of a ``text,label`` file (``binary_label``)."""
    rows = read_rows(path, ("text", "label"))
    labels = [binary_label(path, line, r["label"]) for line, r in enumerate(rows, start=2)]
    return [r["text"] for r in rows], labels


def suggestion_verdicts(
    texts: list[str], s: EnrichSettings, explicit: bool = False, embed: Embed | None = None
) -> list[dict | None]:
    """For each text, its first sentence the pipeline calls a suggestion (``sentence``,
    ``cue``: the rule or "classifier", ``score``), or None. ``embed``: the classifier's
    embedder (default: encode every time)."""
    items = [(f"t{n}", text, "") for n, text in enumerate(texts)]
    explicit_items = frozenset(item[0] for item in items) if explicit else frozenset()
    first: dict[str, dict] = {}
    for row in segment_items(items, s, embed, explicit_items=explicit_items):
        if row["is_suggestion"] and row["item_id"] not in first:
            first[row["item_id"]] = {
                "sentence": row["sentence_text"],
                "cue": row["suggestion_cue"],
                "score": row["suggestion_score"],
            }
    return [first.get(f"t{n}") for n in range(len(texts))]


def _counts(gold: list[int], predicted: list[int]) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of class 1."""
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if not g and p)
    return tp, fp, sum(1 for g in gold if g) - tp


def binary_scores(gold: list[int], predicted: list[int]) -> dict[str, float]:
    tp, fp, fn = _counts(gold, predicted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def at_prevalence(gold: list[int], predicted: list[int], prevalence: float) -> dict[str, float]:
    """The false-positive rate, and the precision and F1 the same recall and false-positive
    rate give on texts of which ``prevalence`` are suggestions. A balanced labelled sample
    hides how precision falls on a channel where few sentences are suggestions."""
    tp, fp, fn = _counts(gold, predicted)
    positives, negatives = tp + fn, len(gold) - tp - fn
    recall = tp / positives if positives else 0.0
    fpr = fp / negatives if negatives else 0.0
    flagged = recall * prevalence + fpr * (1 - prevalence)
    precision = recall * prevalence / flagged if flagged else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "prevalence": prevalence,
        "fpr": fpr,
        "precision_at_prevalence": precision,
        "f1_at_prevalence": f1,
    }


def eval_suggestions(
    path: Path,
    settings: Settings,
    explicit: bool = False,
    errors: int = 0,
    embed: Embed | None = None,
    prevalence: float | None = None,
) -> dict:
    """Precision, recall and F1 of class 1, and ``n``; with ``prevalence``, also the figures
    of ``at_prevalence``; with ``errors``, also up to that many false positives (the most
    confident first, with the sentence that decided) and false negatives (in file order)
    under the key ``errors``."""
    texts, gold = read_labelled(path)
    s = EnrichSettings.from_settings(settings)
    verdicts = suggestion_verdicts(texts, s, explicit, embed)
    predicted = [int(v is not None) for v in verdicts]
    result: dict = {**binary_scores(gold, predicted), "n": len(texts)}
    if prevalence is not None:
        result.update(at_prevalence(gold, predicted, prevalence))
    if errors > 0:
        wrong_yes = [
            {"text": t, **v} for t, g, v in zip(texts, gold, verdicts, strict=True) if v and not g
        ]
        wrong_yes.sort(key=lambda e: -e["score"])
        pairs = zip(texts, gold, verdicts, strict=True)
        wrong_no = [{"text": t} for t, g, v in pairs if g and not v]
        result["errors"] = {
            "count_false_positives": len(wrong_yes),
            "count_false_negatives": len(wrong_no),
            "false_positives": wrong_yes[:errors],
            "false_negatives": wrong_no[:errors],
        }
    return result


def text_vectors(texts: list[str], s: EnrichSettings) -> np.ndarray:
    """One unit vector per text: the text embedded whole, as one suggestion.

    Each labelled text is taken as one suggestion, so the figure measures grouping alone
    (detection is measured by ``ideas eval suggestions``). Many feature requests are implicit
    ("no option to ..."); cutting them down to detected sentences lost topic words."""
    return np.asarray(embeddings.encode(s.model_id, texts, batch_size=s.batch_size), np.float32)


def group_texts(
    texts: list[str], s: EnrichSettings, vectors: np.ndarray | None = None
) -> list[str]:
    """The idea id the production grouping gives each text, in file order: the texts arrive
    as one batch (file order = arrival order) into an empty warehouse, in the model's shipped
    space (else the raw space, or a space fitted on them when they reach
    ``grouping.min_corpus_for_fit``, as enrich's first fit does for a model without one);
    copy-pasted texts join their twin (exact, then MinHash); the others are grouped together
    at the configured threshold (``grouping.assign``). Then the weekly reconsolidation: it
    refits the space on the texts when they reach ``min_corpus_for_fit``, unless that would
    keep the ideas just formed apart worse (``refit_max_separation_loss``), regrouping them in
    the refitted space, and merges ideas at ``grouping.merge_similarity``; so the figure is
    that of the warehouse in its steady state."""
    gs = idea_store.defaults(s.grouping)
    raw = text_vectors(texts, s) if vectors is None else vectors
    k = gs.components_removed
    large = k > 0 and len(raw) >= max(gs.min_corpus_for_fit, k + 2)
    space = grouping.bundled_space(s.model_id, k) or grouping.GroupingSpace()
    if large and space.is_identity:
        space = grouping.fit_space(raw, k)
    labels = _grouped(texts, raw, space, gs, s)
    if large and gs.refit_on_reconsolidate and space.source != grouping.CORPUS:
        fitted = grouping.fit_space(raw, k)
        check = grouping.check_refit(labels, raw, space, fitted, gs.refit_max_separation_loss)
        if check.keeps_ideas_apart:
            labels = _grouped(texts, raw, fitted, gs, s)
    return labels


def _grouped(
    texts: list[str],
    raw: np.ndarray,
    space: grouping.GroupingSpace,
    gs: GroupingSettings,
    s: EnrichSettings,
) -> list[str]:
    """``group_texts`` in one given space: twins, the batch, then reconsolidation's merges."""
    keys = [f"t{n:06d}" for n in range(len(texts))]
    twins: dict[str, str] = {}
    if gs.near_duplicates:
        found, _ = near_duplicates.find_twins(texts, {}, {}, gs.near_duplicate_jaccard)
        _, twins = near_duplicates.resolve_twins(keys, [text_hash(t) for t in texts], found)
    index = grouping.IdeaIndex(
        linkage=gs.linkage, ann_min_ideas=gs.ann_min_ideas, ann_candidates=gs.ann_candidates
    )
    join = idea_store.threshold(space, gs, s.idea_similarity)
    assignments = grouping.assign(index, keys, space.project(raw), join, twins=twins)
    merges = index.propose_merges(idea_store.merge_threshold(space, gs, s.idea_similarity))
    merged_into = {m.from_idea_id: m.into_idea_id for m in merges}
    return [merged_into.get(a.idea_id, a.idea_id) for a in assignments]


@dataclass(frozen=True)
class PairCounts:
    same_both: int
    same_predicted: int
    same_gold: int


def pair_counts(gold: list[str], predicted: list[str]) -> PairCounts:
    """Pairs of texts put together, counted from the contingency table (no n^2 loop)."""
    joint = Counter(zip(gold, predicted, strict=True))
    return PairCounts(
        same_both=sum(comb(n, 2) for n in joint.values()),
        same_predicted=sum(comb(n, 2) for n in Counter(predicted).values()),
        same_gold=sum(comb(n, 2) for n in Counter(gold).values()),
    )


def grouping_scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    pairs = pair_counts(gold, predicted)
    precision = pairs.same_both / pairs.same_predicted if pairs.same_predicted else 0.0
    recall = pairs.same_both / pairs.same_gold if pairs.same_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "ari": float(adjusted_rand_score(gold, predicted)),
        "nmi": float(normalized_mutual_info_score(gold, predicted)),
        "pair_precision": precision,
        "pair_recall": recall,
        "pair_f1": f1,
        "n_groups": len(set(predicted)),
    }


def eval_grouping(path: Path, settings: Settings, errors: int = 0) -> dict:
    """ARI, NMI, pair scores, number of groups and ``n``; with ``errors``, also up to that
    many gold clusters split the most and groups mixing the most clusters (``errors``)."""
    rows = read_rows(path, ("text", "cluster"))
    texts, gold = [r["text"] for r in rows], [r["cluster"].strip() for r in rows]
    if "" in gold:
        line = gold.index("") + 2
        raise EvalDataError(f"{path}: line {line}: no cluster (give each text its gold group id)")
    predicted = group_texts(texts, EnrichSettings.from_settings(settings))
    result: dict = {**grouping_scores(gold, predicted), "n": len(rows)}
    if errors > 0:
        result["errors"] = grouping_errors(texts, gold, predicted, errors)
    return result


def grouping_errors(
    texts: list[str], gold: list[str], predicted: list[str], most: int, quotes: int = 5
) -> dict:
    """Where grouping disagrees with the gold clusters: the ``most`` clusters that lost the
    most pairs (their texts spread over several groups; each text with its group's number)
    and the ``most`` groups with the most pairs from different clusters (each text with its
    cluster). Up to ``quotes`` texts each; groups are numbered by first appearance."""
    number = {g: n + 1 for n, g in enumerate(dict.fromkeys(predicted))}
    by_cluster: dict[str, list[int]] = {}
    by_group: dict[str, list[int]] = {}
    for i, (c, g) in enumerate(zip(gold, predicted, strict=True)):
        by_cluster.setdefault(c, []).append(i)
        by_group.setdefault(g, []).append(i)

    def lost_pairs(members: list[int], label: list[str]) -> int:
        together = sum(comb(k, 2) for k in Counter(label[i] for i in members).values())
        return comb(len(members), 2) - together

    split = sorted(by_cluster.items(), key=lambda kv: -lost_pairs(kv[1], predicted))
    mixed = sorted(by_group.items(), key=lambda kv: -lost_pairs(kv[1], gold))
    return {
        "split_clusters": [
            {
                "cluster": c,
                "count_texts": len(members),
                "count_groups": len({predicted[i] for i in members}),
                "texts": [{"group": number[predicted[i]], "text": texts[i]} for i in members][
                    :quotes
                ],
            }
            for c, members in split[:most]
            if lost_pairs(members, predicted)
        ],
        "mixed_groups": [
            {
                "group": number[g],
                "count_texts": len(members),
                "clusters": dict(Counter(gold[i] for i in members).most_common()),
                "texts": [{"cluster": gold[i], "text": texts[i]} for i in members][:quotes],
            }
            for g, members in mixed[:most]
            if lost_pairs(members, gold)
        ],
    }


def eval_similarity(path: Path, settings: Settings) -> dict[str, float]:
    from scipy.stats import spearmanr

    rows = read_rows(path, ("text1", "text2", "score"))
    try:
        gold = [float(r["score"]) for r in rows]
    except ValueError as err:
        raise EvalDataError(f"{path}: score must be a number ({err})") from None
    model = settings.model.embedding_model
    a = embeddings.encode(model, [r["text1"] for r in rows], settings.model.batch_size)
    b = embeddings.encode(model, [r["text2"] for r in rows], settings.model.batch_size)
    cosine = (a * b).sum(axis=1)
    return {"spearman": float(spearmanr(cosine, gold).statistic), "n": len(rows)}


def _remembering_embedder(s: EnrichSettings) -> Embed | None:
    """The classifier's embedder, keeping every vector it made (a sweep embeds once)."""
    if s.classifier is None:
        return None
    model_id = load_classifier(s.classifier).model_id
    known: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            vectors = embeddings.encode(model_id, new, batch_size=s.batch_size)
            known.update(zip(new, vectors, strict=True))
        return np.asarray([known[t] for t in texts], dtype=np.float32)

    return embed


#: What ``ideas eval --sweep`` varies for each kind, and the figure that picks the best value.
SWEPT = {
    "suggestions": ("detection.classifier_threshold", "f1"),
    "grouping": ("grouping.similarity", "ari"),
}


def with_threshold(settings: Settings, what: str, value: float) -> Settings:
    """``settings`` with the swept threshold of ``what`` set to ``value`` (checked by the
    config's own bounds, so a bad value is refused as it would be in ideas.yml)."""
    from pydantic import ValidationError

    section, field = SWEPT[what][0].split(".")
    current = getattr(settings, section)
    try:
        changed = type(current).model_validate({**current.model_dump(), field: value})
    except ValidationError as err:
        problem = err.errors()[0]["msg"]
        raise EvalDataError(f"--sweep value {value} for {section}.{field}: {problem}") from None
    return settings.model_copy(update={section: changed})


def sweep(
    what: str,
    path: Path,
    settings: Settings,
    values: Sequence[float],
    progress: Callable[[str], None] = lambda m: None,
    explicit: bool = False,
    prevalence: float | None = None,
) -> dict:
    """The figures of ``ideas eval <what>`` for each value of its threshold (``SWEPT``), and
    the value with the best figure (the first of equals; with ``prevalence``, detection's
    best F1 at that prevalence). Texts are embedded once."""
    if what not in SWEPT:
        raise EvalDataError(
            f"--sweep applies to suggestions ({SWEPT['suggestions'][0]}) and grouping "
            f"({SWEPT['grouping'][0]}); {what} has no threshold to sweep"
        )
    if not values:
        raise EvalDataError("--sweep needs at least one value, e.g. --sweep 0.15,0.2,0.25")
    parameter, best_by = SWEPT[what]
    if prevalence is not None:
        best_by = "f1_at_prevalence"
    trials = [with_threshold(settings, what, v) for v in values]  # refuse bad values first
    results = []
    if what == "grouping":
        rows = read_rows(path, ("text", "cluster"))
        texts, gold = [r["text"] for r in rows], [r["cluster"] for r in rows]
        vectors = text_vectors(texts, EnrichSettings.from_settings(settings))
        for value, trial in zip(values, trials, strict=True):
            progress(f"{parameter} = {value}")
            predicted = group_texts(texts, EnrichSettings.from_settings(trial), vectors)
            results.append({"value": value, **grouping_scores(gold, predicted), "n": len(rows)})
    else:
        embed = _remembering_embedder(EnrichSettings.from_settings(settings))
        for value, trial in zip(values, trials, strict=True):
            progress(f"{parameter} = {value}")
            figures = eval_suggestions(path, trial, explicit, 0, embed, prevalence)
            results.append({"value": value, **figures})
    for result in results:  # said once, below
        n = result.pop("n")
        result.pop("prevalence", None)
    best = max(results, key=lambda r: r[best_by])  # max keeps the first of equals
    return {
        "parameter": parameter,
        "best_by": best_by,
        "best": best["value"],
        "results": results,
        "n": n,
        **({} if prevalence is None else {"prevalence": prevalence}),
    }
