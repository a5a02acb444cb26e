"""Tests for the self-contained marketing dashboard (dashboards/render.py)."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from dashboards.render import (
    DashboardData,
    HeaderCounts,
    IdeaRow,
    MentionRow,
    build_dashboard,
    render_dashboard,
    safe_url,
)

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
GENERATED = datetime(2024, 5, 20, 9, 30, tzinfo=UTC)

SCHEMA = """
CREATE SCHEMA marts;
CREATE TABLE marts.top_ideas (
    idea_rank INTEGER, idea_id VARCHAR, label VARCHAR, representative_quote VARCHAR,
    representative_url VARCHAR, score DOUBLE, count_mentions INTEGER,
    count_distinct_authors INTEGER, count_items INTEGER, count_channels INTEGER,
    channels VARCHAR[], languages VARCHAR[], first_mentioned_at TIMESTAMPTZ,
    last_mentioned_at TIMESTAMPTZ, total_engagement BIGINT
);
CREATE TABLE marts.idea_mentions (
    idea_id VARCHAR, sentence_id VARCHAR, quote VARCHAR, item_title VARCHAR, item_id VARCHAR,
    source_name VARCHAR, channel VARCHAR, author VARCHAR, mentioned_at TIMESTAMPTZ,
    url VARCHAR, language VARCHAR
);
CREATE TABLE marts.idea_mentions_daily (
    idea_id VARCHAR, mention_date DATE, channel VARCHAR, language VARCHAR,
    count_mentions INTEGER
);
"""

# Inserted deliberately out of rank order.
IDEAS = [
    (
        3,
        "idea-c",
        "Security payload idea",
        XSS_SCRIPT,
        "javascript:alert(1)",
        1.5,
        1,
        1,
        1,
        1,
        ["reddit"],
        ["en"],
        "2024-04-02 08:00:00+00",
        "2024-04-02 08:00:00+00",
        3,
    ),
    (
        1,
        "idea-a",
        "Dark mode",
        "Please add a dark mode to the mobile app.",
        "https://example.com/post/1",
        9.75,
        3,
        2,
        3,
        2,
        ["rss", "reddit"],
        ["en", "fr"],
        "2024-03-01 10:00:00+00",
        "2024-05-10 12:00:00+00",
        42,
    ),
    (
        2,
        "idea-b",
        "Export CSV « données »",
        "Ce serait génial de pouvoir exporter en CSV, s'il vous plaît.",
        "http://exemple.fr/fil/2",
        4.25,
        2,
        2,
        2,
        1,
        ["rss"],
        ["fr"],
        "2024-04-15 07:00:00+00",
        "2024-05-01 07:00:00+00",
        None,
    ),
]

MENTIONS = [
    (
        "idea-a",
        "s1",
        "Please add a dark mode to the mobile app.",
        "App feedback thread",
        "i1",
        "forum",
        "rss",
        "alice",
        "2024-03-01 10:00:00+00",
        "https://example.com/post/1",
        "en",
    ),
    (
        "idea-a",
        "s2",
        "A dark theme would be great for night reading.",
        "Feature wishes",
        "i2",
        "r_app",
        "reddit",
        "bob",
        "2024-05-10 12:00:00+00",
        "https://reddit.example/r/app/2",
        "en",
    ),
    (
        "idea-a",
        "s3",
        "Pourriez-vous ajouter un thème sombre ?",
        "Suggestions",
        "i3",
        "forum",
        "rss",
        "Zoé",
        "2024-04-20 09:00:00+00",
        "ftp://example.com/file",
        "fr",
    ),
    (
        "idea-b",
        "s4",
        "Ce serait génial de pouvoir exporter en CSV, s'il vous plaît.",
        "Idées d'amélioration",
        "i4",
        "blog_fr",
        "rss",
        "Hélène",
        "2024-04-15 07:00:00+00",
        "http://exemple.fr/fil/2",
        "fr",
    ),
    (
        "idea-b",
        "s5",
        "Un export Excel ou CSV serait très pratique.",
        "Idées",
        "i5",
        "blog_fr",
        "rss",
        "François",
        "2024-05-01 07:00:00+00",
        None,
        "fr",
    ),
    (
        "idea-c",
        "s6",
        XSS_IMG,
        XSS_SCRIPT,
        "i6",
        "r_app",
        "reddit",
        XSS_SCRIPT,
        "2024-04-02 08:00:00+00",
        "javascript:alert(1)",
        "en",
    ),
]

DAILY = [
    ("idea-a", "2024-03-01", "rss", "en", 1),
    ("idea-a", "2024-04-20", "rss", "fr", 1),
    ("idea-a", "2024-05-10", "reddit", "en", 1),
    ("idea-b", "2024-04-15", "rss", "fr", 1),
    ("idea-b", "2024-05-01", "rss", "fr", 1),
    ("idea-c", "2024-04-02", "reddit", "en", 1),
]


def _make_warehouse(path: Path, *, with_rows: bool = True, with_counts: bool = False) -> Path:
    """Create a small DuckDB file with the three marts (and optionally raw/core tables)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA)
        if with_rows:
            con.executemany(
                "INSERT INTO marts.top_ideas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                IDEAS,
            )
            con.executemany(
                "INSERT INTO marts.idea_mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                MENTIONS,
            )
            con.executemany("INSERT INTO marts.idea_mentions_daily VALUES (?, ?, ?, ?, ?)", DAILY)
        if with_counts:
            con.execute("CREATE SCHEMA raw; CREATE SCHEMA core;")
            con.execute("CREATE TABLE raw.items AS SELECT range::VARCHAR AS item_id FROM range(7)")
            con.execute(
                "CREATE TABLE core.sentences AS SELECT range::VARCHAR AS sentence_id, "
                "range % 3 = 0 AS is_suggestion FROM range(31)"
            )
    finally:
        con.close()
    return path


