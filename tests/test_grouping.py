"""Grouping on small hand-made vectors: no model needed."""

from __future__ import annotations

import numpy as np
import pytest

from transforms.grouping import IdeaIndex, assign, idea_id_for, unit

A = np.array([1.0, 0.0, 0.0], dtype=np.float32)
A2 = np.array([0.95, 0.3, 0.0], dtype=np.float32)  # close to A (cos ~0.95)
B = np.array([0.0, 1.0, 0.0], dtype=np.float32)
C = np.array([0.0, 0.0, 1.0], dtype=np.float32)


def test_similar_vectors_join_and_different_ones_found_ideas():
    index = IdeaIndex()
    out = assign(index, ["s1", "s2", "s3", "s4"], np.stack([A, B, A2, C]), threshold=0.8)
    assert [a.is_new_idea for a in out] == [True, True, False, True]
    assert out[2].idea_id == out[0].idea_id
    assert len({a.idea_id for a in out}) == 3
    assert out[2].similarity == pytest.approx(float(unit(A2) @ A), abs=1e-6)


def test_threshold_decides_joining():
    strict = assign(IdeaIndex(), ["s1", "s2"], np.stack([A, A2]), threshold=0.99)
    loose = assign(IdeaIndex(), ["s1", "s2"], np.stack([A, A2]), threshold=0.9)
    assert strict[0].idea_id != strict[1].idea_id
    assert loose[0].idea_id == loose[1].idea_id


def test_idea_ids_are_stable_and_derive_from_the_founder():
    first = assign(IdeaIndex(), ["s1", "s2"], np.stack([A, B]), threshold=0.8)
    again = assign(IdeaIndex(), ["s1", "s2"], np.stack([A, B]), threshold=0.8)
    assert [a.idea_id for a in first] == [a.idea_id for a in again]
    assert first[0].idea_id == idea_id_for("s1")


def test_incremental_assignment_keeps_existing_ideas():
    index = IdeaIndex()
    before = assign(index, ["s1", "s2"], np.stack([A, B]), threshold=0.8)
    later = assign(index, ["s3"], np.stack([A2]), threshold=0.8)
    assert later[0].idea_id == before[0].idea_id
    assert [i.count_members for i in index.ideas] == [2, 1]
    # the centroid moved towards the new member but stays unit length
    assert np.linalg.norm(index.ideas[0].centroid) == pytest.approx(1.0, abs=1e-6)
    assert index.ideas[0].centroid[1] > 0


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="2 keys but 1 vectors"):
        assign(IdeaIndex(), ["a", "b"], np.stack([A]), threshold=0.5)
