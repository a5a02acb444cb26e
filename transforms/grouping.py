"""Incremental grouping of suggestions into ideas (pure: numpy arrays in, assignments out).

Each run's new suggestions join existing ideas or found new ones. The similarity of a group
of suggestions to an idea is the average cosine between their members (average linkage: the
dot product of the members' mean unit vectors), so a broad idea, whose members disagree,
attracts less than a tight one; measuring against the unit centroid instead ("centroid"
linkage) lets a growing idea snowball at low thresholds. A run's batch is grouped together
with the existing ideas (``assign``): the most similar pairs join first, two existing ideas
never merge (reconsolidation decides that, ``propose_merges``), and a group reaching the
threshold joins its idea or founds a new one. Idea ids derive from the founding (oldest)
suggestion, so they never change across runs, and a rerun over the same input gives the same
ideas.

Similarities are taken in a *grouping space* (see ``GroupingSpace``): the embedding minus its
mean and its top principal directions, renormalised. Those directions carry language, tone
and style rather than the requested feature, so removing them lets topic words decide.
Centroids live in that space. Nearest-idea search is exact below ``ann_min_ideas`` ideas and
goes through an HNSW index (``transforms/ann.py``) above it; candidates are re-ranked exactly.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from transforms.ann import CentroidIndex
from transforms.embeddings import REQUEST_FOCUS, unit_rows

IDENTITY = "identity"
BUNDLED = "bundled"
CORPUS = "corpus"
#: Rows projected at once by ``GroupingSpace.project``.
PROJECT_BLOCK = 4096


@dataclass(frozen=True)
class GroupingSpace:
    """Centre, remove ``components`` (orthonormal rows), renormalise. No components and no
    mean is the identity (the raw embedding space)."""

    mean: np.ndarray | None = None
    components: np.ndarray | None = None
    source: str = IDENTITY  # identity | bundled | corpus
    fitted_on: int = 0

    @property
    def is_identity(self) -> bool:
        return self.mean is None and (self.components is None or len(self.components) == 0)

    @property
    def k(self) -> int:
        return 0 if self.components is None else int(len(self.components))

    def project(self, vectors: np.ndarray) -> np.ndarray:
        """Unit rows in the grouping space (a zero row stays zero). Many rows are projected
        a block at a time: the intermediate copies of a whole batch would hold several times
        its size."""
        x = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if len(x) <= PROJECT_BLOCK:
            return self._project(x)
        out = np.empty_like(x)
        for start in range(0, len(x), PROJECT_BLOCK):
            out[start : start + PROJECT_BLOCK] = self._project(x[start : start + PROJECT_BLOCK])
        return out

    def _project(self, x: np.ndarray) -> np.ndarray:
        if self.mean is not None:
            x = x - self.mean
        if self.components is not None and len(self.components):
            x = x - (x @ self.components.T) @ self.components
        return unit_rows(x)

    def fingerprint(self) -> str:
        """Content hash: the same space gives the same id (rows record which space they use)."""
        h = hashlib.sha1(self.source.encode())
        for part in (self.mean, self.components):
            if part is not None:
                h.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
        return h.hexdigest()[:16]


def fit_space(vectors: np.ndarray, k: int, source: str = CORPUS) -> GroupingSpace:
    """Mean and top-``k`` principal directions of ``vectors`` (unsupervised). Deterministic:
    each direction's sign is fixed so that its largest coordinate is positive."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0:
        raise ValueError(f"a grouping space needs vectors to fit on (got shape {x.shape})")
    mean = x.mean(axis=0)
    k = max(0, min(k, len(x) - 1, x.shape[1] - 1))
    if k == 0:
        return GroupingSpace(mean.astype(np.float32), None, source, len(x))
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = vt[:k]
    signs = np.sign(comps[np.arange(k), np.abs(comps).argmax(axis=1)])
    comps = comps * np.where(signs == 0, 1.0, signs)[:, None]
    return GroupingSpace(mean.astype(np.float32), comps.astype(np.float32), source, len(x))


