"""Grouping measured on the demo's own suggestion sentences, against topics given by keywords.

    .venv/bin/python bench/demo_grouping.py [--warehouse W.duckdb] \
        [--model bundled:use-e5-small ...] [--similarity 0.2 ...]

Mini-BAR's gold clusters (``bench/quality_eval.py``) are whole app reviews, often about
several things at once; production groups single suggestion sentences. This check groups the
demo's detected suggestions (the sentences of a warehouse built by ``ideas demo``; one is
built in a temporary folder when ``--warehouse`` is not given) in arrival order with the
production code (``ideas eval grouping``'s), and scores the ideas against a topic per
sentence: the one topic of ``TOPICS`` whose keywords (English and French, written by us for
the demo's subjects) it names. Sentences naming no topic or several are left out. Prints
ARI, NMI, pairwise precision/recall/F1 and the number of groups for each model and join
threshold. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: topic -> keywords (on lower-cased text). Written from the demo's subjects, not tuned.
TOPICS = {
    "markdown": r"markdown|\.md\b",
    "dark mode": r"dark|mode sombre|th[eè]me sombre|\bsombre\b|night theme|mode nuit"
    r"|true black|light colours",
    "offline": r"offline|hors ligne|hors connexion|local copy|copie locale|sans r[ée]seau"
    r"|copie des notes sur le t[ée]l[ée]phone|synced down",
    "week view": r"week view|week grid|seven-day|7-day|hourly slots|hours down the side"
    r"|vue (?:de la |par )?semaine|affichage par semaine|semaine dans le calendrier"
    r"|month grid|first day of the week",
    "two-step login": r"two-step|two-factor|2fa|authenticator|deux facteurs|deux [ée]tapes"
    r"|second factor|double authentification|code par application|usage unique",
    "encryption": r"encrypt|chiffr|zero-knowledge|security audit",
    "nested tags": r"nested tags|tag tree|tags? (?:inside|hierarch)|sub-tags|tags have parents"
    r"|sous-tags|sous-[ée]tiquettes|imbriquer les [ée]tiquettes|hi[ée]rarchi|#\w+/",
    "student price": r"student|[ée]tudiant|university email",
    "linux": r"linux|ubuntu|flatpak|appimage|\.deb\b|\bsnap\b",
    "edit rights": r"edit (?:rights|access)|co-author|droits? (?:de )?modification"
    r"|permission levels|qui peut modifier|seule [àa] pouvoir le modifier",
    "handwriting": r"handwrit|pencil|stylet|[àa] la main|scribble|sketch",
    "recurring tasks": r"recurring|recur\b|r[ée]currente?s?|repeat|se r[ée]p[èe]tent"
    r"|every (?:monday|thursday)|chaque lundi",
    "zotero": r"zotero|citation",
    "board view": r"board view|kanban|cards? in columns|colonnes",
    "font size": r"font size|taille de (?:la )?police|text size|texte est vraiment petit"
    r"|agrandir le texte|editor text is small",
    "widget": r"widget",
    "api": r"\bapi\b|webhook|home automation|integrations",
    "text recognition": r"text recognition|\bocr\b|reconnaissance|scanned|texte dans les images"
    r"|tableaux blancs",
    "spell check": r"spell|orthograph|correcteur",
    "shortcuts": r"shortcut|raccourci|key combos",
    "templates": r"template|mod[eè]les? pr[eê]ts",
    "version history": r"version history|history of note|previous versions|historique"
    r"|roll back|restore|restaurer|revenir en arri[èe]re",
    "transcription": r"transcri|voice|vocal|memos?\b|m[ée]mos?\b",
    "evernote import": r"evernote|\.enex|importer",
    "progress bar": r"progress bar|barre de progression|how far along",
}


def topic_of(text: str) -> str | None:
    lowered = text.lower()
    hits = [topic for topic, pattern in TOPICS.items() if re.search(pattern, lowered)]
    return hits[0] if len(hits) == 1 else None


def demo_suggestions(warehouse: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT g.suggestion_text FROM core.suggestions g JOIN raw.items r USING (item_id) "
            "ORDER BY coalesce(r.published_at, r.fetched_at), g.sentence_id"
        ).fetchall()
    return [text for (text,) in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a warehouse built by `ideas demo`")
    parser.add_argument(
        "--model",
        nargs="+",
        default=["bundled:use-e5-small", "bundled:use-multilingual-v3"],
    )
    parser.add_argument("--similarity", type=float, nargs="+", default=[0.15, 0.2, 0.25])
    parser.add_argument(
        "--request-focus",
        choices=("on", "off"),
        nargs="+",
        default=["on", "off"],
        help="grouping.request_focus values to compare (default: both)",
    )
    args = parser.parse_args()

    from idea_harvester.config import Settings
    from idea_harvester.evaluation import group_texts, grouping_scores, text_vectors
    from transforms.settings import EnrichSettings

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = args.warehouse
        if warehouse is None:
            from idea_harvester.demo import run_demo

            print("building the demo warehouse...", file=sys.stderr)
            with contextlib.redirect_stdout(sys.stderr):
                run_demo(Path(tmp) / "demo", progress=lambda message: None)
            warehouse = Path(tmp) / "demo" / "warehouse" / "ideas.duckdb"
        texts = demo_suggestions(warehouse)
    topics = [topic_of(text) for text in texts]
    kept = [i for i, topic in enumerate(topics) if topic]
    print(f"{len(texts)} suggestions, {len(kept)} naming exactly one of {len(TOPICS)} topics")
    header = ("model", "focus", "join", "ari", "nmi", "pair P", "pair R", "groups")
    print("{:30} {:>5} {:>5} {:>6} {:>6} {:>7} {:>7} {:>7}".format(*header))
    for model in args.model:
        for focus in args.request_focus:
            vectors = None  # embedded once per model, grouped at every threshold
            for similarity in args.similarity:
                settings = Settings(
                    warehouse="unused.duckdb",
                    landing="unused",
                    model={"embedding_model": model},
                    grouping={"similarity": similarity, "request_focus": focus == "on"},
                )
                s = EnrichSettings.from_settings(settings)
                vectors = text_vectors(texts, s) if vectors is None else vectors
                ideas = group_texts(texts, s, vectors)
                scores = grouping_scores([topics[i] for i in kept], [ideas[i] for i in kept])
                print(
                    f"{model:30} {focus:>5} {similarity:5.2f} {scores['ari']:6.3f} "
                    f"{scores['nmi']:6.3f} {scores['pair_precision']:7.3f} "
                    f"{scores['pair_recall']:7.3f} {scores['n_groups']:7d}"
                )


if __name__ == "__main__":
    main()
