"""Grouping on small hand-made vectors: no model needed."""

from __future__ import annotations

import numpy as np
import pytest

from transforms.grouping import Idea, IdeaIndex, assign, idea_id_for, unit

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


def _partition(assignments) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for a in assignments:
        groups.setdefault(a.idea_id, set()).add(a.key)
    return {frozenset(g) for g in groups.values()}


def test_a_batch_is_grouped_the_same_whatever_its_order():
    """Three topics with noise and sentences between them: one after another, an early
    in-between sentence would decide where later ones go; the batch is grouped together."""
    rng = np.random.RandomState(1)  # a draw where one-after-another grouping depends on order
    centres = np.eye(3, dtype=np.float32)
    points = [centres[t] + 0.25 * rng.randn(3) for t in (0, 0, 0, 1, 1, 1, 2, 2)]
    points += [(centres[0] + centres[1]) / 2 + 0.05 * rng.randn(3) for _ in range(3)]
    keys = [f"s{i:02d}" for i in range(len(points))]
    x = grouping.unit_rows(np.stack(points).astype(np.float32))
    reference = _partition(assign(IdeaIndex(), keys, x, threshold=0.5))
    assert 3 <= len(reference) < len(keys)
    for seed in (1, 2, 3):
        order = np.random.RandomState(seed).permutation(len(keys))
        shuffled = assign(IdeaIndex(), [keys[i] for i in order], x[order], threshold=0.5)
        assert _partition(shuffled) == reference
        # A new idea's id comes from its oldest member in the batch's order.
        position = {keys[i]: n for n, i in enumerate(order)}
        for a in shuffled:
            if a.is_new_idea:
                founder = min((b.key for b in shuffled if b.idea_id == a.idea_id), key=position.get)
                assert a.key == founder and a.idea_id == idea_id_for(founder)


def test_a_batch_never_merges_two_existing_ideas():
    index = IdeaIndex()
    assign(index, ["a", "b"], np.stack([A, A2]), threshold=0.99)  # two ideas, cos ~0.95
    bridge = unit(A + A2)  # close to both
    out = assign(index, ["c", "d"], np.stack([bridge, bridge]), threshold=0.5)
    assert {o.idea_id for o in out} <= {idea_id_for("a"), idea_id_for("b")}
    assert len(index.ideas) == 2 and sum(i.count_members for i in index.ideas) == 4


def test_a_group_of_new_suggestions_joins_an_existing_idea_when_close_enough():
    index = IdeaIndex()
    assign(index, ["old"], np.stack([A]), threshold=0.8)
    out = assign(index, ["n1", "n2", "far"], np.stack([A2, A2, C]), threshold=0.8)
    assert out[0].idea_id == out[1].idea_id == idea_id_for("old")
    assert out[0].similarity == pytest.approx(float(unit(A2) @ A), abs=1e-6)
    assert out[2].is_new_idea and out[2].idea_id == idea_id_for("far")
    assert index.ideas[0].count_members == 3


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="2 keys but 1 vectors"):
        assign(IdeaIndex(), ["a", "b"], np.stack([A]), threshold=0.5)


# --- the grouping space -------------------------------------------------------------------

from transforms import grouping  # noqa: E402
from transforms.near_duplicates import MinHasher, find_twins, jaccard, shingles  # noqa: E402


def test_the_space_removes_the_shared_direction_so_topics_decide():
    # Every vector shares a strong "style" direction (axis 0); topics live on axes 1 and 2.
    rng = np.random.RandomState(0)
    topic = rng.randint(0, 2, size=60)
    x = np.zeros((60, 4), dtype=np.float32)
    x[:, 0] = 3.0 + rng.rand(60) * 6.0  # large, varying, shared by all
    x[np.arange(60), 1 + topic] = 1.0
    x += 0.05 * rng.randn(60, 4).astype(np.float32)
    space = grouping.fit_space(x, k=1)
    assert abs(abs(space.components[0][0]) - 1.0) < 0.05  # it found the style axis
    raw = assign(IdeaIndex(), [f"s{i}" for i in range(60)], grouping.unit_rows(x), 0.9)
    in_space = assign(IdeaIndex(), [f"s{i}" for i in range(60)], space.project(x), 0.5)
    assert len({a.idea_id for a in raw}) == 1  # raw cosine: everything looks alike
    groups = {}
    for a, t in zip(in_space, topic, strict=True):
        groups.setdefault(a.idea_id, set()).add(int(t))
    assert len(groups) == 2 and all(len(t) == 1 for t in groups.values())