def _build(tmp_path: Path, **kwargs: object) -> str:
    """Build the dashboard from a fresh warehouse and return the page text."""
    db = _make_warehouse(
        tmp_path / "wh.duckdb",
        with_rows=bool(kwargs.pop("with_rows", True)),
        with_counts=bool(kwargs.pop("with_counts", False)),
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = build_dashboard(con, tmp_path / "site" / "nested", generated_at=GENERATED, **kwargs)
    finally:
        con.close()
    return out.read_bytes().decode("utf-8")


class _TagCollector(HTMLParser):
    """Collects start tags (with attributes) and the script bodies of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _parse(page: str) -> _TagCollector:
    parser = _TagCollector()
    parser.feed(page)
    parser.close()
    return parser


# --------------------------------------------------------------------------- build_dashboard


def test_build_writes_index_html_in_new_folder(tmp_path: Path) -> None:
    db = _make_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = build_dashboard(con, tmp_path / "a" / "b", generated_at=GENERATED)
    finally:
        con.close()
    assert out == tmp_path / "a" / "b" / "index.html"
    assert out.is_file()
    # Atomic write: no temp file left behind.
    assert [p.name for p in out.parent.iterdir()] == ["index.html"]


def test_build_overwrites_existing_page(tmp_path: Path) -> None:
    out_dir = tmp_path / "site"
    out_dir.mkdir()
    (out_dir / "index.html").write_text("stale page", encoding="utf-8")
    db = _make_warehouse(tmp_path / "wh.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = build_dashboard(con, out_dir, generated_at=GENERATED, title="Weekly ideas")
    finally:
        con.close()
    page = out.read_text(encoding="utf-8")
    assert "stale page" not in page
    assert "<title>Weekly ideas</title>" in page
    assert sorted(p.name for p in out_dir.iterdir()) == ["index.html"]


def test_labels_and_escaped_quotes_present(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert "Dark mode" in page
    assert "Security payload idea" in page
    assert html.escape("Export CSV « données »", quote=True) in page
    assert html.escape("Ce serait génial de pouvoir exporter en CSV, s'il vous plaît.") in page
    assert "s&#x27;il vous plaît" in page
    assert "A dark theme would be great for night reading." in page
    assert "alice" in page and "bob" in page


def test_xss_payloads_are_text_not_markup(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert "<script>window.__xss" not in page
    assert "<img src=x onerror" not in page
    assert "window.__xss" in page  # the content is still shown ...
    assert html.escape(XSS_SCRIPT, quote=True) in page  # ... as escaped text
    assert html.escape(XSS_IMG, quote=True) in page
    parsed = _parse(page)
    assert not [t for t, _ in parsed.tags if t == "img"]
    assert [t for t, _ in parsed.tags].count("script") == 1
    assert all("__xss" not in s for s in parsed.scripts)
    visible = "".join(parsed.text)
    assert XSS_SCRIPT in visible  # rendered by the browser as visible text
    assert XSS_IMG in visible
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs), (
        "no inline event handler attribute may appear"
    )


def test_only_http_links_are_rendered(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert not re.search(r"href\s*=\s*[\"']?\s*javascript:", page, re.IGNORECASE)
    assert "ftp://" not in re.findall(r'href="([^"]*)"', page)
    hrefs = [attrs.get("href") for tag, attrs in _parse(page).tags if tag == "a"]
    assert hrefs, "expected links to the original posts"
    assert all(h and re.match(r"https?://", h) for h in hrefs)
    assert "https://example.com/post/1" in hrefs
    assert "http://exemple.fr/fil/2" in hrefs
    for tag, attrs in _parse(page).tags:
        if tag == "a":
            assert attrs.get("target") == "_blank"
            assert attrs.get("rel") == "noopener noreferrer"


def test_page_is_self_contained(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert not re.search(r"\bsrc\s*=\s*[\"']?\s*(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(https?:)?//", page, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", page, re.IGNORECASE)
    parsed = _parse(page)
    assert all("src" not in attrs for tag, attrs in parsed.tags if tag in {"script", "img"})
    assert not [t for t, _ in parsed.tags if t in {"link", "iframe", "object", "embed"}]


def test_csp_allows_exactly_the_inline_script(tmp_path: Path) -> None:
    page = _build(tmp_path)
    parsed = _parse(page)
    csp = next(
        a["content"]
        for t, a in parsed.tags
        if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
    )
    assert csp and "default-src 'none'" in csp
    (script,) = parsed.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_ideas_in_rank_order(tmp_path: Path) -> None:
    page = _build(tmp_path)
    positions = [page.index(f'id="idea-{i}"') for i in ("idea-a", "idea-b", "idea-c")]
    assert positions == sorted(positions)
    labels = [page.index(label) for label in ("Dark mode", "Export CSV", "Security payload idea")]
    assert labels == sorted(labels)


def test_french_accents_survive_as_utf8(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert '<meta charset="utf-8">' in page
    for word in ("génial", "Zoé", "Hélène", "François", "thème sombre", "données"):
        assert word in page
    raw = (tmp_path / "site" / "nested" / "index.html").read_bytes()
    assert "Hélène".encode() in raw


def test_empty_marts_show_no_ideas_message(tmp_path: Path) -> None:
    page = _build(tmp_path, with_rows=False)
    assert "No ideas yet" in page
    assert "<code>ideas run</code>" in page
    assert 'id="ideas"' not in page


def test_missing_marts_show_no_ideas_message(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    try:
        out = build_dashboard(con, tmp_path / "site", generated_at=GENERATED)
    finally:
        con.close()
    page = out.read_text(encoding="utf-8")
    assert "No ideas yet" in page
    assert "ideas run" in page


def _stats(page: str) -> dict[str, str]:
    """Header numbers by name, as shown."""
    found = re.findall(r'<span class="num">([^<]*)</span><span class="what">(\w+)</span>', page)
    return {what: num for num, what in found}


def test_header_counts_with_and_without_raw_core(tmp_path: Path) -> None:
    page = _build(tmp_path, with_counts=True)
    assert _stats(page) == {
        "Items": "7",
        "Sentences": "31",
        "Suggestions": "11",
        "Ideas": "3",
        "Mentions": "6",
    }
    assert "2024-05-20 09:30 UTC" in page

    second = tmp_path / "second"
    second.mkdir()
    stats = _stats(_build(second))
    assert stats["Items"] == stats["Sentences"] == stats["Suggestions"] == "—"
    assert stats["Ideas"] == "3"
    assert stats["Mentions"] == "6"


def test_limits_on_ideas_and_mentions(tmp_path: Path) -> None:
    page = _build(tmp_path, max_ideas=2, max_mentions_per_idea=1)
    assert "Dark mode" in page and "Export CSV" in page
    assert "Security payload idea" not in page
    assert "window.__xss" not in page
    # Newest mention of idea-a only, with a note that more exist.
    assert "A dark theme would be great for night reading." in page
    assert "thème sombre" not in page
    assert "Show 1 of 3 mentions" in page


def test_mentions_are_expandable_details(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert page.count("<details>") == 3
    assert "Show 3 mentions" in page
    assert "Show 1 mention<" in page


def test_sparkline_drawn_from_daily_counts(tmp_path: Path) -> None:
    page = _build(tmp_path)
    assert page.count('<svg class="spark"') == 3
    # Latest mention week starts Monday 2024-05-06; window is the 12 weeks to it.
    assert "12 weeks to 2024-05-06" in page
    group = page[page.index('id="idea-idea-b"') :]
    group = group[: group.index("</tbody>")]
    assert "week of 2024-04-15: 1" in group
    assert "week of 2024-04-29: 1" in group
    assert 'data-sort="2"><svg' in group


# --------------------------------------------------------------------------- render_dashboard


def _idea(rank: int, idea_id: str, **kwargs: object) -> IdeaRow:
    return IdeaRow(idea_rank=rank, idea_id=idea_id, label=f"label {idea_id}", **kwargs)


def test_render_is_pure_and_escapes_everything() -> None:
    data = DashboardData(
        title='Ideas <b>"quoted"</b>',
        generated_at=datetime(2024, 1, 2, 3, 4),
        counts=HeaderCounts(items=1234, ideas=1),
        ideas=[
            _idea(
                1,
                'x"><script>',
                representative_quote="a & b < c",
                representative_url=" JavaScript:alert(1)",
                channels=("<rss>",),
                languages=("fr",),
            )
        ],
        mentions={
            'x"><script>': [
                MentionRow(
                    quote="q",
                    author='"><svg onload=alert(1)>',
                    item_title="<i>t</i>",
                    url="data:text/html,<script>alert(1)</script>",
                )
            ]
        },
        weekly_mentions={'x"><script>': {date(2024, 1, 1): 2}},
    )
    page = render_dashboard(data)
    assert page == render_dashboard(data)
    assert "<title>Ideas &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;</title>" in page
    assert 'id="idea-x&quot;&gt;&lt;script&gt;"' in page
    assert "a &amp; b &lt; c" in page
    assert "&lt;rss&gt;" in page
    assert "&quot;&gt;&lt;svg onload=alert(1)&gt;" in page
    assert "<svg onload" not in page
    assert "&lt;i&gt;t&lt;/i&gt;" in page
    assert "href=" not in page  # neither url is http(s)
    assert "1,234" in page
    assert "2024-01-02 03:04 UTC" in page


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
        ("  http://example.com/  ", "http://example.com/"),
        ("HTTPS://EXAMPLE.COM", "HTTPS://EXAMPLE.COM"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,hi", None),
        ("vbscript:msgbox", None),
        ("//example.com/x", None),
        ("/relative/path", None),
        ("https:///nohost", None),
        ("http://exa mple.com", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_render_escapes_ampersands_in_href() -> None:
    data = DashboardData(
        ideas=[_idea(1, "a", representative_url="https://example.com/?a=1&b=<2>")],
    )
    page = render_dashboard(data)
    assert 'href="https://example.com/?a=1&amp;b=&lt;2&gt;"' in page


def test_render_empty_data() -> None:
    page = render_dashboard(DashboardData())
    assert "No ideas yet" in page and "ideas run" in page
    assert "<table" not in page
