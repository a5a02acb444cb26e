"""Configuration: validation errors name the field and the reason."""

from __future__ import annotations

import pytest

from idea_harvester.config import ConfigError, load_settings


def _write(tmp_path, text: str):
    path = tmp_path / "ideas.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    path = _write(
        tmp_path,
        "warehouse: w/x.duckdb\nlanding: land\nsources:\n"
        "  - {name: a, channel: rss, url: feeds/a.xml}\n"
        "  - {name: b, channel: rss, url: 'https://example.com/feed'}\n",
    )
    s = load_settings(path)
    assert s.warehouse == tmp_path / "w/x.duckdb"
    assert s.dashboards_dir == tmp_path / "w/dashboards"
    assert s.sources[0].url == str(tmp_path / "feeds/a.xml")
    assert s.sources[1].url == "https://example.com/feed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("landing: l\n", "warehouse: Field required"),
        ("warehouse: w\nlanding: l\nsources:\n  - {name: a, channel: rss}\n", "sources.0.rss.url"),
        ("warehouse: w\nlanding: l\nsources:\n  - {name: a, channel: fax, url: x}\n", "sources.0"),
        (
            "warehouse: w\nlanding: l\nthresholds: {idea_similarity: 3}\n",
            "thresholds.idea_similarity",
        ),
        ("warehouse: w\nlanding: l\nsourcs: []\n", "sourcs: Extra inputs are not permitted"),
        (
            "warehouse: w\nlanding: l\ngrouping: {label_language: English}\n",
            "grouping.label_language: Value error, 'English' is not a two-letter language code",
        ),
        (
            "warehouse: w\nlanding: l\nsources:\n  - {name: a, channel: rss, url: x}\n"
            "  - {name: a, channel: rss, url: y}\n",
            "repeated: a",
        ),
        ("warehouse: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "top level must be a mapping"),
    ],
)
def test_invalid_files_name_the_field_and_the_reason(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_a_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="ideas init"):
        load_settings(tmp_path / "absent.yml")


def test_the_environment_variable_is_used_when_no_path_is_given(tmp_path, monkeypatch):
    path = _write(tmp_path, "warehouse: w.duckdb\nlanding: l\n")
    monkeypatch.setenv("IDEAS_CONFIG", str(path))
    assert load_settings().warehouse == tmp_path / "w.duckdb"
