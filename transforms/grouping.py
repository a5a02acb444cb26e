"""Incremental grouping of suggestions into ideas (pure: numpy arrays in, assignments out).

A new suggestion joins the idea whose centroid is most similar, when that cosine similarity
reaches the threshold; otherwise it founds a new idea. Idea ids derive from the founding
suggestion, so they never change across runs. Suggestions are processed in a deterministic
order (given by the caller), which makes a rerun over the same input give the same ideas.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Idea:
    idea_id: str
    founding_key: str
    centroid_sum: np.ndarray  # sum of member vectors; the centroid is its unit vector
    count_members: int

    @property
    def centroid(self) -> np.ndarray:
        return unit(self.centroid_sum)


@dataclass(frozen=True)
class Assignment:
    key: str  # the suggestion's id
    idea_id: str
    similarity: float
    is_new_idea: bool


@dataclass
class IdeaIndex:
    """The current ideas, with their centroids stacked for fast nearest-idea search."""

    ideas: list[Idea] = field(default_factory=list)

    def nearest(self, vector: np.ndarray) -> tuple[int, float]:
        if not self.ideas:
            return -1, -1.0
        matrix = np.stack([idea.centroid for idea in self.ideas])
        sims = matrix @ vector
        best = int(np.argmax(sims))
        return best, float(sims[best])


def unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def idea_id_for(founding_key: str) -> str:
    return "idea_" + hashlib.sha1(founding_key.encode("utf-8")).hexdigest()[:12]


def assign(
    index: IdeaIndex, keys: list[str], vectors: np.ndarray, threshold: float
) -> list[Assignment]:
    """Assign each (key, vector) in order, updating ``index`` in place."""
    if len(keys) != len(vectors):
        raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
    out = []
    for key, raw in zip(keys, vectors, strict=True):
        vec = unit(np.asarray(raw, dtype=np.float32))
        best, sim = index.nearest(vec)
        if best >= 0 and sim >= threshold:
            idea = index.ideas[best]
            idea.centroid_sum = idea.centroid_sum + vec
            idea.count_members += 1
            out.append(Assignment(key, idea.idea_id, sim, False))
        else:
            idea = Idea(idea_id_for(key), key, vec.copy(), 1)
            index.ideas.append(idea)
            out.append(Assignment(key, idea.idea_id, 1.0, True))
    return out
