"""What decides suggestions, as one content hash: ``core.sentences.detector_id``.

Enrich stores, with every sentence, the id of the detector that decided it: a hash of the
detection code (which sentences are candidates, rules, classifier policy, prefilter,
language detection, sentence splitting), of the classifier's weights, of the detection
settings (rule threshold, minimum sentence length, classifier threshold, prefilter), of
whether the item's source is ``explicit_only`` and of whether its titles are mined
(``mine_titles``). When the id an item would get now differs from the stored one (an upgrade
with new rules, weights retrained with ``ideas train-classifier``, a threshold chosen with
``ideas eval --sweep``), the next enrich decides its sentences again
(``enrich._redecide_stale``), so a change of detector applies to what is already stored, not
only to new items.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from transforms.classifier import load_classifier

if TYPE_CHECKING:
    from transforms.settings import EnrichSettings

__all__ = ["DETECTION_MODULES", "code_hash", "detector_id", "detector_of_source"]

#: Modules whose code decides what a sentence is; an edit to any of them re-decides.
DETECTION_MODULES = (
    "transforms.sentences",
    "transforms.text",
    "transforms.language",
    "transforms.suggestions",
    "transforms.classifier",
    "transforms.prefilter",
)


@lru_cache(maxsize=4)
def code_hash(modules: tuple[str, ...]) -> str:
    """A hash of the source code of ``modules`` (importable names): an edit changes it."""
    h = hashlib.sha1()
    for name in modules:
        spec = find_spec(name)
        if spec is None or spec.origin is None:  # pragma: no cover - our own modules
            raise RuntimeError(f"cannot find the module {name}")
        h.update(name.encode())
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()


def _weights_hash(classifier: str | None) -> str:
    """The classifier's weights as stored (any retraining changes it); "rules" without one."""
    if classifier is None:
        return "rules"
    weights = json.dumps(load_classifier(classifier).to_json(), sort_keys=True)
    return hashlib.sha1(weights.encode()).hexdigest()


def detector_id(s: EnrichSettings, explicit: bool = False, titles: bool = False) -> str:
    """The id of the detector ``s`` describes, for an item of an ``explicit_only`` source or
    not, whose title is mined (``mine_titles``) or not (16 hex characters)."""
    parts = {
        "code": code_hash(DETECTION_MODULES),
        "weights": _weights_hash(s.classifier),
        "rule_min_score": s.suggestion_min_score,
        "min_sentence_chars": s.min_sentence_chars,
        "classifier_threshold": s.classifier_threshold,
        "prefilter": s.prefilter,
        "explicit_only": explicit,
        "titles": titles,
    }
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def detector_of_source(s: EnrichSettings) -> Callable[[str], str]:
    """The detector id of an item of each source (its ``explicit_only`` and ``mine_titles``)."""
    ids = {
        (explicit, titles): detector_id(s, explicit, titles)
        for explicit in (False, True)
        for titles in (False, True)
    }
    return lambda source: ids[source in s.explicit_sources, source in s.title_sources]
