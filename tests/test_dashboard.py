"""The generated dashboard site (dashboards/): layout, escaping, links, counts, trends."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from dashboards.context import idea_filename, idea_href
from dashboards.markup import CSP, json_block, safe_url
from dashboards.site import build_site
from tests.test_dashboard_support import (
    RUN_AT,
    XSS_IMG,
    XSS_SCRIPT,
    fill_marts,
    insert,
    mention,
    open_warehouse,
)

DAY = timedelta(days=1)
LABELS = {
    "idea-a": "Dark mode",
    "idea-b": "Export CSV « données »",
    "idea-c": f"Security payload {XSS_SCRIPT}",
    "idea-d": "Steady old idea",
}


def _mentions() -> list[dict]:
    """idea-a spikes this week; idea-d is steady; idea-c carries the payloads everywhere."""
    out = [mention("idea-a", k, RUN_AT - DAY * k, author=f"a{k}") for k in range(5)]
    out.append(mention("idea-a", 9, RUN_AT - DAY * 60, author="old", channel="reddit"))
    out += [
        mention(
            "idea-b",
            k,
            RUN_AT - DAY * (20 + k),
            quote="Ce serait génial de pouvoir exporter en CSV, s'il vous plaît.",
            author="Hélène",
            language="fr",
            url="http://exemple.fr/fil/2",
        )
        for k in range(2)
    ]
    out.append(
        mention(
            "idea-c",
            0,
            RUN_AT - DAY * 3,
            quote=f"Keep {XSS_SCRIPT} and {XSS_IMG} as text",
            author=XSS_IMG,
            channel="reddit<b>",
            url="javascript:window.__xss=1",
            title=XSS_SCRIPT,
        )
    )
    out += [mention("idea-d", k, RUN_AT - DAY * (7 * k + 10)) for k in range(6)]
    return out


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built site from a small warehouse."""
    con = open_warehouse(tmp_path / "wh.duckdb")
    fill_marts(con, LABELS, _mentions())
    build_site(con, tmp_path / "site", run_at=RUN_AT)
    con.close()
    return tmp_path / "site"