def idea_separation(
    idea_ids: Sequence[str], vectors: np.ndarray, space: GroupingSpace, sample: int = 2000
) -> tuple[float, int]:
    """How well ``space`` keeps existing ideas apart: the share of members (of ideas with at
    least two) whose own idea's centre, without them, is closer than any other idea's
    centre. ``vectors`` are the members' raw embeddings, one row per ``idea_ids`` entry. At
    most ``sample`` members are scored (evenly spaced, so the figure is deterministic).
    Returns (share, members scored); (1.0, 0) when no idea has two members."""
    x = space.project(np.asarray(vectors, dtype=np.float32))  # float32: one row per member
    ids, row_idea = np.unique(np.asarray(idea_ids, dtype=object), return_inverse=True)
    sums = np.zeros((len(ids), x.shape[1]))  # accumulated in float64
    np.add.at(sums, row_idea, x)
    members = np.flatnonzero(np.bincount(row_idea)[row_idea] >= 2)
    if len(members) == 0:
        return 1.0, 0
    if len(members) > sample:
        members = members[np.linspace(0, len(members) - 1, sample).astype(int)]
    scored = x[members].astype(np.float64)
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    own = sums[row_idea[members]] - scored
    own /= np.maximum(np.linalg.norm(own, axis=1, keepdims=True), 1e-12)
    own_similarity = (own * scored).sum(axis=1)
    others = scored @ centres.T
    others[np.arange(len(members)), row_idea[members]] = -np.inf  # a lone idea: all -inf
    return float((own_similarity > others.max(axis=1)).mean()), len(members)


@dataclass(frozen=True)
class RefitCheck:
    """``idea_separation`` of the existing ideas in the current and the refitted space."""

    before: float
    after: float
    members_scored: int
    max_loss: float

    @property
    def keeps_ideas_apart(self) -> bool:
        return self.after >= self.before - self.max_loss


def check_refit(
    idea_ids: Sequence[str],
    vectors: np.ndarray,
    current: GroupingSpace,
    fitted: GroupingSpace,
    max_loss: float,
) -> RefitCheck:
    """Whether ``fitted`` keeps the ideas (members' raw ``vectors``) apart about as well as
    ``current``: its separation may be at most ``max_loss`` lower
    (``grouping.refit_max_separation_loss``)."""
    before, scored = idea_separation(idea_ids, vectors, current)
    after, _ = idea_separation(idea_ids, vectors, fitted)
    return RefitCheck(before, after, scored, max_loss)


def bundled_space(model_id: str, k: int) -> GroupingSpace | None:
    """The space shipped for a bundled model (``transforms/spaces/<name>.npz``: mean and the
    top principal directions fitted, without labels, on the 8,000 Mini-BAR reviews, MIT), cut
    to ``k`` components; None when none is shipped or the model is not bundled. A grouping key
    with request focus (``<model>+request-focus``) takes its own file when one is shipped,
    else the model's."""
    if not model_id.startswith("bundled:") or k <= 0:
        return None
    name = model_id.split(":", 1)[1]
    candidates = [name, name.removesuffix(REQUEST_FOCUS)]
    folder = resources.files("transforms") / "spaces"
    ref = next((folder / f"{c}.npz" for c in candidates if (folder / f"{c}.npz").is_file()), None)
    if ref is None:
        return None
    with ref.open("rb") as fh:
        data = np.load(fh)
        mean, comps, n = data["mean"], data["components"], int(data["fitted_on"])
    return GroupingSpace(
        mean.astype(np.float32), comps[:k].astype(np.float32) if k else None, BUNDLED, n
    )


