"""Cheap lexical near-duplicate detection, before any embedding comparison (pure numpy).

Copy-pasted and syndicated suggestions are the same words, perhaps with other punctuation or
a changed word. Two checks, in order:

1. exact: the same normalised text (``text_hash``, already the embedding cache key);
2. MinHash over character 5-gram shingles of the text with punctuation removed, split into
   bands (locality-sensitive hashing): texts sharing a band are candidates, and a candidate is
   a twin when the Jaccard similarity of the two shingle sets reaches the threshold.

Signatures are deterministic (fixed hash coefficients), so a rerun finds the same twins.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_PRIME = np.uint64(4294967311)  # a prime above 2**32
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC, lowercase, punctuation to spaces, single spaces."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def shingles(text: str, size: int = 5) -> set[int]:
    """CRC32 of the character ``size``-grams of the normalised text (the text itself when
    shorter)."""
    t = normalise(text)
    if len(t) <= size:
        return {zlib.crc32(t.encode("utf-8"))} if t else set()
    return {zlib.crc32(t[i : i + size].encode("utf-8")) for i in range(len(t) - size + 1)}


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


@lru_cache(maxsize=8)
def _coefficients(seed: int, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The hash functions' coefficients (drawn once per process: drawing them per text cost
    more than hashing it)."""
    rng = np.random.RandomState(seed)
    a = rng.randint(1, 2**31 - 1, size=num_perm).astype(np.uint64)
    b = rng.randint(0, 2**31 - 1, size=num_perm).astype(np.uint64)
    a.flags.writeable = b.flags.writeable = False
    return a, b


@dataclass(frozen=True)
class MinHasher:
    bands: int = 16
    rows: int = 4
    shingle_size: int = 5
    seed: int = 1

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def _coefficients(self) -> tuple[np.ndarray, np.ndarray]:
        return _coefficients(self.seed, self.num_perm)

    def signature(self, shingle_set: set[int]) -> np.ndarray:
        if not shingle_set:
            return np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        a, b = self._coefficients()
        x = np.fromiter(shingle_set, dtype=np.uint64, count=len(shingle_set))
        return ((np.outer(x, a) + b) % _PRIME).min(axis=0)

    def band_keys(self, text: str) -> list[str]:
        """One key per band: its number and a hash of its rows."""
        sig = self.signature(shingles(text, self.shingle_size))
        return [
            f"{band}:{zlib.crc32(sig[band * self.rows : (band + 1) * self.rows].tobytes()):08x}"
            for band in range(self.bands)
        ]


def find_twins(
    texts: list[str],
    earlier: dict[str, list[str]],
    earlier_texts: dict[str, str],
    threshold: float,
    hasher: MinHasher | None = None,
    band_keys: list[list[str]] | None = None,
) -> tuple[list[str | None], list[list[str]]]:
    """For each text (in order), the key of an earlier near-duplicate, or None.

    ``earlier`` maps a band key to the keys of earlier texts in that band, and
    ``earlier_texts`` gives those texts; texts of this batch become "earlier" for the texts
    after them, under the keys ``#0``, ``#1``... (their position). Also returns each text's band
    keys (to store; ``band_keys`` passes them when the caller already computed them). The twin
    is the most similar candidate, ties to the smallest key.
    """
    hasher = hasher or MinHasher()
    bands = dict((k, list(v)) for k, v in earlier.items())
    pool = dict(earlier_texts)
    shingle_cache: dict[str, set[int]] = {}

    def shingled(key: str) -> set[int]:
        if key not in shingle_cache:
            shingle_cache[key] = shingles(pool[key], hasher.shingle_size)
        return shingle_cache[key]

    twins: list[str | None] = []
    keys_out: list[list[str]] = []
    for n, text in enumerate(texts):
        mine = shingles(text, hasher.shingle_size)
        mine_bands = band_keys[n] if band_keys is not None else hasher.band_keys(text)
        candidates = sorted({c for bk in mine_bands for c in bands.get(bk, [])})
        best, best_sim = None, threshold
        for cand in candidates:
            sim = jaccard(mine, shingled(cand))
            if sim >= best_sim and (best is None or sim > best_sim):
                best, best_sim = cand, sim
                if sim == 1.0:  # nothing beats it, and ties go to the smallest key
                    break
        twins.append(best)
        keys_out.append(mine_bands)
        own = f"#{n}"
        pool[own] = text  # shingled again only if it becomes a candidate (memory)
        for bk in mine_bands:
            bands.setdefault(bk, []).append(own)
    return twins, keys_out


def resolve_twins(
    keys: list[str],
    hashes: list[str],
    found: list[str | None],
    exact: dict[str, str] | None = None,
    idea_of: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Turn near-duplicate matches into grouping instructions, per key (in grouping order):
    ``fixed`` (key -> idea of an already grouped twin) and ``twins`` (key -> an earlier key of
    the batch). Exact text first: a text hash already grouped (``exact``: hash -> idea), then
    the same hash earlier in the batch; then the MinHash twin of ``find_twins`` (``#n`` = the
    batch's n-th key, else an earlier key whose idea ``idea_of`` gives)."""
    exact, idea_of = exact or {}, idea_of or {}
    fixed: dict[str, str] = {}
    twins: dict[str, str] = {}
    first_of_hash: dict[str, str] = {}
    for key, text_hash, twin in zip(keys, hashes, found, strict=True):
        if text_hash in exact:
            fixed[key] = exact[text_hash]
        elif text_hash in first_of_hash:
            twins[key] = first_of_hash[text_hash]
        elif twin is not None and twin.startswith("#"):
            twins[key] = keys[int(twin[1:])]
        elif twin is not None:
            fixed[key] = idea_of[twin]
        first_of_hash.setdefault(text_hash, key)
    return fixed, twins
