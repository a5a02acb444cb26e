"""Build small RSS 2.0 documents for tests (text we write, escaped properly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


@dataclass
class Entry:
    guid: str
    title: str
    body_html: str
    author: str
    published: datetime
    link: str | None = None


def rss_document(
    title: str, entries: list[Entry], site: str = "https://ideas.example.com"
) -> bytes:
    items = []
    for e in entries:
        link = e.link or f"{site}/posts/{e.guid}"
        items.append(
            "<item>"
            f"<title>{escape(e.title)}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">{escape(e.guid)}</guid>'
            f"<dc:creator>{escape(e.author)}</dc:creator>"
            f"<pubDate>{format_datetime(e.published)}</pubDate>"
            f"<description>{escape(e.body_html)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{escape(title)}</title><link>{site}</link><description>test</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")
