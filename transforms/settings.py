"""The enrich step's knobs, read once from the configuration (``EnrichSettings``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from transforms import embeddings

if TYPE_CHECKING:
    from idea_harvester.config import GroupingSettings, Settings


@dataclass(frozen=True)
class EnrichSettings:
    #: The grouping key (``embeddings.grouping_key``): the model, with request focus or not.
    model_id: str
    suggestion_min_score: float
    idea_similarity: float
    min_sentence_chars: int
    batch_size: int = 64
    #: Suggestion classifier: "bundled" or a weights file; None = the rules alone decide.
    classifier: str | None = None
    classifier_threshold: float | None = None
    #: Let the classifier's lexical prefilter clear sentences before they are embedded.
    prefilter: bool = True
    #: Authors (normalised with ``author_key``) whose items are never mined for suggestions.
    team_authors: frozenset[str] = frozenset()
    #: Sources whose sentences need a request cue (``explicit_only`` in their config).
    explicit_sources: frozenset[str] = frozenset()
    #: Sources whose item titles are mined as their first sentence (``mine_titles``).
    title_sources: frozenset[str] = frozenset()
    #: Grouping knobs (idea_harvester.config.GroupingSettings); None = the defaults.
    grouping: GroupingSettings | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> EnrichSettings:
        """The enrich knobs of the configuration (model, thresholds, detection, grouping)."""
        detection = settings.detection
        enabled = detection.classifier_enabled
        return cls(
            model_id=embeddings.grouping_key(
                settings.model.embedding_model, settings.grouping.request_focus
            ),
            suggestion_min_score=settings.thresholds.suggestion_min_score,
            idea_similarity=settings.thresholds.idea_similarity,
            min_sentence_chars=settings.thresholds.min_sentence_chars,
            batch_size=settings.model.batch_size,
            classifier=detection.classifier if enabled else None,
            classifier_threshold=detection.classifier_threshold if enabled else None,
            prefilter=detection.prefilter,
            team_authors=frozenset(author_key(a) for a in detection.team_authors) - {""},
            explicit_sources=frozenset(src.name for src in settings.sources if src.explicit_only),
            title_sources=frozenset(src.name for src in settings.sources if src.titles_mined),
            grouping=settings.grouping,
        )


def author_key(author: str | None) -> str:
    """How authors are compared with ``detection.team_authors``: trimmed, case-insensitive."""
    return (author or "").strip().lower()