class _Tags(HTMLParser):
    """Start tags with attributes, script bodies and visible text of a page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)


def _pages(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def _data(page: str, element_id: str) -> object:
    """The JSON data block ``element_id`` of a page."""
    for attrs, body in _Tags(page).scripts:
        if attrs.get("id") == element_id:
            return json.loads(body)
    raise AssertionError(f"no data block {element_id}")


# --------------------------------------------------------------------------- layout


def test_site_layout(site: Path) -> None:
    names = set(_pages(site))
    assert {"index.html", "ideas.html", "emerging.html", "alerts.html"} <= names
    assert {f"idea/{i}.html" for i in LABELS} <= names
    assets = {p.name for p in (site / "assets").iterdir()}
    assert assets == {"app.js", "style.css", "plotly.min.js"}
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    exports = {p.name for p in (site / "exports").iterdir()}
    assert "marts.top_ideas.csv" in exports and "marts.top_ideas.parquet" in exports
    assert not [p for p in site.rglob("*.tmp")], "atomic writes leave no temp file"


def test_rebuild_drops_pages_of_vanished_ideas(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "wh.duckdb")
    fill_marts(con, LABELS, _mentions())
    build_site(con, tmp_path / "site", run_at=RUN_AT)
    fill_marts(con, {"idea-a": "Dark mode"}, [m for m in _mentions() if m["idea_id"] == "idea-a"])
    build_site(con, tmp_path / "site", run_at=RUN_AT)
    con.close()
    assert sorted(p.name for p in (tmp_path / "site" / "idea").iterdir()) == ["idea-a.html"]


@pytest.mark.parametrize(
    ("idea_id", "safe"),
    [("idea_9235f624cd10", True), ("../../etc/passwd", False), ('x"><script>', False)],
)
def test_idea_file_names_are_safe(idea_id: str, safe: bool) -> None:
    name = idea_filename(idea_id)
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.html", name)
    assert (name == f"{idea_id}.html") is safe
    assert idea_href(idea_id) == f"idea/{name}"


# --------------------------------------------------------------------------- escaping


def test_payloads_are_text_never_markup(site: Path) -> None:
    for name, page in _pages(site).items():
        assert "<script>window.__xss" not in page, name
        assert "<img src=x" not in page, name
        parsed = _Tags(page)
        assert not [t for t, _ in parsed.tags if t in {"img", "iframe", "object", "embed"}]
        assert not [n for _, a in parsed.tags for n in a if n.startswith("on")], name
        for attrs, body in parsed.scripts:
            if attrs.get("type") == "application/json":
                assert "<" not in body and ">" not in body, name
            else:
                assert attrs.get("src", "").endswith(("assets/plotly.min.js", "assets/app.js"))
                assert body == "", f"inline script in {name}"
    idea = (site / "idea" / "idea-c.html").read_text(encoding="utf-8")
    visible = "".join(_Tags(idea).text)
    assert XSS_SCRIPT in visible and XSS_IMG in visible  # shown as the user wrote it
    rows = _data((site / "ideas.html").read_text(encoding="utf-8"), "ideas-data")["rows"]
    assert any(r["label"] == LABELS["idea-c"] for r in rows)  # JSON keeps the exact text


def test_json_block_cannot_close_its_element() -> None:
    value = {"s": "</script><script>alert(1)</script>&\u2028"}
    block = json_block("d", value)
    inner = block[block.index(">") + 1 : block.rindex("</script>")]
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == value


def test_only_http_links_leave_the_site(site: Path) -> None:
    external = 0
    for name, page in _pages(site).items():
        for tag, attrs in _Tags(page).tags:
            href = attrs.get("href") if tag in {"a", "link"} else None
            if href is None:
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE) or href.startswith("//"):
                assert re.match(r"https?://", href), f"{name}: {href}"
                external += 1
                assert attrs.get("target") == "_blank"
                assert attrs.get("rel") == "noopener noreferrer"
            else:
                target = (site / name).parent / href.split("#")[0]
                assert target.resolve().is_relative_to(site.resolve()), href
                assert target.exists(), f"{name} links to missing {href}"
    assert external >= 3
    idea = (site / "idea" / "idea-c.html").read_text(encoding="utf-8")
    assert "javascript:" not in idea.lower()


def test_pages_are_self_contained_with_a_csp(site: Path) -> None:
    assert "default-src 'none'" in CSP and "script-src 'self'" in CSP
    assert "connect-src 'none'" in CSP and "require-trusted-types-for 'script'" in CSP
    for name, page in _pages(site).items():
        parsed = _Tags(page)
        csp = [
            a["content"]
            for t, a in parsed.tags
            if t == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy"
        ]
        assert csp == [CSP], name
        assert not re.search(r"\b(src|href)=\"(https?:)?//[^\"]*\.(js|css)", page), name
        assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", page), name
    js = (site / "assets" / "app.js").read_text(encoding="utf-8")
    assert "innerHTML" not in js.replace("never innerHTML", "")
    assert "http://" not in js and "https://" not in js


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
        ("  http://example.com/  ", "http://example.com/"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,hi", None),
        ("//example.com/x", None),
        ("/relative/path", None),
        ("https:///nohost", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


# --------------------------------------------------------------------------- content


def _stats(page: str) -> dict[str, str]:
    found = re.findall(r'<span class="num">([^<]*)</span><span class="what">([^<]+)</span>', page)
    return {what: num for num, what in found}


def test_overview_counts_and_this_week_follow_run_at(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "wh.duckdb")
    fill_marts(con, LABELS, _mentions())
    insert(con, "raw.items", [_item(n) for n in range(7)])
    insert(
        con,
        "core.ideas",
        [_core_idea("new", RUN_AT - DAY * 2), _core_idea("old", RUN_AT - DAY * 30)],
    )
    insert(con, "core.suggestions", [_suggestion(n) for n in range(11)])
    build_site(con, tmp_path / "now", run_at=RUN_AT)
    build_site(con, tmp_path / "past", run_at=RUN_AT - DAY * 28)
    con.close()
    now = _stats((tmp_path / "now" / "index.html").read_text(encoding="utf-8"))
    assert now == {
        "Items harvested": "7",
        "Suggestions": "11",
        "Ideas": "2",
        "New ideas this week": "1",
        "Mentions": str(len(_mentions())),
    }
    past = _stats((tmp_path / "past" / "index.html").read_text(encoding="utf-8"))
    assert past["New ideas this week"] == "1"  # "old" was new four weeks before RUN_AT


def _item(n: int) -> dict:
    return {
        "item_id": f"i{n}",
        "source_name": "s",
        "channel": "rss",
        "native_id": f"n{n}",
        "content_hash": "h",
        "fetched_at": RUN_AT,
        "batch_id": "b",
    }


def _core_idea(idea_id: str, first: datetime) -> dict:
    return {
        "idea_id": idea_id,
        "model_id": "m",
        "founding_sentence_id": "s",
        "representative_sentence_id": "s",
        "centroid": [0.0],
        "count_members": 1,
        "first_mentioned_at": first,
    }


def _suggestion(n: int) -> dict:
    return {
        "sentence_id": f"s{n}",
        "item_id": "i0",
        "suggestion_text": "Please add it.",
        "text_hash": f"h{n}",
        "language": "en",
        "suggestion_score": 0.9,
    }


def test_top_ideas_table_data(site: Path) -> None:
    data = _data((site / "ideas.html").read_text(encoding="utf-8"), "ideas-data")
    keys = [c["key"] for c in data["columns"]]
    assert keys[:3] == ["rank", "label", "score"]
    assert {"mentions", "authors", "channels", "languages", "first", "last", "trend"} <= set(keys)
    rows = {r["label"]: r for r in data["rows"]}
    dark = rows["Dark mode"]
    assert dark["rank"] == 1 and dark["mentions"] == 6 and dark["href"] == "idea/idea-a.html"
    assert dark["channels"] == ["reddit", "rss"]
    assert dark["first"] == (RUN_AT - DAY * 60).date().isoformat()
    assert len(dark["trend"]) == 12 and dark["trend"][-1] >= 1  # ends with the run's week
    assert sum(n for _, n in dark["days"]) == 6
    assert data["weeks"][-1] == (RUN_AT.date() - DAY * RUN_AT.weekday()).isoformat()


def test_score_parts_appear_as_columns(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "wh.duckdb")  # the migrations add the score_* columns
    con.execute("COMMENT ON COLUMN marts.top_ideas.score_authors IS 'Points for distinct authors.'")
    parts = {
        "score_authors": 2.5,
        "score_repeats": 0.5,
        "score_channels": 0.0,
        "score_engagement": 0.0,
        "score_recency": 0.25,
    }
    fill_marts(con, LABELS, _mentions(), extra={i: parts for i in LABELS})
    build_site(con, tmp_path / "site", run_at=RUN_AT)
    con.close()
    data = _data((tmp_path / "site" / "ideas.html").read_text(encoding="utf-8"), "ideas-data")
    columns = [c for c in data["columns"] if c["key"].startswith("p.")]
    labels = [c["label"] for c in columns]
    assert labels == ["+Authors", "+Repeats", "+Channels", "+Engagement", "+Recency"]
    assert columns[0]["title"] == "Points for distinct authors."
    assert data["rows"][0]["p"] == parts
    idea = (tmp_path / "site" / "idea" / "idea-a.html").read_text(encoding="utf-8")
    assert "<dt>+Authors</dt><dd>2.5</dd>" in idea and "<dt>+Recency</dt><dd>0.25</dd>" in idea


def test_emerging_ideas_spike_against_their_own_baseline(site: Path) -> None:
    page = (site / "emerging.html").read_text(encoding="utf-8")
    assert 'href="idea/idea-a.html"' in page  # 5 mentions this week, ~0 before
    assert "idea-d.html" not in page  # steady
    assert "idea-b.html" not in page  # nothing this week
    overview = (site / "index.html").read_text(encoding="utf-8")
    assert "Emerging now" in overview and 'href="idea/idea-a.html"' in overview


def test_idea_page_lists_every_mention_newest_first(site: Path) -> None:
    page = (site / "idea" / "idea-a.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-channel="([^"]*)" data-language="[^"]*" data-day="([^"]*)">', page)
    assert len(rows) == 6
    days = [d for _, d in rows]
    assert days == sorted(days, reverse=True)
    assert 'href="https://forum.example/t/1" target="_blank" rel="noopener noreferrer"' in page
    trend = _data(page, "idea-data")
    assert [s["name"] for s in trend["series"]] == ["reddit", "rss"]
    assert sum(sum(s["y"]) for s in trend["series"]) == 6
    assert trend["weeks"][-1] == (RUN_AT.date() - DAY * RUN_AT.weekday()).isoformat()


def test_french_text_survives_as_utf8(site: Path) -> None:
    raw = (site / "idea" / "idea-b.html").read_bytes()
    assert b'<meta charset="utf-8">' in raw
    assert "Hélène".encode() in raw and "génial".encode() in raw
    assert "s&#x27;il vous plaît".encode() in raw


def test_empty_and_missing_marts_say_no_ideas_yet(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "wh.duckdb")
    build_site(con, tmp_path / "empty", run_at=RUN_AT)
    con.close()
    bare = duckdb.connect(str(tmp_path / "bare.duckdb"))
    build_site(bare, tmp_path / "bare", run_at=RUN_AT)
    bare.close()
    for folder in ("empty", "bare"):
        for name in ("index.html", "ideas.html", "emerging.html"):
            page = (tmp_path / folder / name).read_text(encoding="utf-8")
            assert "No ideas yet" in page and "ideas run" in page
    assert not (tmp_path / "bare" / "alerts.html").exists()


def test_generation_reads_no_clock(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "wh.duckdb")
    fill_marts(con, LABELS, _mentions())
    build_site(con, tmp_path / "one", run_at=RUN_AT)
    build_site(con, tmp_path / "two", run_at=RUN_AT)
    con.close()
    for name, page in _pages(tmp_path / "one").items():
        assert (tmp_path / "two" / name).read_text(encoding="utf-8") == page, name
    assert date(2026, 11, 27).isoformat() in (tmp_path / "one" / "index.html").read_text()


def test_a_merged_ideas_old_page_sends_readers_to_the_surviving_idea(tmp_path: Path) -> None:
    from dashboards.context import IDEA_DIR

    con = open_warehouse(tmp_path / "wh.duckdb")
    fill_marts(con, LABELS, _mentions())
    survivor = sorted(LABELS)[0]
    for old, new in (("idea-old", "idea-mid"), ("idea-mid", survivor), ("idea-x", "idea-gone")):
        con.execute(
            "INSERT INTO core.idea_redirects (from_idea_id, to_idea_id, reason, decided_at) "
            "VALUES (?, ?, 'analyst', ?)",
            [old, new, RUN_AT],
        )
    build_site(con, tmp_path / "site", run_at=RUN_AT)
    con.close()
    folder = tmp_path / "site" / IDEA_DIR
    for old in ("idea-old", "idea-mid"):  # a chain of merges ends at the survivor
        page = (folder / idea_filename(old)).read_text(encoding="utf-8")
        assert f'url={idea_filename(survivor)}"' in page, old
        assert f'href="{idea_filename(survivor)}"' in page
    assert not (folder / idea_filename("idea-x")).exists(), "no page to send readers to"
    assert (folder / idea_filename(survivor)).read_text(encoding="utf-8") != page