@dataclass
class Idea:
    idea_id: str
    founding_key: str
    centroid_sum: np.ndarray  # sum of member vectors (grouping space); centroid: its unit vector
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
    """The current ideas, with their centroids stacked for fast nearest-idea search.

    Exact (one matrix product) up to ``ann_min_ideas`` ideas; beyond, an HNSW index proposes
    ``ann_candidates`` ideas and the best is chosen exactly among them."""

    ideas: list[Idea] = field(default_factory=list)
    #: "average": similarity = average cosine to the members; "centroid": cosine to the centre.
    linkage: str = "average"
    ann_min_ideas: int = 20000
    ann_candidates: int = 16
    #: Ideas merged away (the mean of their former members), each with the id of the idea
    #: that absorbed them: a suggestion nearest to one of them joins that surviving idea.
    aliases: list[tuple[str, np.ndarray]] = field(default_factory=list)
    _matrix: np.ndarray | None = field(default=None, repr=False)
    _ann: CentroidIndex | None = field(default=None, repr=False)
    _positions: dict[str, int] = field(default_factory=dict, repr=False)
    _alias_matrix: np.ndarray | None = field(default=None, repr=False)

    def key_vector(self, idea: Idea) -> np.ndarray:
        """What a suggestion is compared with (see ``linkage_vector``)."""
        return linkage_vector(idea.centroid_sum, idea.count_members, self.linkage)

    def propose_merges(
        self, threshold: float, keep_apart: set[frozenset[str]] | None = None
    ) -> list[Merge]:
        """Reconsolidation of these ideas (oldest first) with this index's linkage and search
        settings; see the module's ``propose_merges``."""
        if len(self.ideas) < 2:
            return []
        return propose_merges(
            [idea.idea_id for idea in self.ideas],
            np.stack([idea.centroid_sum for idea in self.ideas]),
            [idea.count_members for idea in self.ideas],
            threshold,
            linkage=self.linkage,
            keep_apart=keep_apart,
            ann_min_ideas=self.ann_min_ideas,
            neighbours=self.ann_candidates,
        )

    def similarity(self, position: int, vector: np.ndarray) -> float:
        return float(self.key_vector(self.ideas[position]) @ vector)

    def position(self, idea_id: str) -> int:
        if len(self._positions) != len(self.ideas):
            self._positions = {idea.idea_id: n for n, idea in enumerate(self.ideas)}
        return self._positions.get(idea_id, -1)

    def _centroids(self) -> np.ndarray:
        if self._matrix is None or len(self._matrix) != len(self.ideas):
            self._matrix = (
                np.stack([self.key_vector(idea) for idea in self.ideas]).astype(np.float32)
                if self.ideas
                else None
            )
        return self._matrix

    @property
    def uses_ann(self) -> bool:
        return len(self.ideas) > self.ann_min_ideas

    def alias_target(self, vector: np.ndarray, threshold: float) -> str | None:
        """The surviving idea when ``vector`` is nearer to a merged-away idea's former members
        than to any idea, at ``threshold`` or above; else None."""
        if not self.aliases or not self.ideas:
            return None
        if self._alias_matrix is None:
            means = np.stack([c for _, c in self.aliases]).astype(np.float32)
            self._alias_matrix = means if self.linkage == "average" else unit_rows(means)
        alias_sims = self._alias_matrix @ vector
        a = int(np.argmax(alias_sims))
        nearest = self.nearest_ideas(vector, 1)
        direct = float((self._centroids()[nearest] @ vector).max()) if nearest else -1.0
        survivor, alias_sim = self.aliases[a][0], float(alias_sims[a])
        if self.position(survivor) >= 0 and alias_sim >= threshold and alias_sim > direct:
            return survivor
        return None

    def nearest_ideas(self, vector: np.ndarray, k: int) -> list[int]:
        """Positions of the (at most) ``k`` ideas nearest to ``vector``: exact, or the HNSW
        index's candidates above ``ann_min_ideas`` ideas."""
        return self.nearest_ideas_many(np.atleast_2d(vector), k)[0]

    def nearest_ideas_many(self, vectors: np.ndarray, k: int) -> list[list[int]]:
        """``nearest_ideas`` for each row of ``vectors`` (blocked matrix products, or one
        batch of HNSW searches)."""
        if not self.ideas or k <= 0:
            return [[] for _ in range(len(vectors))]
        matrix = self._centroids()
        if self.uses_ann:
            if self._ann is None:
                self._ann = CentroidIndex(matrix.shape[1])
                self._ann.add_all(matrix)
            found = self._ann.search_many(vectors, max(k, self.ann_candidates))
            return [[int(c) for c in row] for row in found]
        out: list[list[int]] = []
        for start in range(0, len(vectors), 1024):
            out += top_k(vectors[start : start + 1024] @ matrix.T, k).tolist()
        return out

    def add_member(self, position: int, vector: np.ndarray) -> None:
        idea = self.ideas[position]
        idea.centroid_sum = idea.centroid_sum + vector
        idea.count_members += 1
        self._refresh(position)

    def add_idea(self, idea: Idea) -> int:
        self.ideas.append(idea)
        position = len(self.ideas) - 1
        self._positions[idea.idea_id] = position
        if self._matrix is not None:
            row = self.key_vector(idea)[None, :].astype(np.float32)
            self._matrix = np.vstack([self._matrix, row])
        if self._ann is not None:
            self._ann.upsert(position, self.key_vector(idea))
        return position

    def _refresh(self, position: int) -> None:
        centroid = self.key_vector(self.ideas[position])
        if self._matrix is not None:
            self._matrix[position] = centroid
        if self._ann is not None:
            self._ann.upsert(position, centroid)


def unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def linkage_vector(total: np.ndarray, count: float, linkage: str) -> np.ndarray:
    """What a group of members (the sum of their unit vectors, and how many) is compared
    with: their mean under ``average`` linkage (its dot product with a unit vector is the
    average cosine to the members), their unit centre under ``centroid`` linkage."""
    if linkage == "average":
        return total / max(count, 1)
    if linkage == "centroid":
        return unit(total)
    raise ValueError(f"unknown linkage {linkage!r}: use 'average' or 'centroid'")


def linkage_rows(total: np.ndarray, size: np.ndarray, linkage: str) -> np.ndarray:
    """``linkage_vector`` of many groups at once (rows of ``total``, entries of ``size``)."""
    if linkage == "average":
        return total / np.maximum(size, 1)[:, None]
    if linkage == "centroid":  # unit rows, in total's precision (unit_rows gives float32)
        norms = np.linalg.norm(total, axis=1, keepdims=True)
        return np.divide(total, norms, out=np.zeros_like(total), where=norms > 0)
    raise ValueError(f"unknown linkage {linkage!r}: use 'average' or 'centroid'")


def idea_id_for(founding_key: str) -> str:
    return "idea_" + hashlib.sha1(founding_key.encode("utf-8")).hexdigest()[:12]


def assign(
    index: IdeaIndex,
    keys: list[str],
    vectors: np.ndarray,
    threshold: float,
    fixed: dict[str, str] | None = None,
    redirects: dict[str, str] | None = None,
    twins: dict[str, str] | None = None,
    neighbours: int = 16,
) -> list[Assignment]:
    """Assign a batch of (key, vector), oldest first, updating ``index`` in place.

    ``vectors`` are already in the grouping space. ``fixed`` maps a key to the idea it must
    join whatever the similarity (an analyst's move); when that idea is not in the index yet
    the key founds it under that id. ``redirects`` maps merged idea ids to the surviving ones:
    a key whose own founding id was merged away joins the survivor, and so does a key nearest
    to a merged-away idea's former members. ``twins`` maps a key to an earlier key of the same
    batch (a near-duplicate): it joins the idea that key got, without comparing embeddings.

    The other keys are grouped *together with* the existing ideas, not one after another:
    greedy average-linkage agglomeration (``_agglomerate``, the reconsolidation's rule) over
    the batch's keys and the existing ideas near them, where two existing ideas never merge
    (that is reconsolidation's decision) and a group joins an existing idea, or becomes a new
    one, when its linkage reaches ``threshold``. One after another, an early loosely related
    suggestion decided where later ones went; together, the batch's most similar pairs are
    joined first, so the result does not depend on the order within the batch, except for
    which key founds a new idea (the oldest of its group: ids stay stable across reruns).
    Candidate pairs come from each key's ``neighbours`` nearest keys and ideas (the index's
    exact or HNSW search), so there is no all-pairs pass over the ideas.
    """
    if len(keys) != len(vectors):
        raise ValueError(f"{len(keys)} keys but {len(vectors)} vectors")
    fixed = fixed or {}
    redirects = redirects or {}
    twins = twins or {}
    units = [unit(np.asarray(raw, dtype=np.float32)) for raw in vectors]
    out: dict[str, Assignment] = {}
    given: dict[str, str] = {}
    position_of = {key: n for n, key in enumerate(keys)}
    free: list[int] = []
    for n, (key, vec) in enumerate(zip(keys, units, strict=True)):
        if key in twins and position_of.get(twins[key], n) < n:
            continue  # after the others: it follows its twin
        target = fixed.get(key)
        if target is None and idea_id_for(key) in redirects:
            target = resolve(redirects, idea_id_for(key))
        if target is None:
            target = index.alias_target(vec, threshold)
        if target is None:
            free.append(n)
            continue
        out[key] = _join(index, key, vec, target)
        given[key] = target
    for key, assignment in _group_batch(index, [keys[n] for n in free], [units[n] for n in free],
                                        threshold, neighbours):  # fmt: skip
        out[key] = assignment
        given[key] = assignment.idea_id
    for key, vec in zip(keys, units, strict=True):
        if key not in out:  # a twin: its twin is earlier in this batch, so already placed
            target = given[twins[key]]
            out[key] = _join(index, key, vec, target)
            given[key] = target
    return [out[key] for key in keys]