def test_fit_is_deterministic_and_projection_is_unit_length():
    rng = np.random.RandomState(1)
    x = rng.randn(50, 6).astype(np.float32)
    a, b = grouping.fit_space(x, 2), grouping.fit_space(x.copy(), 2)
    assert a.fingerprint() == b.fingerprint()
    y = a.project(x)
    assert np.allclose(np.linalg.norm(y, axis=1), 1.0, atol=1e-5)
    assert np.abs(y @ a.components.T).max() < 1e-4  # nothing left along removed directions


def test_many_rows_are_projected_a_block_at_a_time_with_the_same_result(monkeypatch):
    rng = np.random.RandomState(2)
    x = rng.randn(50, 6).astype(np.float32)
    space = grouping.fit_space(x, 2)
    whole = space.project(x)
    monkeypatch.setattr(grouping, "PROJECT_BLOCK", 8)
    blocked = space.project(x)
    assert blocked.shape == whole.shape and blocked.dtype == np.float32
    assert np.allclose(blocked, whole, atol=1e-6)
    assert np.allclose(np.linalg.norm(blocked, axis=1), 1.0, atol=1e-5)


def test_the_default_model_ships_a_space():
    space = grouping.bundled_space("bundled:use-multilingual-v3", 20)
    assert space is not None and space.components.shape == (20, 512)
    assert grouping.bundled_space("bundled:use-multilingual-v3", 0) is None


def test_a_space_is_never_fitted_on_nothing():
    with pytest.raises(ValueError, match="needs vectors"):
        grouping.fit_space(np.zeros((0, 0)), 20)


def test_a_grouping_key_takes_its_own_shipped_space_else_its_models():
    plain = grouping.bundled_space("bundled:use-e5-small", 20)
    focused = grouping.bundled_space("bundled:use-e5-small+request-focus", 20)
    assert plain is not None and focused is not None
    assert focused.fingerprint() != plain.fingerprint()  # fitted on request-focused vectors
    use = grouping.bundled_space("bundled:use-multilingual-v3", 20)
    use_focused = grouping.bundled_space("bundled:use-multilingual-v3+request-focus", 20)
    assert use is not None and use_focused is not None  # none shipped: the model's own
    assert use_focused.fingerprint() == use.fingerprint()


# --- nearest ideas: HNSW agrees with exact search -----------------------------------------


def test_ann_and_exact_search_make_the_same_decisions():
    rng = np.random.RandomState(0)
    centres = grouping.unit_rows(rng.randn(150, 24))
    x = grouping.unit_rows(centres[rng.randint(0, 150, 1200)] + 0.12 * rng.randn(1200, 24))
    keys = [f"k{i:04d}" for i in range(1200)]
    exact_index, ann_index = IdeaIndex(), IdeaIndex(ann_min_ideas=10, ann_candidates=8)
    exact = assign(exact_index, keys, x, 0.6)
    approx = assign(ann_index, keys, x, 0.6)
    assert ann_index.uses_ann and not exact_index.uses_ann
    assert [a.idea_id for a in approx] == [a.idea_id for a in exact]
    again = assign(IdeaIndex(ann_min_ideas=10, ann_candidates=8), keys, x, 0.6)
    assert [a.idea_id for a in again] == [a.idea_id for a in approx]  # deterministic


def test_a_batch_search_finds_what_one_search_per_row_finds():
    from transforms.ann import CentroidIndex

    rng = np.random.RandomState(3)
    x = grouping.unit_rows(rng.randn(600, 32)).astype(np.float32)
    ann = CentroidIndex(32)
    ann.add_all(x)
    batch = ann.search_many(x, 9)
    assert len(batch) == 600
    one_by_one = [ann.search_many(x[i : i + 1], 9)[0] for i in range(len(x))]
    assert all(np.array_equal(found, alone) for found, alone in zip(batch, one_by_one, strict=True))
    assert sum(i in found for i, found in enumerate(batch)) > 590  # a row finds itself


