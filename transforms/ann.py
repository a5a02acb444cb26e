"""Approximate nearest-neighbour search over idea centroids (usearch HNSW, inner product).

Used by grouping once there are many ideas, so a new suggestion is compared with a few
candidate ideas instead of all of them; the caller re-ranks the candidates exactly. Built on
one thread, in a fixed order, so a rerun over the same input gives the same graph and the
same candidates (a batch search runs on every core: searching only reads the graph). A moved
centroid is removed and re-added under a fresh key.
"""

from __future__ import annotations

import os

import numpy as np


class CentroidIndex:
    """Positions (0, 1, ...) of unit vectors; ``search`` returns candidate positions, sorted."""

    def __init__(
        self, ndim: int, connectivity: int = 16, expansion_add: int = 32, expansion: int = 64
    ) -> None:
        from usearch.index import Index

        self._index = Index(
            ndim=ndim,
            metric="ip",
            dtype="f32",
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion,
        )
        self._key_of: dict[int, int] = {}  # position -> current key
        self._position_of: dict[int, int] = {}  # key -> position
        self._next_key = 0

    def __len__(self) -> int:
        return len(self._key_of)

    def add_all(self, vectors: np.ndarray) -> None:
        """Index positions 0..n-1 of an empty index in one batch (one thread: the graph is
        the same on every run)."""
        if self._key_of:
            raise ValueError("add_all needs an empty index")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        keys = np.arange(len(vectors), dtype=np.uint64)
        if len(keys):
            self._index.add(keys, vectors, threads=1)
        self._key_of = {n: n for n in range(len(vectors))}
        self._position_of = dict(self._key_of)
        self._next_key = len(vectors)

    def upsert(self, position: int, vector: np.ndarray) -> None:
        old = self._key_of.pop(position, None)
        if old is not None:
            self._index.remove(old)
            del self._position_of[old]
        key = self._next_key
        self._next_key += 1
        self._index.add(key, np.asarray(vector, dtype=np.float32), threads=1)
        self._key_of[position] = key
        self._position_of[key] = position

    def search_many(self, vectors: np.ndarray, count: int) -> list[np.ndarray]:
        """Candidate positions (sorted) for each row of ``vectors``, in one call on every
        core: a search only reads the graph, so it finds the same candidates on any number
        of threads."""
        if not self._key_of or not len(vectors):
            return [np.zeros(0, dtype=np.int64) for _ in range(len(vectors))]
        matches = self._index.search(
            np.ascontiguousarray(vectors, dtype=np.float32),
            min(count, len(self._key_of)),
            threads=len(os.sched_getaffinity(0)),
        )
        if len(vectors) == 1:  # usearch answers a single query with its hits only
            hits = [matches.keys]
        else:
            hits = [keys[:found] for keys, found in zip(matches.keys, matches.counts, strict=True)]
        out = []
        for keys in hits:
            positions = {self._position_of[int(k)] for k in keys if int(k) in self._position_of}
            out.append(np.asarray(sorted(positions), dtype=np.int64))
        return out
