"""Tests for transforms.text: HTML to text, sentence splitting, hashing."""

from __future__ import annotations

import hashlib

import pytest

from transforms.text import html_to_text, normalize_for_hash, split_sentences, text_hash

# --- html_to_text -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "<script>alert(1)</script>", "<p>  </p>"])
def test_html_to_text_empty_inputs(value: str | None) -> None:
    assert html_to_text(value) == ""


def test_html_to_text_drops_script_style_and_noscript() -> None:
    html = (
        "<p>Hello</p><script>var x = '<p>evil</p>';</script>"
        "<style>p { color: red }</style><noscript>Enable JS</noscript><p>World</p>"
    )
    assert html_to_text(html) == "Hello\nWorld"


def test_html_to_text_unescapes_entities() -> None:
    assert html_to_text("<p>Fish &amp; chips &lt;3 &eacute;t&#233; &#x263A;</p>") == (
        "Fish & chips <3 été ☺"
    )


def test_html_to_text_nbsp_becomes_a_plain_space() -> None:
    assert html_to_text("<p>a&nbsp;&nbsp; b</p>") == "a b"


def test_html_to_text_nested_blocks_become_lines() -> None:
    html = (
        "<div><h2>Title</h2><div><p>First <b>bold</b> para</p><ul><li>one</li>"
        "<li>two<br>three</li></ul></div><blockquote>quoted</blockquote></div>"
    )
    assert html_to_text(html) == "Title\nFirst bold para\none\ntwo\nthree\nquoted"


def test_html_to_text_inline_tags_do_not_break_words() -> None:
    assert html_to_text("<p>un<em>believ</em>able <a href='x'>link</a></p>") == (
        "unbelievable link"
    )


def test_html_to_text_collapses_whitespace_and_source_newlines_in_html() -> None:
    html = "<p>first\n   line\twrapped</p>\n\n<p>  second  </p>"
    assert html_to_text(html) == "first line wrapped\nsecond"


def test_html_to_text_malformed_html_is_tolerated() -> None:
    html = "<p>Unclosed <b>bold <div>inner</p></span> tail <br/> end &bogus; <"
    text = html_to_text(html)
    assert "Unclosed bold" in text
    assert "inner" in text
    assert "tail" in text
    assert "end &bogus;" in text


def test_html_to_text_keeps_less_than_sign_that_is_not_a_tag() -> None:
    assert html_to_text("if a < b and c > d then") == "if a < b and c > d then"
    assert html_to_text("<p>a < b</p>") == "a < b"


def test_html_to_text_plain_text_keeps_its_line_breaks() -> None:
    assert html_to_text("line one\n\n  line   two  \r\nline three") == (
        "line one\nline two\nline three"
    )


def test_html_to_text_drops_comments_and_doctype() -> None:
    assert html_to_text("<!DOCTYPE html><p>a<!-- hidden --> b</p>") == "a b"


def test_html_to_text_table_cells_are_separated() -> None:
    html = "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
    assert html_to_text(html) == "a b\nc"


# --- split_sentences ----------------------------------------------------------------------------


def test_split_basic_terminators_keep_punctuation() -> None:
    assert split_sentences("It works. Does it? Yes! Great…") == [
        "It works.",
        "Does it?",
        "Yes!",
        "Great…",
    ]


@pytest.mark.parametrize("value", ["", "   ", "\n\n"])
def test_split_empty(value: str) -> None:
    assert split_sentences(value) == []


def test_split_newlines_always_end_sentences() -> None:
    assert split_sentences("First line\nSecond line. Third\n\nFourth") == [
        "First line",
        "Second line.",
        "Third",
        "Fourth",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Use a tracker, e.g. Jira or Trello, for this.",
        "Only one format, i.e. CSV, is supported.",
        "Dark vs. light themes were compared.",
        "Mr. Brown and Dr. Grey agree.",
        "M. Martin et Mme. Petit sont d'accord.",
        "Prenez un fruit, p. ex. une pomme, avant de courir.",
        "Voir cf. la documentation en ligne.",
        "It takes approx. ten minutes to sync.",
        "Add apples, pears, etc. and the rest.",
        "J. R. R. Tolkien wrote it.",
    ],
)
def test_split_does_not_break_on_abbreviations(text: str) -> None:
    assert split_sentences(text) == [text]


