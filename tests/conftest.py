"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feed_server import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A running local HTTP server; register routes with ``feed_server.add(...)``."""
    with FeedServer() as server:
        yield server
