"""Connectors: one module per channel, each with ``CHANNEL`` and ``fetch(source, cursor,
client, now) -> FetchResult``. They never open the warehouse."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

_MODULES = {
    "rss": "connectors.rss",
    "reddit": "connectors.reddit",
    "blog_comments": "connectors.blog_comments",
}


def connector_for(channel: str) -> ModuleType:
    try:
        return import_module(_MODULES[channel])
    except KeyError:
        known = ", ".join(sorted(_MODULES))
        raise ValueError(f"no connector for channel {channel!r}; known channels: {known}") from None
