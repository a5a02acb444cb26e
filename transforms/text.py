"""Pure text helpers: HTML to text, sentence splitting (EN/FR), hashing normalisation."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from html.parser import HTMLParser

__all__ = ["html_to_text", "normalize_for_hash", "shorten", "split_sentences", "text_hash"]

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre",
        "ul", "ol", "dl", "dt", "dd", "table", "hr", "section", "article", "header", "footer",
        "aside", "nav", "main", "figure", "figcaption", "details", "summary", "form", "address",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})
# Input containing one of these tags is HTML: its raw newlines are plain whitespace.
_HTML_LAYOUT_RE = re.compile(
    r"<\s*/?\s*(?:p|div|br|li|h[1-6]|blockquote|tr|pre|ul|ol|table|hr)\b[^>]*>", re.I
)
_INLINE_WS_RE = re.compile(r"[^\S\n]+")
_NEWLINE = "\n"


class _TextExtractor(HTMLParser):
    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self._keep_newlines = keep_newlines
        self._skip_depth = 0
        self._pre_depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(_NEWLINE)
            if tag == "pre":
                self._pre_depth += 1
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(_NEWLINE)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_NEWLINE)
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if not (self._keep_newlines or self._pre_depth):
            data = data.replace("\r", " ").replace("\n", " ")
        self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Turn HTML (or plain text) into readable text, one paragraph per line.

    Script/style contents are dropped, block elements become line breaks, entities are
    unescaped and whitespace is collapsed within lines. Raw newlines are kept only when the
    input has no layout tags (plain text, or HTML that relies on its line breaks).
    """
    if not html:
        return ""
    keep_newlines = _HTML_LAYOUT_RE.search(html) is None
    parser = _TextExtractor(keep_newlines)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but never fail on bad markup
        pass
    raw = "".join(parser.parts).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_INLINE_WS_RE.sub(" ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


# --- sentence splitting -------------------------------------------------------------------

# A terminator run, then closing quotes/brackets (French style may put a space before »).
_TERM_RE = re.compile(r"[.!?…]+(?:[ \u00a0\u202f\u2009]?»|[”\"'’)\]])*")
_URL_RE = re.compile(
    r"(?:https?://|ftp://|www\.)[^\s<>\"«»]*[^\s<>\"«».,;:!?)\]'’”]", re.IGNORECASE
)
_LEADING_OPENERS = "«“\"'‘([{¿¡ \u00a0\u202f\u2009"
_NEXT_CHAR_RE = re.compile(r"[\s«“\"'‘(\[{¿¡]*(\S)")
_NON_SPACE_RE = re.compile(r"\S")
_LOOKBEHIND = 60  # characters inspected before a "." to find the abbreviation
# Words after which "." never ends a sentence (compared lowercase, without the final dot).
_ABBREVIATIONS = frozenset(
    {
        "e.g", "i.e", "vs", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "m", "mm",
        "mme", "mmes", "mlle", "mlles", "cf", "approx", "env", "fig", "figs", "vol",
        "pp", "ch", "chap", "resp", "dept", "inc", "ltd", "corp", "co", "av", "bd", "cie",
        "éd", "ed", "eds", "nb", "n.b", "ex", "al", "réf", "ref", "tél", "tel", "p.ex",
    }
)  # fmt: skip
# Split after these only when the next word starts with an uppercase letter.
_SOFT_ABBREVIATIONS = frozenset({"etc"})
# "No. 5", "nº. 3": abbreviations only when a number follows.
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "nº", "n°", "art", "sect", "p"})


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _URL_RE.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def _word_before(text: str, start: int, pos: int) -> tuple[str, str]:
    """Return (word ending at ``pos``, the word before it), lowercased, openers stripped."""
    tokens = text[max(start, pos - _LOOKBEHIND) : pos].split()
    if not tokens:
        return "", ""
    word = tokens[-1].lstrip(_LEADING_OPENERS).lower()
    prev = tokens[-2].lower() if len(tokens) > 1 else ""
    return word, prev


def _next_char(text: str, pos: int) -> str:
    """First significant character at or after ``pos`` (spaces and opening quotes skipped)."""
    match = _NEXT_CHAR_RE.match(text, pos)
    return match.group(1) if match else ""


def _is_period_boundary(line: str, start: int, term_pos: int, nxt: str) -> bool:
    """Decide whether a single "." at ``term_pos`` ends a sentence."""
    word, prev = _word_before(line, start, term_pos)
    if not word:
        return False
    if nxt and nxt in ",;:)]}»”%":
        return False
    if word in _ABBREVIATIONS or (word == "ex" and prev in {"p.", "par"}):
        return False
    if word in _SOFT_ABBREVIATIONS:
        return not nxt or nxt.isupper()
    if word in _NUMBER_ABBREVIATIONS and nxt.isdigit():
        return False
    if len(word) == 1 and word.isalpha():
        return False  # initials: "J. K. Rowling", "M. Dupont"
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):
        return False  # dotted abbreviations: "u.s.", "a.m."
    if word.isdigit() and not _NON_SPACE_RE.search(line, start, term_pos - len(word)):
        return False  # list marker at the start: "1. First item"
    return True


def _is_boundary(line: str, start: int, match: re.Match[str]) -> bool:
    term = match.group(0)
    core = term.rstrip(" \u00a0\u202f\u2009»”\"'’)]")
    end = match.end()
    has_closer = len(core) < len(term)
    nxt = _next_char(line, end)
    if not nxt:
        return True  # end of line
    followed_by_space = line[end].isspace()
    ellipsis = "…" in core or core.count(".") >= 2
    if not followed_by_space:
        # Glued text: "Super!!Merci", "Bof...Je" — only before an uppercase letter.
        return bool(set(core) & set("!?…") or ellipsis) and nxt.isupper()
    if has_closer and nxt.islower():
        return False  # « Super ! » dit-il / "Wow!" he said
    if ellipsis:
        return not nxt.islower()
    if set(core) & set("!?"):
        return True
    return _is_period_boundary(line, start, match.start(), nxt)


def _split_line(line: str) -> list[str]:
    spans = _url_spans(line)
    out: list[str] = []
    start = 0
    for match in _TERM_RE.finditer(line):
        if _inside(match.start(), spans):
            continue
        if _is_boundary(line, start, match):
            out.append(line[start : match.end()])
            start = match.end()
    out.append(line[start:])
    return [s.strip() for s in out if s.strip()]


def split_sentences(text: str) -> list[str]:
    """Split English or French text into sentences, keeping their end punctuation.

    Line breaks always end a sentence. Abbreviations, initials, decimals, version numbers,
    URLs and mid-sentence ellipses do not. "etc." ends a sentence only before a capital.
    """
    if not text:
        return []
    sentences: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            sentences.extend(_split_line(line))
    return sentences


# --- hashing --------------------------------------------------------------------------------

_WS_RE = re.compile(r"\s+")


def normalize_for_hash(text: str) -> str:
    """NFKC, lowercase, collapse whitespace, strip: the key for exact-duplicate detection."""
    return _WS_RE.sub(" ", unicodedata.normalize("NFKC", text or "").lower()).strip()


def text_hash(text: str) -> str:
    """SHA-1 hex digest of :func:`normalize_for_hash` of ``text``."""
    return hashlib.sha1(normalize_for_hash(text).encode("utf-8")).hexdigest()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