def test_split_etc_before_capital_ends_the_sentence() -> None:
    assert split_sentences("We sync Strava, Komoot, etc. The rest is manual.") == [
        "We sync Strava, Komoot, etc.",
        "The rest is manual.",
    ]


def test_split_decimals_and_versions() -> None:
    text = "Version v2.1.3 takes 3.5 seconds to start. Version 10.0 was faster."
    assert split_sentences(text) == [
        "Version v2.1.3 takes 3.5 seconds to start.",
        "Version 10.0 was faster.",
    ]


def test_split_urls_are_not_split() -> None:
    text = "See https://example.com/docs/v1.2/page.html?x=1&y=2. It explains everything."
    assert split_sentences(text) == [
        "See https://example.com/docs/v1.2/page.html?x=1&y=2.",
        "It explains everything.",
    ]
    assert split_sentences("Go to www.example.org! Now.") == ["Go to www.example.org!", "Now."]


def test_split_ellipsis_followed_by_lowercase_stays_in_sentence() -> None:
    assert split_sentences("I tried... but it failed. Then… Nothing happened.") == [
        "I tried... but it failed.",
        "Then…",
        "Nothing happened.",
    ]


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u202f"])
def test_split_french_spacing_before_punctuation(space: str) -> None:
    text = f"Vraiment{space}? Oui{space}! Deux points{space}: un{space}; deux. Fin."
    assert split_sentences(text) == [
        f"Vraiment{space}?",
        f"Oui{space}!",
        f"Deux points{space}: un{space}; deux.",
        "Fin.",
    ]


def test_split_guillemets_and_closing_quotes_stay_with_the_sentence() -> None:
    text = "Il a dit « c'est fini. » Puis il est parti. « Génial ! » a-t-elle répondu."
    assert split_sentences(text) == [
        "Il a dit « c'est fini. »",
        "Puis il est parti.",
        "« Génial ! » a-t-elle répondu.",
    ]


def test_split_english_quotes_and_parentheses() -> None:
    text = 'She said "it works." Then (as usual.) it broke. "Wow!" he said.'
    assert split_sentences(text) == [
        'She said "it works."',
        "Then (as usual.) it broke.",
        '"Wow!" he said.',
    ]


def test_split_curly_closing_quote() -> None:
    assert split_sentences("He wrote “done.” Then left.") == ["He wrote “done.”", "Then left."]


def test_split_glued_exclamation_before_capital() -> None:
    assert split_sentences("Super!!Merci beaucoup.") == ["Super!!", "Merci beaucoup."]


def test_split_numbered_list_markers() -> None:
    assert split_sentences("1. Export to CSV\n2. Dark mode") == ["1. Export to CSV", "2. Dark mode"]


def test_split_lowercase_after_period_still_splits() -> None:
    assert split_sentences("the app crashes. please fix it.") == [
        "the app crashes.",
        "please fix it.",
    ]


# --- hashing ------------------------------------------------------------------------------------


def test_normalize_for_hash() -> None:
    assert normalize_for_hash("  Hello\u00a0  WORLD\n") == "hello world"
    assert normalize_for_hash("Ｆｕｌｌ ｗｉｄｔｈ") == "full width"  # NFKC
    assert normalize_for_hash("ﬁle") == "file"  # ligature


def test_text_hash_is_sha1_of_normalized_text() -> None:
    assert text_hash("Hello  World") == hashlib.sha1(b"hello world").hexdigest()
    assert text_hash(" hello world ") == text_hash("HELLO\tWORLD")
    assert text_hash("hello world") != text_hash("hello world!")
    assert len(text_hash("")) == 40