@pytest.mark.parametrize("linkage", ["average", "centroid"])
def test_linkage_rows_match_linkage_vector(linkage):
    rng = np.random.RandomState(5)
    total, size = rng.randn(7, 6), rng.randint(1, 5, 7).astype(float)
    rows = grouping.linkage_rows(total, size, linkage)
    for t, n, row in zip(total, size, rows, strict=True):
        assert np.allclose(row, grouping.linkage_vector(t, n, linkage))


def test_nearest_ideas_in_a_batch_are_the_most_similar_in_order():
    rng = np.random.RandomState(6)
    index = IdeaIndex()
    assign(index, [f"k{i:03d}" for i in range(120)], grouping.unit_rows(rng.randn(120, 8)), 0.99)
    queries = grouping.unit_rows(rng.randn(30, 8))
    batch = index.nearest_ideas_many(queries, 5)
    sims = queries @ index._centroids().T
    assert batch == [[int(j) for j in np.argsort(-row, kind="stable")[:5]] for row in sims]


def test_a_single_suggestion_groups_above_the_ann_threshold():
    """usearch answers a one-row batch search differently from a bigger one."""
    rng = np.random.RandomState(7)
    index = IdeaIndex(ann_min_ideas=10, ann_candidates=8)
    x = grouping.unit_rows(rng.randn(40, 16))
    assign(index, [f"k{i:03d}" for i in range(40)], x, 0.99)
    assert index.uses_ann
    (out,) = assign(index, ["late"], x[:1] + 0.01, 0.9)
    assert out.idea_id == idea_id_for("k000") and not out.is_new_idea


def test_exact_nearest_rows_are_the_k_most_similar_in_order():
    rng = np.random.RandomState(4)
    x = grouping.unit_rows(rng.randn(300, 16))
    rows = grouping.nearest_rows(x, 5, exact_max=1000)
    sims = x @ x.T
    for i, found in enumerate(rows):
        assert found == [int(j) for j in np.argsort(-sims[i], kind="stable")[:6]]


# --- fixed targets, twins and redirects ---------------------------------------------------


def test_fixed_targets_twins_and_redirects_override_similarity():
    index = IdeaIndex()
    assign(index, ["s1", "s2"], np.stack([A, B]), threshold=0.8)
    out = assign(
        index,
        ["s3", "s4", "s5", "s6"],
        np.stack([A, C, C, A2]),
        threshold=0.8,
        fixed={"s3": idea_id_for("s2")},  # an analyst pinned s3 to B's idea
        twins={"s5": "s4"},
        redirects={idea_id_for("s6"): idea_id_for("s2")},
    )
    assert out[0].idea_id == idea_id_for("s2")
    assert out[1].is_new_idea and out[2].idea_id == out[1].idea_id
    # s6 once founded an idea an analyst merged into s2's: it goes there, though A2 is near A
    assert out[3].idea_id == idea_id_for("s2")
    moved_out = assign(IdeaIndex(), ["x"], np.stack([A]), 0.8, redirects={idea_id_for("x"): "Z"})
    assert moved_out[0].idea_id == "Z"  # its own founding id was merged away


def test_resolve_follows_chains_and_stops_on_cycles():
    assert grouping.resolve({"a": "b", "b": "c"}, "a") == "c"
    assert grouping.resolve({"a": "b", "b": "a"}, "a") in {"a", "b"}


# --- near-duplicates ----------------------------------------------------------------------


def test_copy_pasted_text_is_a_twin_and_different_text_is_not():
    texts = [
        "Please add a dark mode to the mobile app, my eyes hurt at night!",
        "Could you support CSV export for the monthly reports?",
        "please add a dark mode to the mobile app -- my eyes hurt at night",
        "Please add a dark mode to the mobile app, my eyes hurt at night.",
        "Please add a light mode to the desktop app.",
    ]
    twins, bands = find_twins(texts, {}, {}, threshold=0.8)
    assert twins == [None, None, "#0", "#0", None]
    assert len(bands[0]) == MinHasher().bands
    assert jaccard(shingles(texts[0]), shingles(texts[2])) >= 0.8


def test_twins_are_found_among_earlier_stored_texts():
    hasher = MinHasher()
    stored = "Syndicated: the app needs an offline mode for flights."
    earlier = {bk: ["s-old"] for bk in hasher.band_keys(stored)}
    twins, _ = find_twins(
        ["Syndicated: the app needs an offline mode for flights!!"],
        earlier,
        {"s-old": stored},
        threshold=0.8,
    )
    assert twins == ["s-old"]