def _join(index: IdeaIndex, key: str, vec: np.ndarray, target: str) -> Assignment:
    """``key`` joins idea ``target``, or founds it under that id when it does not exist."""
    position = index.position(target)
    if position >= 0:
        sim = index.similarity(position, vec)
        index.add_member(position, vec)
        return Assignment(key, target, sim, False)
    index.add_idea(Idea(target, key, vec.copy(), 1))
    return Assignment(key, target, 1.0, True)


def _group_batch(
    index: IdeaIndex,
    keys: list[str],
    units: list[np.ndarray],
    threshold: float,
    neighbours: int,
) -> list[tuple[str, Assignment]]:
    """The agglomeration step of ``assign`` (see there), for keys free of any constraint.

    Nodes are the existing ideas near the keys (anchors, oldest first), then the keys in
    order. Candidate pairs: each key's nearest keys and ideas. Once no candidate pair reaches
    the threshold, candidates are searched again between the groups formed so far (a big
    group's members may all have nearer neighbours inside it than outside), until a pass
    merges nothing."""
    if not keys:
        return []
    x = np.stack(units).astype(np.float32)
    nearest_ideas = index.nearest_ideas_many(x, neighbours)
    anchors = sorted({p for found in nearest_ideas for p in found})  # oldest ideas first
    a = len(anchors)
    slot = {p: n for n, p in enumerate(anchors)}
    before = [(index.ideas[p].centroid_sum.copy(), index.ideas[p].count_members) for p in anchors]
    total = np.vstack([s for s, _ in before] + [x]).astype(np.float64)
    size = np.array([c for _, c in before] + [1] * len(keys), dtype=np.float64)
    partners: dict[int, set[int]] = {n: set() for n in range(a + len(keys))}
    exact_max = max(index.ann_min_ideas, 1024)  # exact up to 20,000 rows: ~3.5 s at most
    for row, found in enumerate(nearest_rows(x, neighbours, exact_max)):
        partners[a + row].update(a + j for j in found)
        partners[a + row].update(slot[p] for p in nearest_ideas[row])
    roots = list(range(a + len(keys)))
    while True:
        found_roots, merges = _agglomerate(
            total, size, partners, threshold, index.linkage, lambda r, q: r >= a or q >= a
        )
        roots = [found_roots[r] for r in roots]
        if not merges:
            break
        groups = sorted(set(roots[a:]))  # the groups holding keys (anchors may join them)
        directions = unit_rows(linkage_rows(total[groups], size[groups], index.linkage))
        partners = {n: set() for n in range(a + len(keys))}
        nearest_groups = nearest_rows(directions, neighbours, exact_max)
        ideas_near = index.nearest_ideas_many(directions, neighbours)
        for g, found, near in zip(groups, nearest_groups, ideas_near, strict=True):
            partners[g].update(groups[j] for j in found)
            partners[g].update(slot[p] for p in near if p in slot)
    out = []  # total[r], size[r]: the sum and count of group r (for r >= a, only new keys)
    for n, (key, vec) in enumerate(zip(keys, x, strict=True)):
        r = roots[a + n]
        if r < a:  # joins an existing idea: similarity to the members it had before
            sum_before, count_before = before[r]
            sim = float(linkage_vector(sum_before, count_before, index.linkage) @ vec)
            index.add_member(anchors[r], vec)
            out.append((key, Assignment(key, index.ideas[anchors[r]].idea_id, sim, False)))
        elif r == a + n:  # the oldest of a new group founds the idea
            idea = Idea(idea_id_for(key), key, total[r].astype(np.float32), int(size[r]))
            index.add_idea(idea)
            out.append((key, Assignment(key, idea.idea_id, 1.0, True)))
        else:  # a later member of a new group: average cosine to the other members
            sim = float(linkage_vector(total[r] - vec, size[r] - 1, index.linkage) @ vec)
            out.append((key, Assignment(key, idea_id_for(keys[r - a]), sim, False)))
    return out


