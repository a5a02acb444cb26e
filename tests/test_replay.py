"""The replay session answers from recordings, by method, path, params and form data."""

from __future__ import annotations

import json

import pytest

from connectors.replay import ReplayMiss, ReplaySession


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "new.json").write_text('{"kind": "Listing"}', encoding="utf-8")
    recordings = [
        {
            "method": "GET",
            "url": "https://oauth.reddit.com/r/kestrel/new",
            "params": {"limit": "100"},
            "headers": {"Content-Type": "application/json"},
            "body_file": "new.json",
        },
        {
            "method": "POST",
            "url": "https://oauth.reddit.com/api/morechildren",
            "data": {"children": "a,b"},
            "body": '{"json": {}}',
        },
        {"method": "GET", "url": "https://oauth.reddit.com/r/kestrel/new", "status": 503},
    ]
    (tmp_path / "recordings.json").write_text(json.dumps(recordings), encoding="utf-8")
    return tmp_path


def test_matches_on_path_and_params_whatever_the_host(folder):
    session = ReplaySession(folder)
    resp = session.get("http://127.0.0.1:9/r/kestrel/new/", params={"limit": 100, "raw_json": 1})
    assert resp.status_code == 200 and resp.json() == {"kind": "Listing"}
    assert resp.headers["content-type"] == "application/json"
    assert list(resp.iter_content(4))[0] == b'{"ki'
    other = session.get("https://oauth.reddit.com/r/kestrel/new?limit=5")
    assert other.status_code == 503  # params differ: the next recording answers


def test_matches_form_data(folder):
    session = ReplaySession(folder)
    resp = session.post("https://x/api/morechildren", data={"children": "a,b", "api_type": "json"})
    assert resp.json() == {"json": {}}
    with pytest.raises(ReplayMiss, match="morechildren"):
        session.post("https://x/api/morechildren", data={"children": "c"})


def test_a_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="recordings.json"):
        ReplaySession(tmp_path)