# --- reconsolidation ----------------------------------------------------------------------


def test_reconsolidation_merges_into_the_older_idea_and_respects_keep_apart():
    ids = ["old", "mid", "new", "other"]
    c = grouping.unit_rows(np.stack([A, A2, unit(A + 0.05 * B), C]))
    ones = [1, 1, 1, 1]
    merges = grouping.propose_merges(ids, c, ones, threshold=0.9)
    assert {(m.from_idea_id, m.into_idea_id) for m in merges} == {("mid", "old"), ("new", "old")}
    kept = grouping.propose_merges(ids, c, ones, 0.9, keep_apart={frozenset(("old", "mid"))})
    pairs = {(m.from_idea_id, m.into_idea_id) for m in kept}
    assert ("mid", "old") not in pairs and ("new", "old") in pairs
    # "mid" may not join "old" through "new" either: keep-apart holds for whole groups
    assert all(m.into_idea_id != "old" or m.from_idea_id != "mid" for m in kept)
    assert grouping.propose_merges(ids, c, ones, threshold=0.999) == []


def test_reconsolidation_recomputes_the_linkage_so_ideas_do_not_chain():
    # Three single-member ideas in a line: a~b and b~c reach 0.8, a and c do not (0.4).
    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.8, 0.6, 0.0])
    c = np.array([0.28, 0.96, 0.0])
    assert a @ b >= 0.8 and b @ c >= 0.8 and a @ c < 0.5
    x = np.stack([a, b, c])
    merges = grouping.propose_merges(["a", "b", "c"], x, [1, 1, 1], 0.75)
    # Once a and b are one idea, c's average cosine to its members is 0.54: below 0.75, where
    # merging each pair above the threshold in turn (single linkage) would chain all three.
    assert [(m.from_idea_id, m.into_idea_id) for m in merges] == [("b", "a")]
    assert len(grouping.propose_merges(["a", "b", "c"], x, [1, 1, 1], 0.5)) == 2


def test_reconsolidation_weighs_ideas_by_their_members():
    # A broad idea (members far apart: its mean is short) attracts less than a tight one,
    # as in the incremental grouping's average linkage; the unit centre would hide that.
    tight = 10 * unit(np.array([1.0, 0.1, 0.0]))  # 10 members, all alike
    broad = 10 * np.array([0.5, 0.0, 0.0])  # 10 members whose average cosine is 0.5
    newcomer = np.array([1.0, 0.0, 0.0])
    sums = np.stack([tight, broad, newcomer])
    merges = grouping.propose_merges(["tight", "broad", "new"], sums, [10, 10, 1], 0.8)
    assert [(m.from_idea_id, m.into_idea_id) for m in merges] == [("new", "tight")]
    centroid = grouping.propose_merges(
        ["tight", "broad", "new"], sums, [10, 10, 1], 0.8, linkage="centroid"
    )
    # The broad idea's centre points at the newcomer: centroid linkage swallows everything.
    assert {(m.from_idea_id, m.into_idea_id) for m in centroid} == {
        ("new", "tight"),
        ("broad", "tight"),
    }


def test_reconsolidation_with_ann_proposes_the_same_merges():
    rng = np.random.RandomState(3)
    centres = grouping.unit_rows(rng.randn(40, 16))
    c = grouping.unit_rows(np.repeat(centres, 3, axis=0) + 0.05 * rng.randn(120, 16))
    ids = [f"i{n:03d}" for n in range(120)]
    ones = [1] * 120
    exact = grouping.propose_merges(ids, c, ones, 0.9)
    approx = grouping.propose_merges(ids, c, ones, 0.9, ann_min_ideas=10)
    assert exact and exact == approx
    assert all(m.into_idea_id < m.from_idea_id for m in exact)  # the older (earlier) survives


