"""The demo's dashboard in headless Chromium: no JavaScript error, no network, screenshots,
working table controls, and the planted XSS payload shown as text, never run.

Chromium is driven through the DevTools protocol (``websocket-client``, a dependency of
praw). Without /usr/bin/chromium the tests skip; install it (as root) with
``apt-get install -y --no-install-recommends chromium``, as ``.ci/run`` does.
"""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboards.context import idea_href
from idea_harvester.cli import main

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = (
    "headless Chromium not found at /usr/bin/chromium: install it as root with "
    "`apt-get update && apt-get install -y --no-install-recommends chromium` "
    "(.ci/run does this before `make test`)"
)
SHOTS = Path(tempfile.gettempdir()) / "idea-harvester-screenshots"
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=INSTALL_HINT)


class DevTools:
    """A minimal DevTools-protocol client for one page target."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result; events met meanwhile are kept."""
        call_id = next(self.ids)
        self.ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait for the next event named ``method``."""
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its JSON value."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def open(self, url: str, timeout: float = 30.0) -> str:
        """Navigate, wait for the load event and the page script's ready flag; return it."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired", timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = self.evaluate("document.documentElement.getAttribute('data-ready')")
            if ready:
                self.settle()  # let queued sparkline frames run, and collect their events
                return str(ready)
            time.sleep(0.1)
        raise TimeoutError(f"page script never finished on {url}")

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events of the next ``seconds`` (late promise rejections included)."""
        from websocket import WebSocketTimeoutException

        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                self.events.append(json.loads(self.ws.recv()))
            except WebSocketTimeoutException:
                break
        self.ws.settimeout(30)

    def errors(self) -> list[str]:
        """JavaScript exceptions, console errors and browser error logs (CSP included)."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params["exceptionDetails"])[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
                found.append(json.dumps(params.get("args"))[:500])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", "")[:500])
        return found

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path) -> Path:
        """Full-page PNG screenshot."""
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        shot = self.call(
            "Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    """Headless Chromium with a fresh profile, and a DevTools session on its page."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
            "--window-size=1280,900",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=log,
        stderr=log,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start; see {log.name}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            tools.call(f"{domain}.enable")
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dashboard folder produced by ``ideas demo``."""
    folder = tmp_path_factory.mktemp("demo-browser")
    assert main(["demo", "--dir", str(folder)]) == 0
    return folder / "dashboards"


def _payload_page(site: Path) -> Path:
    """The idea page whose mentions carry the planted payload."""
    db = site.parent / "warehouse" / "ideas.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT idea_id FROM marts.idea_mentions WHERE quote LIKE '%window.__xss%' "
            "AND idea_id IN (SELECT idea_id FROM marts.top_ideas) LIMIT 1"
        ).fetchone()
    assert row, "the demo data should plant the XSS payload in a ranked idea"
    return site / idea_href(row[0])


def _check_clean(browser: DevTools, url: str) -> None:
    assert browser.open(url) == "1", f"page script failed on {url}: {browser.errors()}"
    assert browser.errors() == [], url
    assert browser.evaluate("typeof window.__xss") == "undefined", url
    assert not browser.evaluate("document.querySelector('img[src=\"x\"], img[onerror]')")
    outside = [u for u in browser.requested_urls() if not u.startswith(("file://", "data:"))]
    assert outside == [], f"{url} reached out to the network"


def test_the_harness_sees_javascript_errors(browser: DevTools, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><script>document.documentElement.setAttribute("
        "'data-ready','1'); console.error('seen'); throw new Error('boom');</script></body></html>",
        encoding="utf-8",
    )
    browser.open(bad.as_uri())
    errors = " ".join(browser.errors())
    assert "boom" in errors and "seen" in errors


def test_every_page_loads_without_errors_or_network(browser: DevTools, demo_site: Path) -> None:
    for name in ("index.html", "ideas.html", "emerging.html", "alerts.html"):
        _check_clean(browser, (demo_site / name).as_uri())


def test_overview_and_idea_page_screenshots(
    browser: DevTools, demo_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _check_clean(browser, (demo_site / "index.html").as_uri())
    assert browser.evaluate("document.querySelectorAll('#chart-timeline .main-svg').length") > 0
    assert browser.evaluate("document.querySelectorAll('#chart-languages .main-svg').length") > 0
    overview = browser.screenshot(SHOTS / "overview.png")

    page = _payload_page(demo_site)
    _check_clean(browser, page.as_uri())
    assert browser.evaluate("document.querySelectorAll('#chart-idea .main-svg').length") > 0
    idea = browser.screenshot(SHOTS / "idea-page.png")
    for shot in (overview, idea):
        assert shot.stat().st_size > 10_000
    with capsys.disabled():
        sys.stdout.write(f"\nscreenshots: {overview} {idea}\n")


def test_planted_payload_is_text_and_never_runs(browser: DevTools, demo_site: Path) -> None:
    page = _payload_page(demo_site)
    _check_clean(browser, page.as_uri())
    text = browser.evaluate("document.body.innerText")
    assert XSS_SCRIPT in text and XSS_IMG in text  # shown as the user wrote it
    scripts = browser.evaluate(
        "Array.from(document.scripts).filter(s => !s.type || s.type === 'text/javascript')"
        ".map(s => s.getAttribute('src'))"
    )
    assert scripts == ["../assets/plotly.min.js", "../assets/app.js"]
    browser.settle()
    assert browser.evaluate("typeof window.__xss") == "undefined"


def test_payload_in_the_top_ideas_table_is_text(browser: DevTools, tmp_path: Path) -> None:
    """The payload as an idea's label and quote, through the table's script (DOM text nodes).
    Hand-made marts: which demo suggestion represents an idea depends on the grouping."""
    from dashboards.site import build_site
    from tests.test_dashboard_support import RUN_AT, fill_marts, mention, open_warehouse

    payload = f"Please add a Markdown export that keeps {XSS_SCRIPT} and {XSS_IMG} intact."
    with open_warehouse(tmp_path / "w.duckdb") as con:
        mentions = [mention("idea_xss", n, RUN_AT, quote=payload) for n in range(3)]
        mentions += [mention("idea_calm", 9, RUN_AT, quote="Please add a week view.")]
        fill_marts(con, {"idea_xss": payload, "idea_calm": "Week view"}, mentions)
        build_site(con, tmp_path / "site", run_at=RUN_AT)
    _check_clean(browser, (tmp_path / "site" / "ideas.html").as_uri())
    browser.evaluate(
        "(() => { const s = document.getElementById('f-search'); s.value = '__xss';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    rows = browser.evaluate("Array.from(document.querySelectorAll('#ideas-table tbody tr'))"
                            ".map(r => r.innerText)")  # fmt: skip
    assert rows and all("__xss" in r for r in rows)
    browser.settle()
    assert browser.evaluate("typeof window.__xss") == "undefined"
    assert browser.errors() == []


def test_top_ideas_table_sorts_searches_and_paginates(browser: DevTools, demo_site: Path) -> None:
    _check_clean(browser, (demo_site / "ideas.html").as_uri())
    ranks = "Array.from(document.querySelectorAll('#ideas-table tbody tr td:first-child'))" \
        ".map(td => Number(td.textContent))"  # fmt: skip
    first = browser.evaluate(ranks)
    assert first == sorted(first) and first[0] == 1
    # Sort by mentions (descending on first click).
    browser.evaluate(
        "Array.from(document.querySelectorAll('#ideas-table th button'))"
        ".find(b => b.textContent === 'Mentions').click()"
    )
    mentions = browser.evaluate(
        "(() => { const h = Array.from(document.querySelectorAll('#ideas-table th'));"
        " const i = h.findIndex(th => th.textContent === 'Mentions');"
        " return Array.from(document.querySelectorAll('#ideas-table tbody tr'))"
        ".map(r => Number(r.cells[i].textContent.replace(/,/g, ''))); })()"
    )
    assert mentions == sorted(mentions, reverse=True)
    # 25 per page: the pager moves through the ideas.
    browser.evaluate(
        "(() => { const s = document.getElementById('f-size'); s.value = '25';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert browser.evaluate("document.querySelectorAll('#ideas-table tbody tr').length") == 25
    browser.evaluate("document.getElementById('page-next').click()")
    assert "Page 2" in browser.evaluate("document.getElementById('page-info').textContent")
    # A search narrows the rows to matching ideas.
    browser.evaluate(
        "(() => { const s = document.getElementById('f-search'); s.value = 'dark mode';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    labels = browser.evaluate(
        "Array.from(document.querySelectorAll('#ideas-table tbody td.label'))"
        ".map(td => td.textContent.toLowerCase())"
    )
    assert labels and all("dark" in t and "mode" in t for t in labels)
    browser.settle()
    assert browser.errors() == []