def resolve(redirects: dict[str, str], idea_id: str) -> str:
    """Follow merged -> surviving ids to the end (a chain A -> B -> C gives C)."""
    seen = {idea_id}
    while idea_id in redirects:
        idea_id = redirects[idea_id]
        if idea_id in seen:  # a cycle cannot be written by merge_ideas; refuse to loop
            break
        seen.add(idea_id)
    return idea_id


@dataclass(frozen=True)
class Merge:
    from_idea_id: str
    into_idea_id: str
    similarity: float


def nearest_rows(vectors: np.ndarray, k: int, exact_max: int) -> list[list[int]]:
    """Each row's ``k`` nearest other rows by dot product (and possibly itself): exact, in
    blocks, up to ``exact_max`` rows; above, an HNSW index's candidates."""
    n = len(vectors)
    k = min(k + 1, n)
    if n > exact_max:
        ann = CentroidIndex(vectors.shape[1])
        ann.add_all(vectors)
        return [[int(j) for j in found] for found in ann.search_many(vectors, k)]
    out: list[list[int]] = []
    for start in range(0, n, 1024):
        out += top_k(vectors[start : start + 1024] @ vectors.T, k).tolist()
    return out


def top_k(sims: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's ``k`` largest values, largest first: a linear-time
    partition, then a sort of those ``k`` only."""
    k = min(k, sims.shape[1])
    if k < sims.shape[1]:
        best = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, best, axis=1), axis=1, kind="stable")
        return np.take_along_axis(best, order, axis=1)
    return np.argsort(-sims, axis=1, kind="stable")


def propose_merges(
    idea_ids: list[str],
    sums: np.ndarray,
    counts: Sequence[int],
    threshold: float,
    linkage: str = "average",
    keep_apart: set[frozenset[str]] | None = None,
    ann_min_ideas: int = 20000,
    neighbours: int = 16,
) -> list[Merge]:
    """Reconsolidation (pure): greedy agglomeration of ideas whose linkage reaches
    ``threshold``.

    Each idea is given by the sum of its members' unit vectors (grouping space) and its member
    count. The most similar pair of groups is merged first, and the similarity of a merged
    group to its neighbours is *recomputed* with the same linkage as the incremental grouping
    (average: the average cosine between the members of the two groups; centroid: the cosine
    of the centres), so three ideas in a line A-B-C do not chain into one when A and C are
    unlike. ``idea_ids`` are ordered oldest first; in every merged group the oldest idea
    survives (never a new id). A pair is skipped when any idea of one group must be kept
    apart from any idea of the other. Candidate pairs come from each idea's nearest
    ``neighbours`` (exact below ``ann_min_ideas`` ideas, HNSW above), and a merged group
    inherits its parts' candidates, so there is no all-pairs pass at scale.
    """
    keep_apart = keep_apart or set()
    n = len(idea_ids)
    if n < 2:
        return []
    total = np.asarray(sums, dtype=np.float64).copy()
    size = np.asarray(counts, dtype=np.float64).clip(min=1.0)

    def key(i: int) -> np.ndarray:
        return linkage_vector(total[i], size[i], linkage)

    keys = np.stack([key(i) for i in range(n)]).astype(np.float32)
    partners: dict[int, set[int]] = {i: set() for i in range(n)}
    # Neighbours by direction; the linkage decides below.
    for i, found in enumerate(nearest_rows(unit_rows(keys), neighbours, ann_min_ideas)):
        partners[i].update(found)

    def may_join(a: int, b: int) -> bool:  # no idea of one group kept apart from the other's
        return not keep_apart or not any(
            frozenset((idea_ids[x], idea_ids[y])) in keep_apart
            for x in members[a]
            for y in members[b]
        )

    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    roots, merged_pairs = _agglomerate(
        total, size, partners, threshold, linkage, may_join, members=members
    )
    # A group merged in steps (C into B, then B into A) points every id at the survivor.
    return [Merge(idea_ids[m], idea_ids[roots[into]], sim) for m, into, sim in merged_pairs]


def _agglomerate(
    total: np.ndarray,
    size: np.ndarray,
    partners: dict[int, set[int]],
    threshold: float,
    linkage: str,
    may_join: Callable[[int, int], bool],
    members: dict[int, list[int]] | None = None,
) -> tuple[list[int], list[tuple[int, int, float]]]:
    """Greedy agglomeration (``total``, ``size``: each node's sum of unit vectors and member
    count, updated in place): the most similar candidate pair of groups (``partners``)
    merges first while its linkage reaches ``threshold`` and ``may_join(root_a, root_b)``;
    the linkage of the merged group to its candidates is recomputed after each merge (no
    chaining), and a merged group inherits its parts' candidates (made symmetric first).
    The survivor of a merge is the lower node, so every group's root is its oldest node.
    Returns each node's root and the merges as (merged node, surviving node, similarity).
    ``members`` (root -> nodes) is kept up to date when given."""
    n = len(total)
    members = members if members is not None else {i: [i] for i in range(n)}
    for i in list(partners):  # candidates are symmetric, never oneself
        partners[i].discard(i)
        for j in partners[i]:
            partners[j].add(i)

    def key(i: int) -> np.ndarray:
        return linkage_vector(total[i], size[i], linkage)

    def similarity(a: int, b: int) -> float:
        return float(key(a) @ key(b))

    def similarities(a: int, others: list[int]) -> np.ndarray:
        """Linkage of group ``a`` to each of ``others``, in one product."""
        return linkage_rows(total[others], size[others], linkage) @ key(a)

    heap = []
    for i in range(n):  # one product per node instead of one per candidate pair
        later = sorted(j for j in partners[i] if j > i)
        if later:
            heap += [
                (-sim, i, j)
                for j, sim in zip(later, similarities(i, later).tolist(), strict=True)
                if sim >= threshold
            ]
    heapq.heapify(heap)
    group = list(range(n))  # union-find; the root is always the oldest (lowest position)

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    merges = []
    while heap:
        negative, i, j = heapq.heappop(heap)
        a, b = root(i), root(j)
        if a == b:
            continue
        sim = similarity(a, b)
        if sim < -negative - 1e-9:  # a group changed since: queue the pair at its value now
            if sim >= threshold:
                heapq.heappush(heap, (-sim, min(a, b), max(a, b)))
            continue
        if not may_join(a, b):
            continue
        survivor, merged = min(a, b), max(a, b)
        group[merged] = survivor
        total[survivor] += total[merged]
        size[survivor] += size[merged]
        members[survivor] += members.pop(merged)
        partners[survivor] = {root(p) for p in partners[survivor] | partners.pop(merged)}
        partners[survivor].discard(survivor)
        merges.append((merged, survivor, round(sim, 6)))
        others = sorted(partners[survivor])
        if others:
            for other, other_sim in zip(
                others, similarities(survivor, others).tolist(), strict=True
            ):
                if other_sim >= threshold:
                    heapq.heappush(heap, (-other_sim, min(survivor, other), max(survivor, other)))
    return [root(i) for i in range(n)], merges