def _broad_idea_and_newcomer(linkage: str) -> tuple[IdeaIndex, np.ndarray]:
    """An idea of 20 members that share only a weak common direction (pairwise cosine about
    0.25), and a newcomer with the same weak link: the centre of such an idea is the common
    direction alone, so the newcomer looks close to it (cosine about 0.47)."""
    rng = np.random.default_rng(7)
    common = np.zeros(64, dtype=np.float32)
    common[0] = 1.0

    def loose(noise: np.ndarray) -> np.ndarray:
        noise[0] = 0.0
        return unit(0.5 * common + 0.866 * unit(noise)).astype(np.float32)

    members = [loose(rng.normal(size=64).astype(np.float32)) for _ in range(20)]
    idea = Idea("idea_broad", "s0", np.sum(members, axis=0), len(members))
    newcomer = loose(rng.normal(size=64).astype(np.float32))
    return IdeaIndex([idea], linkage=linkage), newcomer


def test_average_linkage_keeps_a_broad_idea_from_swallowing_loosely_related_text():
    for linkage, joins in (("centroid", True), ("average", False)):
        index, newcomer = _broad_idea_and_newcomer(linkage)
        out = assign(index, ["new"], newcomer[None, :], threshold=0.4)
        assert (out[0].idea_id == "idea_broad") is joins, linkage


def test_average_linkage_similarity_is_the_mean_cosine_to_the_members():
    members = [unit(A), unit(A2), unit(B)]
    index = IdeaIndex([Idea("idea_x", "s1", np.sum(members, axis=0), 3)], linkage="average")
    probe = unit(np.array([0.6, 0.8, 0.0], dtype=np.float32))
    assert index.similarity(0, probe) == pytest.approx(
        float(np.mean([m @ probe for m in members])), abs=1e-6
    )
    centroid = IdeaIndex([Idea("idea_x", "s1", np.sum(members, axis=0), 3)], linkage="centroid")
    assert centroid.similarity(0, probe) == pytest.approx(
        float(unit(np.sum(members, axis=0)) @ probe), abs=1e-6
    )
    with pytest.raises(ValueError, match="linkage"):
        IdeaIndex([Idea("idea_x", "s1", A, 1)], linkage="single").similarity(0, probe)


def _members(centres: list[np.ndarray], per_idea: int, noise: float, seed: int = 7):
    rng = np.random.default_rng(seed)
    ids, rows = [], []
    for n, centre in enumerate(centres):
        for _ in range(per_idea):
            ids.append(f"idea_{n}")
            rows.append(unit(centre + noise * rng.standard_normal(len(centre))))
    return ids, np.asarray(rows, dtype=np.float32)


def test_idea_separation_falls_when_a_space_removes_the_ideas_themselves():
    from transforms.grouping import GroupingSpace, fit_space, idea_separation

    axes = np.eye(12)
    ids, vectors = _members([axes[0], axes[1], axes[2]], per_idea=10, noise=0.15)
    kept, scored = idea_separation(ids, vectors, GroupingSpace())
    assert kept == 1.0 and scored == 30
    # Three big ideas are the corpus's top principal directions: fitting on them removes them.
    collapsed, _ = idea_separation(ids, vectors, fit_space(vectors, 2))
    assert collapsed < 0.7


def test_idea_separation_rises_when_a_space_removes_a_nuisance_direction():
    from transforms.grouping import GroupingSpace, fit_space, idea_separation

    axes = np.eye(12)
    # Eight small ideas; half of every idea's members carry a strong shared offset (a
    # language, a tone) that makes members of different ideas look alike.
    centres = [axes[n] for n in range(8)]
    ids, vectors = _members(centres, per_idea=6, noise=0.2, seed=3)
    offset = np.zeros(12)
    offset[11] = 3.0
    vectors = np.asarray(
        [unit(v + (offset if n % 2 else 0)) for n, v in enumerate(vectors)], np.float32
    )
    raw, _ = idea_separation(ids, vectors, GroupingSpace())
    cleaned, _ = idea_separation(ids, vectors, fit_space(vectors, 1))
    assert raw < 0.8
    assert cleaned == 1.0


def test_idea_separation_samples_evenly_and_needs_two_members():
    from transforms.grouping import GroupingSpace, idea_separation

    axes = np.eye(4)
    assert idea_separation(["a", "b"], axes[:2], GroupingSpace()) == (1.0, 0)
    ids, vectors = _members([axes[0], axes[1]], per_idea=50, noise=0.05)
    share, scored = idea_separation(ids, vectors, GroupingSpace(), sample=20)
    assert scored == 20 and share == 1.0
